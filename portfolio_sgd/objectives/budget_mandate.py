"""Risk budgeting under weight constraints (or over a path-dependent measure): the barrier
solve of :mod:`.budget_barrier` with its certificate (:mod:`.budget_bound`), as a
:class:`~.budget_solve.BudgetSolution`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..measures.kernels.budget_lp import BudgetEpigraph
from ..measures.kernels.qp_finish import single_blas_thread
from .budget_barrier import solve_barrier
from .budget_bound import lower_bound
from .budget_solve import BudgetSolution

__all__ = ["solve_mandate"]


def solve_mandate(
    form: BudgetEpigraph,
    rho: Callable[[np.ndarray], float],
    g: np.ndarray,
    e: np.ndarray,
    budgets: np.ndarray,
) -> BudgetSolution:
    """``min rho(y) - b.log y`` s.t. ``G y <= 0``, ``E y = 0``, certified.

    Parameters
    ----------
    form : BudgetEpigraph
        The measure's epigraph on the returns.
    rho : callable
        The measure's exact value of ``y`` (N,) in data units.
    g, e : ndarray, shapes (K, N) and (Q, N)
        The cone's rows (:func:`.budget_cone.cone_rows`).
    budgets : ndarray, shape (N,)
        ``b > 0`` summing to 1.

    Returns
    -------
    BudgetSolution
        ``y`` rescaled to data units (``rho(y) = 1`` at the optimum), ``F(y)`` with the
        exact measure and its proven lower bound, and the contributions ``y_i g_i / g.y``
        of the barrier's subgradient ``g`` (in data units).
    """
    with single_blas_thread():  # many small dense solves: BLAS threads only spin
        solution = solve_barrier(form, g, e, budgets)
    y = solution.y / form.scale
    value = rho(y) - float(budgets @ np.log(y))
    lower = lower_bound(form, g, e, budgets, solution) + float(np.log(form.scale))
    if form.gram is not None:
        gradient = form.gram @ solution.y / np.sqrt(float(solution.y @ form.gram @ solution.y))
    else:
        gradient = -(form.a_y.T @ solution.measure_multipliers)
    gradient = gradient * form.scale
    contributions = y * gradient / float(gradient @ y)
    return BudgetSolution(y, gradient, value, lower, contributions, None)
