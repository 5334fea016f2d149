"""Risk budgeting by a smooth measure (EVaR) under weight constraints: ``min rho(y) - b.log y``
over the cone ``G y <= 0, E y = 0`` by a barrier method over the weights alone.

EVaR is ``min_z phi(y, z)`` with ``phi`` jointly convex and smooth for ``z > 0``
(:class:`~portfolio_sgd.measures.kernels.budget_entropic.EntropicBudgetForm`); the barrier
``t (phi(y, z) - b.log y) - sum_k log(-G_k y)`` over ``(y, z)`` is centred by damped Newton for ``t`` growing
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

from ..errors import ConfigError
from ..measures.kernels.budget_entropic import EntropicBudgetForm
from .budget_barrier import barrier_path, interior_start
from .budget_barrier_function import solve_with_equalities
from .budget_bound import dual_bound
from .budget_solve import BudgetSolution

__all__ = ["SmoothBarrier", "solve_smooth_mandate"]

REFUSE_GAP = 1e-6
"""A certified relative gap above this is refused in one line (not returned)."""


class SmoothBarrier:
    """The barrier of the module docstring over ``(y, v = [z])``: EVaR's jointly convex
    ``phi(y, z)`` (:meth:`~portfolio_sgd.measures.kernels.budget_entropic.EntropicBudgetForm.joint`)
    in place of ``rho(y) = min_z phi(y, z)``."""

    def __init__(self, form: EntropicBudgetForm, g: np.ndarray, e: np.ndarray, b: np.ndarray):
        self.form, self.g, self.b = form, g, b
        self.e = e
        self.n = g.shape[1]
        self.m = max(g.shape[0], 1)
        self.a_v = np.zeros((0, 0))
        self.e_joint = np.hstack([e, np.zeros((e.shape[0], 1))])

    def slacks(self, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray]:
        """``(s_cone (K,),)``, ``> 0`` inside."""
        return (-(self.g @ y),)

    def _derivatives(
        self, y: np.ndarray, v: np.ndarray, t: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The barrier's gradient (N + 1,) and Hessian (N + 1, N + 1) at ``t``, and the
        slacks."""
        (s,) = self.slacks(y, v)
        _, grad, hess = self.form.joint(y, float(v[0]))
        grad, hess = t * grad, t * hess
        grad[:-1] += self.g.T @ (1 / s) - t * self.b / y
        hess[:-1, :-1] += (self.g.T * s**-2) @ self.g
        hess[np.diag_indices(self.n)] += t * self.b / y**2
        return grad, hess, s

    def slope(
        self, y: np.ndarray, v: np.ndarray, t: float, dy: np.ndarray, dv: np.ndarray
    ) -> float:
        """The barrier's derivative along ``(dy, dv)`` at ``(y, v)`` (inf outside)."""
        if not (np.all(y > 0) and v[0] > 0 and np.all(self.slacks(y, v)[0] > 0)):
            return np.inf
        return float(self._derivatives(y, v, t)[0] @ np.append(dy, dv))

    def newton(
        self, y: np.ndarray, v: np.ndarray, t: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """The Newton direction ``(dy, dz)`` at ``t`` (``E dy = 0``) and the squared
        Newton decrement."""
        grad, hess, _ = self._derivatives(y, v, t)
        step = solve_with_equalities(hess, -grad, self.e_joint)
        return step[:-1], step[-1:], max(-float(grad @ step), 0.0)


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
    y, _ = interior_start(bar)
    z = form.level(y)
    if not z > 0:
        raise ConfigError("EVaR risk budgeting: EVaR equals the largest loss at the start")
    y, v, t, _ = barrier_path(bar, y, np.array([z]))
    (s,) = bar.slacks(y, v)
    value, grad, _ = form.derivatives(y)
    lower = dual_bound(grad, g, e, budgets, y, 1.0 / (t * s)) + float(np.log(form.scale))
    y_data = y / form.scale
    value = value - float(budgets @ np.log(y)) + float(np.log(form.scale))
    if not value - lower <= REFUSE_GAP * max(abs(value), 1.0):
        raise ConfigError(
            f"EVaR risk budgeting did not converge (certified gap {value - lower:.1e}): the "
            "optimum is near EVaR's largest-loss regime (e.g. more assets than scenarios)"
        )
    contributions = y * grad / float(grad @ y)
    return BudgetSolution(y_data, grad * form.scale, value, lower, contributions, None)
