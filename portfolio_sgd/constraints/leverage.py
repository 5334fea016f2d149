"""The gross-leverage cap ``sum |w_i| <= L`` (binding only for long-short portfolios)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart


@dataclass(frozen=True)
class Leverage(ConstraintPart):
    """``sum |w_i| <= cap``; ``cap >= 1`` since a fully invested portfolio has ``sum|w| >= 1``."""

    cap: float
    name = "leverage"

    def validate(self, n_assets: int) -> None:
        cap = self.cap
        if not isinstance(cap, numbers.Real) or math.isnan(cap):
            raise InfeasibleConstraintError(f"max_leverage must be a number or None, got {cap!r}")
        if cap < 1:
            raise InfeasibleConstraintError(
                f"max_leverage {cap:g} < 1: a fully-invested portfolio has sum|w| >= 1"
            )

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        return (w.abs().sum(dim=-1) - self.cap).clamp_min(0.0)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        return [cp.norm1(w) <= self.cap]

    def describe(self) -> str:
        return f"sum|w_i| <= {self.cap:g}"
