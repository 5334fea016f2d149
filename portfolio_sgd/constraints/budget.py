"""The budget: ``sum(w) = B`` (1: fully invested; below 1 the rest is cash), or a range
``B_lo <= sum(w) <= B_hi``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .base import ConstraintPart


@dataclass(frozen=True)
class Budget(ConstraintPart):
    """``sum(w) = total`` (1: fully invested), or ``lo <= sum(w) <= hi`` for a pair."""

    total: float | tuple[float, float] = 1.0
    name = "budget"

    @property
    def ends(self) -> tuple[float, float]:
        """``(B_lo, B_hi)`` (equal for a fixed budget)."""
        if isinstance(self.total, tuple):
            return float(self.total[0]), float(self.total[1])
        return float(self.total), float(self.total)

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        if not isinstance(self.total, tuple):
            return (w.sum(dim=-1) - self.total).abs()
        lo, hi = self.ends
        s = w.sum(dim=-1)
        return torch.maximum((lo - s).clamp_min(0.0), (s - hi).clamp_min(0.0))

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        if not isinstance(self.total, tuple):
            return [cp.sum(w) == self.total]
        lo, hi = self.ends
        return [cp.sum(w) >= lo, cp.sum(w) <= hi]

    def describe(self) -> str:
        if not isinstance(self.total, tuple):
            return f"sum(w) = {self.total:g}"
        lo, hi = self.ends
        return f"{lo:g} <= sum(w) <= {hi:g}"
