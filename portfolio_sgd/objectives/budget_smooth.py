"""Risk budgeting by a smooth measure (EVaR) under weight constraints: ``min rho(y) - b.log y``
over the cone ``G y <= 0, E y = 0`` by a barrier method over the weights alone.

The measure gives its value, gradient and Hessian in ``y``
(:class:`~portfolio_sgd.measures.kernels.budget_entropic.EntropicBudgetForm`); the barrier
``t (rho(y) - b.log y) - sum_k log(-G_k y)`` is centred by damped Newton for ``t`` growing
thirtyfold (:func:`.budget_barrier.barrier_path`, the same path as the epigraph measures'),
from a strictly interior point (one HiGHS LP). ``m`` counts at least one row, so that
without constraints ``t`` still grows and the last centring is exact to rounding.

**Certificate.** For ``g = grad rho(y)`` (in the measure's dual set: ``g.v <= rho(v)``),
the barrier's multipliers ``nu = 1 / (t s) >= 0`` of ``G`` and least-squares ``eta`` of
``E``, with ``c = g + G'nu + E'eta > 0``,

    F* >= sum_i b_i (1 - log b_i) + sum_i b_i log c_i,

the Lagrangian bound (:func:`.budget_bound.dual_bound`).
"""

from __future__ import annotations

import numpy as np

from ..measures.kernels.budget_entropic import EntropicBudgetForm
from .budget_barrier import barrier_path, interior_start
from .budget_barrier_function import solve_with_equalities
from .budget_bound import dual_bound
from .budget_solve import BudgetSolution

__all__ = ["SmoothBarrier", "solve_smooth_mandate"]


class SmoothBarrier:
    """The barrier of the module docstring (no epigraph variables: ``v`` is empty)."""

    def __init__(self, form: EntropicBudgetForm, g: np.ndarray, e: np.ndarray, b: np.ndarray):
        self.form, self.g, self.e, self.b = form, g, e, b
        self.n = g.shape[1]
        self.m = max(g.shape[0], 1)
        self.a_v = np.zeros((0, 0))

    def slacks(self, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray]:
        """``(s_cone (K,),)``, ``> 0`` inside."""
        return (-(self.g @ y),)

    def gradient(self, y: np.ndarray, t: float) -> np.ndarray:
        """The barrier's gradient (N,) at ``t``."""
        (s,) = self.slacks(y, y)
        return t * (self.form.derivatives(y)[1] - self.b / y) + self.g.T @ (1 / s)

    def slope(
        self, y: np.ndarray, v: np.ndarray, t: float, dy: np.ndarray, dv: np.ndarray
    ) -> float:
        """The barrier's derivative along ``dy`` at ``y`` (inf outside)."""
        if not (np.all(y > 0) and np.all(self.slacks(y, v)[0] > 0)):
            return np.inf
        return float(self.gradient(y, t) @ dy)

    def newton(
        self, y: np.ndarray, v: np.ndarray, t: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """The Newton direction ``(dy, empty)`` at ``t`` (``E dy = 0``) and the squared
        Newton decrement."""
        (s,) = self.slacks(y, v)
        _, grad, hess = self.form.derivatives(y)
        gy = t * (grad - self.b / y) + self.g.T @ (1 / s)
        h = t * hess + (self.g.T * s**-2) @ self.g
        h[np.diag_indices(self.n)] += t * self.b / y**2
        dy = solve_with_equalities(h, -gy, self.e)
        return dy, np.zeros(0), max(-float(gy @ dy), 0.0)


def solve_smooth_mandate(
    form: EntropicBudgetForm, g: np.ndarray, e: np.ndarray, budgets: np.ndarray
) -> BudgetSolution:
    """``min rho(y) - b.log y`` s.t. ``G y <= 0``, ``E y = 0``, certified.

    Parameters
    ----------
    form : EntropicBudgetForm
    g, e : ndarray, shapes (K, N) and (Q, N)
        The cone's rows (:func:`.budget_cone.cone_rows`).
    budgets : ndarray, shape (N,)
        ``b > 0`` summing to 1.

    Returns
    -------
    BudgetSolution
        ``y`` in data units (``rho(y) = 1`` at the optimum), ``F(y)``, its proven lower
        bound, and the contributions ``y_i g_i / g.y`` by ``g = grad rho(y)``.
    """
    bar = SmoothBarrier(form, g, e, budgets)
    y, v = interior_start(bar)
    y, _, t, _ = barrier_path(bar, y, v)
    (s,) = bar.slacks(y, v)
    value, grad, _ = form.derivatives(y)
    lower = dual_bound(grad, g, e, budgets, y, 1.0 / (t * s)) + float(np.log(form.scale))
    y_data = y / form.scale
    value = value - float(budgets @ np.log(y)) + float(np.log(form.scale))
    contributions = y * grad / float(grad @ y)
    return BudgetSolution(y_data, grad * form.scale, value, lower, contributions, None)
