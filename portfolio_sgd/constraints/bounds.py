"""Per-asset bounds ``lo <= w_i <= hi`` (with the budget: the capped simplex)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart


@dataclass(frozen=True)
class Bounds(ConstraintPart):
    """``lo <= w_i <= hi`` for every asset; ``lo < 0`` needs ``long_short``."""

    lo: float = 0.0
    hi: float = 1.0
    long_short: bool = False
    budget: float = 1.0
    name = "bounds"

    def validate(self, n_assets: int) -> None:
        """Finite numbers, ``lo <= hi``, the sign rule, and ``N lo <= budget <= N hi``."""
        lo, hi = self.lo, self.hi
        for name, val in (("min_weight", lo), ("max_weight", hi)):
            if not isinstance(val, numbers.Real) or not math.isfinite(val):
                raise InfeasibleConstraintError(f"{name} must be a finite number, got {val!r}")
        if lo > hi:
            raise InfeasibleConstraintError(f"min_weight {lo:g} > max_weight {hi:g}")
        if not self.long_short and lo < 0:
            raise InfeasibleConstraintError(
                f"min_weight {lo:g} < 0 in a long-only portfolio: use long_short=True"
            )
        if hi * n_assets < self.budget - 1e-12:
            raise InfeasibleConstraintError(
                f"max_weight {hi:g} x {n_assets} assets = {hi * n_assets:.4g} < 1: "
                "weights cannot sum to 1"
            )
        if lo * n_assets > self.budget + 1e-12:
            raise InfeasibleConstraintError(
                f"min_weight {lo:g} x {n_assets} assets = {lo * n_assets:.4g} > 1: "
                "weights cannot sum to 1"
            )

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        below = (self.lo - w).clamp_min(0.0)
        above = (w - self.hi).clamp_min(0.0)
        return torch.maximum(below, above).amax(dim=-1)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        return [w >= self.lo, w <= self.hi]

    def describe(self) -> str:
        return f"{self.lo:g} <= w_i <= {self.hi:g}"
