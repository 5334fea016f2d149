"""The positive orthant ``y_i >= floor_i > 0`` (risk parity's unnormalised iterate).

Risk parity (:mod:`portfolio_sgd.objectives.risk_parity`) minimises a log-barrier
function over ``y > 0``, not over the fully invested set: its iterate has no budget
constraint and is normalised only when reported. The engine keeps it in the box
``{y >= floor}`` with a strictly positive floor chosen below the optimum, so the barrier
stays finite, its curvature bounded, and the box never binds at the solution.

The projection is a clamp, ``max(y, floor)``: exact in the Euclidean metric and in
every diagonal metric (the box is separable), so preconditioned steps project with the
same kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart


@dataclass(frozen=True)
class PositiveOrthant(ConstraintPart):
    """``y_i >= floor_i`` for every asset, with ``floor_i > 0`` (N values)."""

    floor: tuple[float, ...]
    name = "positive-orthant"

    def validate(self, n_assets: int) -> None:
        """One finite floor ``> 0`` per asset."""
        if len(self.floor) != n_assets:
            raise InfeasibleConstraintError(
                f"the orthant floor has {len(self.floor)} entries for {n_assets} assets"
            )
        bad = [f for f in self.floor if not (math.isfinite(f) and f > 0)]
        if bad:
            raise InfeasibleConstraintError(
                f"orthant floors must be finite and > 0, got {bad[0]!r}"
            )

    def floor_tensor(self, like: torch.Tensor) -> torch.Tensor:
        """The floor (N,) in the dtype and on the device of ``like``."""
        return torch.tensor(self.floor, dtype=like.dtype, device=like.device)

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        return (self.floor_tensor(w) - w).clamp_min(0.0).amax(dim=-1)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        return [w >= list(self.floor)]

    def describe(self) -> str:
        return f"y_i >= floor_i > 0 (min floor {min(self.floor):.3g})"


def orthant_projector(floor: torch.Tensor):  # noqa: ANN201 - a Projector
    """The projection onto ``{y >= floor}`` (N,): a clamp, exact in any diagonal metric.

    Parameters
    ----------
    floor : Tensor, shape (N,)
        Best on the iterate's device, in its dtype (then ``.to`` is a no-op: no host
        copy per step); otherwise converted at each call.

    Returns
    -------
    callable
        ``(K, N) -> (K, N)``.
    """

    def project(y: torch.Tensor) -> torch.Tensor:
        return torch.maximum(y, floor.to(y))

    return project
