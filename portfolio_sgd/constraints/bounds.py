"""Per-asset bounds ``lo_i <= w_i <= hi_i`` (with the budget: the capped simplex).

The bounds are one number for every asset or one per asset (a tuple, resolved from a
vector or a mapping by ticker: :mod:`.weight_bounds`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart


def _text(value: float | tuple[float, ...]) -> str:
    """``0.2`` for a number, ``per asset [0, 0.3]`` for a vector (its range)."""
    if isinstance(value, tuple):
        return f"per asset [{min(value):g}, {max(value):g}]"
    return f"{value:g}"


@dataclass(frozen=True)
class Bounds(ConstraintPart):
    """``lo_i <= w_i <= hi_i`` for every asset; ``lo < 0`` needs ``long_short``.

    ``lo``, ``hi``: a float (every asset) or a tuple (N,); ``budget``: the fixed budget
    ``B``, or the range ``(B_lo, B_hi)`` that the bounds must be able to reach.
    """

    lo: float | tuple[float, ...] = 0.0
    hi: float | tuple[float, ...] = 1.0
    long_short: bool = False
    budget: float | tuple[float, float] = 1.0
    name = "bounds"

    @property
    def uniform(self) -> bool:
        """Whether the bounds are one number for every asset."""
        return not (isinstance(self.lo, tuple) or isinstance(self.hi, tuple))

    def vectors(self, n_assets: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` as (N,) float64 arrays."""
        return np.broadcast_to(np.asarray(self.lo, dtype=np.float64), (n_assets,)).copy(), (
            np.broadcast_to(np.asarray(self.hi, dtype=np.float64), (n_assets,)).copy()
        )

    def validate(self, n_assets: int) -> None:
        """Finite numbers, ``lo <= hi``, the sign rule, and ``sum lo <= budget <= sum hi``."""
        for name, val in (("min_weight", self.lo), ("max_weight", self.hi)):
            values = val if isinstance(val, tuple) else (val,)
            if isinstance(val, tuple) and len(val) != n_assets:
                raise InfeasibleConstraintError(
                    f"{name} has {len(val)} values for {n_assets} assets"
                )
            for v in values:
                if not isinstance(v, numbers.Real) or not math.isfinite(v):
                    raise InfeasibleConstraintError(f"{name} must be a finite number, got {v!r}")
        lo, hi = self.vectors(n_assets)
        bad = np.flatnonzero(lo > hi)
        if bad.size:
            i = int(bad[0])
            where = (
                f" (asset {i})" if isinstance(self.lo, tuple) or isinstance(self.hi, tuple) else ""
            )
            raise InfeasibleConstraintError(f"min_weight {lo[i]:g} > max_weight {hi[i]:g}{where}")
        if not self.long_short and lo.min() < 0:
            raise InfeasibleConstraintError(
                f"min_weight {lo.min():g} < 0 in a long-only portfolio: use long_short=True"
            )
        b_lo, b_hi = self.budget if isinstance(self.budget, tuple) else (self.budget,) * 2
        self._check_reach(float(lo.sum()), float(hi.sum()), float(b_lo), float(b_hi), n_assets)

    def _check_reach(self, low: float, high: float, b_lo: float, b_hi: float, n: int) -> None:
        """``sum lo <= B_hi`` and ``sum hi >= B_lo``: one line naming the sums."""
        uniform = self.uniform
        if high < b_lo - 1e-12:
            said = f"max_weight {self.hi:g} x {n} assets" if uniform else "the sum of max_weight"
            raise InfeasibleConstraintError(
                f"{said} = {high:.4g} < {b_lo:g}: weights cannot sum to {b_lo:g}"
            )
        if low > b_hi + 1e-12:
            said = f"min_weight {self.lo:g} x {n} assets" if uniform else "the sum of min_weight"
            raise InfeasibleConstraintError(
                f"{said} = {low:.4g} > {b_hi:g}: weights cannot sum to {b_hi:g}"
            )

    def _tensors(self, w: torch.Tensor) -> tuple[Any, Any]:
        if not self.uniform:
            lo, hi = self.vectors(int(w.shape[-1]))
            return torch.as_tensor(lo).to(w), torch.as_tensor(hi).to(w)
        return self.lo, self.hi

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        lo, hi = self._tensors(w)
        below = (lo - w).clamp_min(0.0)
        above = (w - hi).clamp_min(0.0)
        return torch.maximum(below, above).amax(dim=-1)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        if self.uniform:
            return [w >= self.lo, w <= self.hi]
        lo, hi = self.vectors(int(w.shape[0]))
        return [w >= lo, w <= hi]

    def describe(self) -> str:
        return f"{_text(self.lo)} <= w_i <= {_text(self.hi)}"
