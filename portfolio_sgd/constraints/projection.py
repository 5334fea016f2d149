"""Projection onto a composition of constraint parts: exact kernels, and the extension point.

The engine projects every (K, N) iterate after each step. For the compositions that have
an exact, sort-based kernel (see :mod:`.kernels`) the choice is made here once per run:

===================================== ===============================================
parts                                 kernel
===================================== ===============================================
budget + bounds ``[0, >= 1]``         :func:`project_simplex` (sort-based)
budget + bounds ``[lo, hi]``          :func:`project_capped_simplex` (bisection on shift)
budget + bounds + binding leverage    :func:`project_long_short`
budget + bounds + turnover limits     :func:`~.trading_kernel.prox_trading` (nested shifts)
positive orthant ``y >= floor``       :func:`orthant_projector` (a clamp)
===================================== ===============================================

**Extension point.** A composition with no exact kernel (e.g. general linear or group
constraints) goes to :func:`general_projector`, which is where a batched polytope
projection (Dykstra's alternating projections, or a small ADMM / active-set QP) plugs in;
new parts register an exact kernel in :func:`exact_projector` when they have one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import torch

from ..errors import ConfigError
from .base import ConstraintPart
from .bounds import Bounds
from .budget import Budget
from .kernels import project_capped_simplex, project_long_short, project_simplex
from .leverage import Leverage
from .orthant import PositiveOrthant, orthant_projector
from .turnover import Turnover, turnover_projector

Projector = Callable[[torch.Tensor], torch.Tensor]


def exact_projector(parts: Sequence[ConstraintPart]) -> Projector | None:
    """The exact Euclidean projection kernel for ``parts``, or None if there is none."""
    kinds = {type(p) for p in parts}
    if Turnover in kinds and kinds <= {Budget, Bounds, Turnover}:
        return turnover_projector(next(p for p in parts if isinstance(p, Turnover)))
    if kinds == {PositiveOrthant}:
        (orthant,) = parts
        return orthant_projector(torch.tensor(orthant.floor, dtype=torch.float64))  # type: ignore[attr-defined]
    if not kinds <= {Budget, Bounds, Leverage} or Budget not in kinds or Bounds not in kinds:
        return None
    bounds = next(p for p in parts if isinstance(p, Bounds))
    lo, hi = float(bounds.lo), float(bounds.hi)
    leverage = next((p for p in parts if isinstance(p, Leverage)), None)
    if leverage is not None:
        return functools.partial(project_long_short, lo=lo, hi=hi, leverage=float(leverage.cap))
    if lo == 0.0 and hi >= 1.0:
        return project_simplex
    return functools.partial(project_capped_simplex, lo=lo, hi=hi)


def general_projector(parts: Sequence[ConstraintPart]) -> Projector:
    """A projection for compositions without an exact kernel (the extension point).

    Raises
    ------
    ConfigError
        Until a general polytope projection is registered for these parts.
    """
    names = ", ".join(p.describe() for p in parts)
    raise ConfigError(f"no projection is available for the constraint set: {names}")


def projector_for(parts: Sequence[ConstraintPart]) -> Projector:
    """The projection for ``parts``: the exact kernel when one exists, else the general one."""
    exact = exact_projector(parts)
    return exact if exact is not None else general_projector(parts)
