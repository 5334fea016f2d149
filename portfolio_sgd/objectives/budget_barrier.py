"""Risk budgeting over a polyhedral cone: ``min rho(y) - b.log y`` by a barrier method.

skfolio's ``RiskBudgeting`` minimises ``rho(w)`` subject to ``b.log w >= 0`` and its weight
constraints scaled by a free factor ``s`` (``lo s <= w <= hi s``, ``A w <= c s``,
``1.w = s``), then reports ``w / s``. For a positively homogeneous ``rho`` that is the
direction of

    y* = argmin  rho(y) - sum_i b_i log y_i   s.t.  G y <= 0,  E y = 0,

the weight constraints made homogeneous (:mod:`.budget_cone`), since both have the same
optimality conditions up to the scale of ``y``. ``rho`` is given by its epigraph
(:class:`~portfolio_sgd.measures.kernels.budget_lp.BudgetEpigraph`): variables
``x = (y, v)``, objective ``cost.v + sqrt(y' Q y) - b.log y``, rows ``a_y y + a_v v <= 0``,
``v_j >= 0``, ``G y <= 0``.

The answer is the barrier's central point, the minimiser of ``t f(x) - sum log(slack)``,
at the first ``t`` of ``1, 30, 900, ...`` whose central-path gap ``m / t`` is below
:data:`PATH_GAP`. From a strictly interior point found by two HiGHS LPs, a primal-dual
path (:mod:`.budget_primal_dual`) brings the point near that centre and damped Newton
centres it there; where the primal-dual path fails, the barrier's own centrings at
``t = 1, 30, 900, ...`` (:func:`barrier_path`) reach it instead. Each Newton system is
reduced to the weights by a Schur complement over ``v`` (:mod:`.budget_newton`), then
solved densely with the equality rows. The answer is certified separately
(:mod:`.budget_bound`); nothing depends on a stochastic run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..errors import ConfigError
from ..measures.kernels.budget_lp import BudgetEpigraph
from .budget_barrier_function import BarrierFunction
from .budget_primal_dual import primal_dual_path

__all__ = ["BarrierSolution", "barrier_path", "interior_start", "solve_barrier"]

PATH_GAP = 1e-9
"""The barrier stops when ``m / t`` (the central path's duality gap) is below this."""

GROWTH = 30.0
"""The factor ``t`` grows by between centrings."""

STILL = 1e-13
"""A centring ends when a step moves the weights by at most this (relative to max y)."""

USE_PRIMAL_DUAL = True
"""Approach the last centre by the primal-dual path (else by the barrier's centrings)."""

MAX_NEWTON = 50
"""Newton steps per centring at most; a centring that needs them all ends the path."""


@dataclass(frozen=True)
class BarrierSolution:
    """The barrier's last central point.

    Attributes
    ----------
    y : ndarray, shape (N,)
    v : ndarray, shape (V,)
    measure_multipliers : ndarray, shape (M,)
        The measure rows' multipliers ``lam`` (a subgradient ``g = -a_y' lam``; see
        :func:`_solution`).
    cone_multipliers : ndarray, shape (K,)
        Those of the cone rows ``G y <= 0``.
    newton_steps : int
    """

    y: np.ndarray
    v: np.ndarray
    measure_multipliers: np.ndarray
    cone_multipliers: np.ndarray
    newton_steps: int


def _max_step(current: np.ndarray, change: np.ndarray) -> float:
    """The largest step keeping ``current + step * change > 0``, at most 1 (times 0.99)."""
    falling = change < 0
    if not np.any(falling):
        return 1.0
    return min(1.0, 0.99 * float(np.min(-current[falling] / change[falling])))


def _centre(bar: Any, y: np.ndarray, v: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """Newton on the barrier at ``t`` from ``(y, v)`` until the Newton decrement's half
    square is below 1e-6, or the weights move by at most :data:`STILL` (relative; the
    decrement then stays at the rounding floor of the gradient): ``(y, v, steps)``. The step is the longest inside the slacks
    (times 0.99, at most 1) halved until the barrier still falls at its end (a derivative
    test: at large ``t`` the barrier's values lose their digits)."""
    steps = 0
    for steps in range(1, MAX_NEWTON):
        dy, dv, decrement = bar.newton(y, v, t)
        if decrement / 2 <= 1e-6:
            break
        now = np.concatenate([y, *bar.slacks(y, v)])
        step = _max_step(now, np.concatenate([dy, *bar.slacks(dy, dv)]))
        while bar.slope(y + step * dy, v + step * dv, t, dy, dv) > 0:
            step *= 0.5
            if step < 1e-12:
                return y, v, steps
        y, v = y + step * dy, v + step * dv
        if step * float(np.abs(dy).max()) <= STILL * float(np.abs(y).max()):
            break
    return y, v, steps


def solve_barrier(
    form: BudgetEpigraph, g: np.ndarray, e: np.ndarray, budgets: np.ndarray
) -> BarrierSolution:
    """Solve ``min rho(y) - b.log y`` s.t. ``G y <= 0``, ``E y = 0`` (module docstring).

    Parameters
    ----------
    form : BudgetEpigraph
    g : ndarray, shape (K, N)
    e : ndarray, shape (Q, N)
    budgets : ndarray, shape (N,)
        ``b > 0``, summing to 1.
    """
    bar = BarrierFunction(form, g, e, budgets)
    y, v = interior_start(bar)
    path = None
    if USE_PRIMAL_DUAL and bar.m > 0:  # without rows, one centring at t = 1 is the answer
        t_final = GROWTH ** math.ceil(math.log(bar.m / PATH_GAP) / math.log(GROWTH))
        path = primal_dual_path(bar, y, v, t_final)
    if path is not None:
        y, v, total = path
        y, v, steps = _centre(bar, y, v, t_final)
        return _solution(bar, y, v, t_final, total + steps)
    y, v, t, total = barrier_path(bar, y, v)
    return _solution(bar, y, v, t, total)


def barrier_path(
    bar: Any, y: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Centrings at ``t = 1, 30, 900, ...`` until ``m / t <= PATH_GAP``: ``(y, v, t, steps)``.

    ``bar`` has ``m`` and the methods ``newton``, ``slacks``, ``slope`` of
    :class:`.budget_barrier_function.BarrierFunction`."""
    t, total = 1.0, 0
    while True:
        y, v, steps = _centre(bar, y, v, t)
        total += steps
        if bar.m / t <= PATH_GAP or steps >= MAX_NEWTON - 1:
            break  # the gap is reached, or Newton stalls at the floor of float64
        t *= GROWTH
    return y, v, t, total


def _solution(
    bar: BarrierFunction, y: np.ndarray, v: np.ndarray, t: float, steps: int
) -> BarrierSolution:
    """The :class:`BarrierSolution` of the central point ``(y, v)`` at ``t``.

    The multipliers are the Newton step's: ``(1 - ds / s) / (t s)`` with ``ds`` the
    slacks' change along the Newton direction at ``(y, v)``; they zero the linearised
    stationarity, and their error is second order in the Newton decrement (that of
    ``1 / (t s)`` is first order: large on nearly binding rows at the rounding floor)."""
    s1, _, s3 = bar.slacks(y, v)
    dy, dv, _ = bar.newton(y, v, t)
    d1, _, d3 = bar.slacks(dy, dv)
    return BarrierSolution(y, v, (1 - d1 / s1) / (t * s1), (1 - d3 / s3) / (t * s3), steps)


def interior_start(bar: Any) -> tuple[np.ndarray, np.ndarray]:
    """A strictly interior ``(y, v)``: the weights' LP ``max tau`` s.t. ``G y + tau <= 0``,
    ``y >= tau``, ``E y = 0``, ``1.y = 1``, then the measure's ``v`` likewise at that ``y``."""
    n = bar.n
    rows = np.vstack(
        [np.hstack([bar.g, np.ones((bar.g.shape[0], 1))]), np.hstack([-np.eye(n), np.ones((n, 1))])]
    )
    eq = np.vstack([np.hstack([bar.e, np.zeros((bar.e.shape[0], 1))]), np.append(np.ones(n), 0.0)])
    b_eq = np.append(np.zeros(bar.e.shape[0]), 1.0)
    cost = np.append(np.zeros(n), -1.0)
    res = linprog(
        cost,
        A_ub=rows,
        b_ub=np.zeros(len(rows)),
        A_eq=eq,
        b_eq=b_eq,
        bounds=[(0, 1)] * n + [(0, 1)],
        method="highs",
    )
    if res.status != 0 or -res.fun <= 1e-9:
        raise ConfigError(
            "risk budgeting: the weight constraints leave no strictly positive portfolio "
            "strictly inside them (fix equal bounds as equalities, or loosen them)"
        )
    y = res.x[:n]
    return y, _interior_v(bar, y)


def _interior_v(bar: Any, y: np.ndarray) -> np.ndarray:
    """``v`` strictly inside the measure's rows at ``y``: ``max tau`` s.t.
    ``a_v v + tau <= -a_y y``, ``v_j >= tau`` (nonneg), ``tau <= 1``."""
    n_v = bar.a_v.shape[1]
    if n_v == 0:
        return np.zeros(0)
    m = bar.a_v.shape[0]
    pick = sp.csr_matrix(
        (np.full(bar.pos.size, -1.0), (np.arange(bar.pos.size), bar.pos)), shape=(bar.pos.size, n_v)
    )
    rows = sp.vstack(
        [sp.hstack([bar.a_v, np.ones((m, 1))]), sp.hstack([pick, np.ones((bar.pos.size, 1))])],
        format="csr",
    )
    rhs = np.concatenate([-(bar.form.a_y @ y), np.zeros(bar.pos.size)])
    cost = np.append(np.zeros(n_v), -1.0)
    res = linprog(
        cost, A_ub=rows, b_ub=rhs, bounds=[(None, None)] * n_v + [(None, 1.0)], method="highs"
    )
    if res.status != 0 or -res.fun <= 0:
        raise ConfigError("risk budgeting: the measure's epigraph has no interior point")
    return res.x[:n_v]
