"""The budget: fully invested, ``sum(w) = 1``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .base import ConstraintPart


@dataclass(frozen=True)
class Budget(ConstraintPart):
    """``sum(w) = total`` (1: fully invested)."""

    total: float = 1.0
    name = "budget"

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        return (w.sum(dim=-1) - self.total).abs()

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        return [cp.sum(w) == self.total]

    def describe(self) -> str:
        return f"sum(w) = {self.total:g}"
