"""Turnover against current holdings: a total cap and per-asset limits (a constraint part).

``1/2 sum_i |w_i - p_i| <= delta`` (one-way turnover) and ``|w_i - p_i| <= delta_i``
(per-asset limits, which are tighter bounds ``[p_i - delta_i, p_i + delta_i]``), against
the previous holdings ``p``. The projection (with the budget and the bounds, and with the
transaction-cost prox) is :func:`portfolio_sgd.constraints.trading.kernel.prox_trading`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ...errors import InfeasibleConstraintError
from ..base import ConstraintPart
from .kernel import prox_trading


@dataclass(frozen=True)
class Turnover(ConstraintPart):
    """Turnover limits against ``previous`` (N,) within the bounds ``[lo, hi]``.

    Attributes
    ----------
    previous : tuple of float, length N
    max_turnover : float or None
        One-way cap ``delta``.
    asset_limits : tuple of float or None, length N
        Per-asset limits ``delta_i`` (``inf``: none).
    lo, hi : float
        The per-asset bounds the limits are intersected with.
    """

    previous: tuple[float, ...]
    max_turnover: float | None = None
    asset_limits: tuple[float, ...] | None = None
    lo: float = 0.0
    hi: float = 1.0
    name = "turnover"

    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """The per-asset interval ``[lo_i, hi_i]`` (two (N,) arrays)."""
        p = np.asarray(self.previous, dtype=np.float64)
        lo, hi = np.full_like(p, self.lo), np.full_like(p, self.hi)
        if self.asset_limits is not None:
            lim = np.asarray(self.asset_limits, dtype=np.float64)
            lo, hi = np.maximum(lo, p - lim), np.minimum(hi, p + lim)
        return lo, hi

    def min_turnover(self) -> float:
        """The smallest one-way turnover of a fully invested portfolio in the box."""
        p = np.asarray(self.previous, dtype=np.float64)
        lo, hi = self.box()
        q = np.clip(p, lo, hi)
        return 0.5 * (float(np.abs(q - p).sum()) + abs(1.0 - float(q.sum())))

    def validate(self, n_assets: int) -> None:
        """Limits ``>= 0``, a non-empty box with room for the budget, and a cap that the
        closest fully invested portfolio meets; each failure names its numbers."""
        if self.max_turnover is not None and not (self.max_turnover >= 0):
            raise InfeasibleConstraintError(f"max_turnover must be >= 0, got {self.max_turnover!r}")
        if self.asset_limits is not None:
            lim = np.asarray(self.asset_limits, dtype=np.float64)
            if np.isnan(lim).any() or (lim < 0).any():
                raise InfeasibleConstraintError("max_asset_turnover must be >= 0 for every asset")
        lo, hi = self.box()
        bad = np.flatnonzero(lo > hi + 1e-15)
        if bad.size:
            i = int(bad[0])
            raise InfeasibleConstraintError(
                f"asset {i}: previous weight {self.previous[i]:g} with max_asset_turnover "
                f"leaves no room inside [{self.lo:g}, {self.hi:g}]"
            )
        if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
            raise InfeasibleConstraintError(
                f"the per-asset turnover limits allow weights summing to [{lo.sum():.4g}, "
                f"{hi.sum():.4g}], which does not contain 1"
            )
        need = self.min_turnover()
        if self.max_turnover is not None and need > self.max_turnover + 1e-12:
            raise InfeasibleConstraintError(
                f"max_turnover {self.max_turnover:g} < {need:.4g}, the least turnover that "
                "reaches a fully invested portfolio within the bounds"
            )

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        p = torch.as_tensor(self.previous, dtype=w.dtype, device=w.device)
        out = torch.zeros(w.shape[:-1], dtype=w.dtype, device=w.device)
        if self.max_turnover is not None:
            out = (0.5 * (w - p).abs().sum(dim=-1) - self.max_turnover).clamp_min(0.0)
        if self.asset_limits is not None:
            lim = torch.as_tensor(self.asset_limits, dtype=w.dtype, device=w.device)
            out = torch.maximum(out, ((w - p).abs() - lim).clamp_min(0.0).amax(dim=-1))
        return out

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        p = np.asarray(self.previous, dtype=np.float64)
        out = []
        if self.max_turnover is not None:
            out.append(0.5 * cp.norm1(w - p) <= self.max_turnover)
        if self.asset_limits is not None:
            lim = np.asarray(self.asset_limits, dtype=np.float64)
            finite = np.isfinite(lim)
            if finite.any():
                out.append(cp.abs(w - p)[finite] <= lim[finite])
        return out

    def describe(self) -> str:
        bits = []
        if self.max_turnover is not None:
            bits.append(f"1/2 sum|w - p| <= {self.max_turnover:g}")
        if self.asset_limits is not None:
            finite = [v for v in self.asset_limits if math.isfinite(v)]
            if finite:
                bits.append(f"|w_i - p_i| <= delta_i (max {max(finite):g})")
        return "; ".join(bits) or "turnover"


def turnover_projector(part: Turnover):  # noqa: ANN201 - a Projector
    """The exact Euclidean projection onto budget, bounds and ``part``'s limits."""
    p = torch.as_tensor(part.previous, dtype=torch.float64)
    lo, hi = (torch.as_tensor(a) for a in part.box())

    def project(v: torch.Tensor) -> torch.Tensor:
        dev = v.device
        return prox_trading(v, p.to(dev), lo.to(dev), hi.to(dev), delta=part.max_turnover)

    return project
