"""Cardinality and minimum position size: ``||w||_0 <= k`` and ``w_i in {0} U [x, hi]``.

A combinatorial (non-convex) part: it is never projected onto by the convex engine. The
heuristic of :mod:`portfolio_sgd.cardinality` handles it by fixing supports (sets of held
assets) and re-optimising on each with the bounds ``[x, hi]`` (a convex problem), and the
exact reference (:mod:`portfolio_sgd.reference.cardinality`) enumerates supports or
solves a mixed-integer program.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart

#: Weights at most this are "not held" when a support is read off a portfolio.
ZERO_TOL = 1e-12


@dataclass(frozen=True)
class Cardinality(ConstraintPart):
    """At most ``max_assets`` non-zero weights, each either 0 or in ``[min_position, hi]``.

    Parameters
    ----------
    max_assets : int or None
        ``k``; None: no cap on the count (``k = N``).
    min_position : float
        ``x >= 0``: each held weight is at least ``x`` (0: no minimum).
    hi : float
        The per-asset cap (``max_weight``).
    """

    max_assets: int | None = None
    min_position: float = 0.0
    hi: float = 1.0
    name = "cardinality"

    def validate(self, n_assets: int) -> None:
        """Integer ``k >= 1``, ``0 <= x <= hi``, and some count ``j <= k`` of held assets
        with ``j x <= 1 <= j hi`` (else the budget cannot be met)."""
        k, x, hi = self.max_assets, self.min_position, self.hi
        if k is not None and (isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1):
            raise InfeasibleConstraintError(f"max_assets must be an integer >= 1, got {k!r}")
        if not isinstance(x, numbers.Real) or not math.isfinite(x) or x < 0 or x > 1:
            raise InfeasibleConstraintError(f"min_position must be a number in [0, 1], got {x!r}")
        if x > hi + 1e-12:
            raise InfeasibleConstraintError(f"min_position {x:g} > max_weight {hi:g}")
        cap = min(int(k), n_assets) if k is not None else n_assets
        if cap * hi < 1 - 1e-12:
            raise InfeasibleConstraintError(
                f"max_assets {cap} x max_weight {hi:g} = {cap * hi:.4g} < 1: "
                "weights cannot sum to 1"
            )
        if not self.sizes(n_assets):
            raise InfeasibleConstraintError(
                f"no number j <= {cap} of held assets has j x min_position {x:g} <= 1 "
                f"<= j x max_weight {hi:g}"
            )

    def sizes(self, n_assets: int) -> list[int]:
        """The feasible counts ``j`` of held assets, ascending (``j x <= 1 <= j hi``)."""
        k = n_assets if self.max_assets is None else min(int(self.max_assets), n_assets)
        x, hi = float(self.min_position), float(self.hi)
        return [j for j in range(1, k + 1) if j * hi >= 1 - 1e-12 and j * x <= 1 + 1e-12]

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        """Excess count ``max(0, ||w||_0 - k)`` plus the largest shortfall ``x - w_i`` of a
        held weight below ``x`` (K,)."""
        held = w.abs() > ZERO_TOL
        excess = torch.zeros(w.shape[:-1], dtype=w.dtype, device=w.device)
        if self.max_assets is not None:
            count = held.sum(dim=-1).to(w.dtype)
            excess = (count - float(self.max_assets)).clamp_min(0.0)
        short = torch.where(held, (self.min_position - w).clamp_min(0.0), torch.zeros_like(w))
        return excess + short.amax(dim=-1)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        """Mixed-integer form with binaries ``z``: ``x z <= w <= hi z``, ``sum z <= k``
        (needs a mixed-integer solver)."""
        n = w.shape[0]
        z = cp.Variable(n, boolean=True)
        out = [w <= self.hi * z, w >= self.min_position * z]
        if self.max_assets is not None:
            out.append(cp.sum(z) <= int(self.max_assets))
        return out

    def describe(self) -> str:
        k = "N" if self.max_assets is None else str(self.max_assets)
        return f"||w||_0 <= {k}, w_i = 0 or w_i >= {self.min_position:g}"
