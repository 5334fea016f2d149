"""Projection onto a composition of constraint parts: exact kernels, and the extension point.

The engine projects every (K, N) iterate after each step. For the compositions that have
an exact, sort-based kernel (see :mod:`.kernels`) the choice is made here once per run:

===================================== ===============================================
parts                                 kernel
===================================== ===============================================
budget + bounds ``[0, >= 1]``         :func:`project_simplex` (sort-based)
budget + bounds ``[lo, hi]``          :func:`project_capped_simplex` (bisection on shift)
budget + bounds + binding leverage    :func:`project_long_short`
budget + bounds + turnover limits     :func:`~.trading.kernel.prox_trading` (sorted breaks)
positive orthant ``y >= floor``       :func:`orthant_projector` (a clamp)
budget + bounds + disjoint group      :class:`.group_kernel.GroupProjector` (nested
floors/caps (no leverage)             shifts on sorted breakpoints)
per-asset bounds, a budget other than :func:`.box_kernel.project_box_budget` (one sort
1 or a range, exposure caps           of the 2N breakpoints; two more with a cap)
===================================== ===============================================

**Extension point.** A composition with no exact kernel (general linear rows: ratios,
overlapping or fractional groups, or any rows with a leverage cap) goes to
:func:`general_projector`: Dykstra's alternating projections
(:class:`.dykstra.DykstraProjector`) over the base set (budget, bounds, leverage, with
its exact kernel) and one half-space per row, feasible to 1e-10 in float64. A new convex
part adds its :class:`.dykstra.ConvexSet` to that list, or registers an exact kernel in
:func:`exact_projector` when it has one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..errors import ConfigError
from .base import ConstraintPart
from .bounds import Bounds
from .box_kernel import project_box_budget
from .budget import Budget
from .dykstra import ConvexSet, DykstraProjector, halfspaces
from .group_kernel import GroupProjector, disjoint_group_plan, split_group_rows
from .kernels import project_capped_simplex, project_long_short, project_simplex
from .leverage import Leverage
from .linear import LinearConstraints
from .orthant import PositiveOrthant, orthant_projector
from .trading.turnover import Turnover, turnover_projector

Projector = Callable[[torch.Tensor], torch.Tensor]


def exact_projector(parts: Sequence[ConstraintPart]) -> Projector | None:
    """The exact Euclidean projection kernel for ``parts``, or None if there is none."""
    kinds = {type(p) for p in parts}
    if Turnover in kinds and kinds <= {Budget, Bounds, Turnover}:
        return turnover_projector(next(p for p in parts if isinstance(p, Turnover)))
    if kinds == {PositiveOrthant}:
        (orthant,) = parts
        return orthant_projector(torch.tensor(orthant.floor, dtype=torch.float64))  # type: ignore[attr-defined]
    if not kinds <= _BASE | {LinearConstraints} or Budget not in kinds or Bounds not in kinds:
        return None
    bounds = next(p for p in parts if isinstance(p, Bounds))
    leverage = next((p for p in parts if isinstance(p, Leverage)), None)
    linear = next((p for p in parts if isinstance(p, LinearConstraints)), None)
    if not _classic(bounds, leverage):
        return None if linear is not None else _mandate_projector(bounds, leverage)
    lo, hi = float(bounds.lo), float(bounds.hi)
    if linear is not None:
        plan = None if leverage else disjoint_group_plan(linear, linear.a_ub.shape[1], lo, hi)
        return None if plan is None else GroupProjector(plan)
    if leverage is not None:
        return functools.partial(project_long_short, lo=lo, hi=hi, leverage=float(leverage.cap))
    if lo == 0.0 and hi >= 1.0:
        return project_simplex
    return functools.partial(project_capped_simplex, lo=lo, hi=hi)


def general_projector(parts: Sequence[ConstraintPart]) -> Projector:
    """A projection for compositions without an exact kernel (the extension point).

    Dykstra's algorithm over the base set (budget, bounds, leverage: its exact kernel)
    and one half-space or hyperplane per linear row.

    Raises
    ------
    ConfigError
        For parts that have no convex-set projection.
    """
    kinds = {type(p) for p in parts}
    if not kinds <= _BASE | {LinearConstraints} or Bounds not in kinds:
        names = ", ".join(p.describe() for p in parts)
        raise ConfigError(f"no projection is available for the constraint set: {names}")
    base = [p for p in parts if not isinstance(p, LinearConstraints)]
    kernel = exact_projector(base)
    assert kernel is not None  # budget + bounds (+ leverage) always has one
    rows = [p for p in parts if isinstance(p, LinearConstraints)]
    bounds = next(p for p in parts if isinstance(p, Bounds))
    classic = _classic(bounds, next((p for p in parts if isinstance(p, Leverage)), None))
    if rows and Leverage not in kinds and classic:  # group limits join the exact kernel
        plan, rest = split_group_rows(rows[0], rows[0].a_ub.shape[1], bounds.lo, bounds.hi)
        if plan is not None:
            kernel, base, rows = GroupProjector(plan), [*base, _without(rows[0], rest)], [rest]
    sets = [ConvexSet(kernel, _base_violation(base), "budget, bounds, group limits")]
    for p in rows:
        sets += halfspaces(p.a_ub, p.b_ub, False, p.labels_ub)
        sets += halfspaces(p.a_eq, p.b_eq, True, p.labels_eq)
    return DykstraProjector(sets)


def _without(part: LinearConstraints, rest: LinearConstraints) -> LinearConstraints:
    """The rows of ``part`` not in ``rest`` (for the base set's violation)."""
    ub = [lab not in rest.labels_ub for lab in part.labels_ub]
    eq = [lab not in rest.labels_eq for lab in part.labels_eq]
    return LinearConstraints(
        part.a_ub[ub],
        part.b_ub[ub],
        part.a_eq[eq],
        part.b_eq[eq],
        tuple(np.array(part.labels_ub, dtype=object)[ub]),
        tuple(np.array(part.labels_eq, dtype=object)[eq]),
    )


_BASE = {Budget, Bounds, Leverage}


def _classic(bounds: Bounds, leverage: Leverage | None) -> bool:
    """Uniform bounds, budget 1, and a gross cap alone (the kernels of :mod:`.kernels`)."""
    uniform = bounds.uniform
    caps = leverage is None or (leverage.max_short is None and leverage.max_long is None)
    return uniform and bounds.budget == 1.0 and caps


def _mandate_projector(bounds: Bounds, leverage: Leverage | None) -> Projector:
    """The exact kernel of per-asset bounds, any budget and exposure caps."""
    budget = Budget(bounds.budget).ends
    cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def project(v: torch.Tensor) -> torch.Tensor:
        n = int(v.shape[-1])
        if n not in cache:
            cache[n] = tuple(torch.from_numpy(a) for a in bounds.vectors(n))  # type: ignore[assignment]
        lo, hi = cache[n]
        cap = None if leverage is None else float(leverage.cap)
        return project_box_budget(v, lo, hi, budget, cap)

    return project


def _base_violation(base: Sequence[ConstraintPart]):  # noqa: ANN202
    """The largest violation (K,) of the base parts."""

    def violation(x: torch.Tensor) -> torch.Tensor:
        return torch.stack([p.violation(x) for p in base]).amax(0)

    return violation


def projector_for(parts: Sequence[ConstraintPart]) -> Projector:
    """The projection for ``parts``: the exact kernel when one exists, else the general one."""
    exact = exact_projector(parts)
    return exact if exact is not None else general_projector(parts)
