"""The certificate of a risk-budgeting solve over a cone: a proven lower bound on ``F*``.

``F(y) = rho(y) - b.log y`` (``sum b = 1``) over the cone ``G y <= 0, E y = 0`` has
``rho(y*) = 1`` at its minimum (homogeneity: ``F(s y)`` is least at ``s rho(y) = 1``), so
adding ``rho(y) <= 1`` changes nothing, and the tangent of the convex ``-b.log`` at any
``y_bar`` gives

    F* >= -b.log y_bar + 1 + min { rho(y) - (b / y_bar).y : y >= 0 in the cone, rho(y) <= 1 },

one HiGHS LP over the measure's epigraph (tight at ``y_bar = y*``, where the minimum is 0).

With a root term (volatility) the bound is the Lagrangian dual: for ``g = grad rho(y_bar)``
(in ``{g : g.v <= rho(v)}``), ``nu >= 0`` and any ``eta``, with ``c = g + G'nu + E'eta > 0``,

    F* >= sum_i b_i (1 - log b_i) + sum_i b_i log c_i.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..measures.kernels.budget_lp import BudgetEpigraph
from .budget_barrier import BarrierSolution

__all__ = ["dual_bound", "lower_bound"]


def lower_bound(
    form: BudgetEpigraph,
    g: np.ndarray,
    e: np.ndarray,
    b: np.ndarray,
    solution: BarrierSolution,
) -> float:
    """A proven lower bound on ``F*`` in the form's units (``rho / form.scale``); ``-inf``
    when the LP fails or the dual point is not positive."""
    if form.gram is not None:
        return _dual_bound(form, g, e, b, solution)
    return _tangent_bound(form, g, e, b, solution.y)


def _tangent_bound(
    form: BudgetEpigraph, g: np.ndarray, e: np.ndarray, b: np.ndarray, y_bar: np.ndarray
) -> float:
    """The LP bound of the module docstring at ``y_bar``."""
    n, n_v = form.a_y.shape[1], form.cost.size
    k, q = g.shape[0], e.shape[0]
    a_ub = sp.vstack(
        [
            sp.hstack([sp.csr_matrix(form.a_y), form.a_v]),
            sp.hstack([sp.csr_matrix(g), sp.csr_matrix((k, n_v))]),
            sp.hstack([sp.csr_matrix((1, n)), sp.csr_matrix(form.cost[None, :])]),
        ],
        format="csr",
    )
    b_ub = np.concatenate([np.zeros(form.a_y.shape[0] + k), [1.0]])
    a_eq = sp.hstack([sp.csr_matrix(e), sp.csr_matrix((q, n_v))], format="csr") if q else None
    bounds = [(0.0, None)] * n + [(0.0 if p else None, None) for p in form.nonneg]
    cost = np.concatenate([-b / y_bar, form.cost])
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=np.zeros(q) if q else None,
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        return -math.inf
    return -float(b @ np.log(y_bar)) + 1.0 + float(res.fun)


def _dual_bound(
    form: BudgetEpigraph, g: np.ndarray, e: np.ndarray, b: np.ndarray, solution: BarrierSolution
) -> float:
    """The Lagrangian bound of the module docstring with the root's gradient."""
    y = solution.y
    assert form.gram is not None
    qy = form.gram @ y
    return dual_bound(qy / math.sqrt(float(y @ qy)), g, e, b, y, solution.cone_multipliers)


def dual_bound(
    gradient: np.ndarray,
    g: np.ndarray,
    e: np.ndarray,
    b: np.ndarray,
    y: np.ndarray,
    multipliers: np.ndarray,
) -> float:
    """``sum b (1 - log b) + sum b log c``, ``c = gradient + G'nu + E'eta``; ``-inf`` unless
    ``c > 0``. ``gradient`` (N,) must lie in the measure's dual set.

    ``nu >= 0`` and ``eta`` are fitted by least squares to ``c = b / y`` (the optimum's
    stationarity), ``nu`` clipped at 0; where that leaves ``c`` not positive, the barrier's
    ``multipliers`` (K,) serve as ``nu`` (their relative error is the Newton decrement's
    square root, large on a nearly binding row, hence the fit)."""
    rows = np.vstack([g, e])
    if rows.shape[0]:
        fit = np.linalg.lstsq(rows.T, b / y - gradient, rcond=None)[0]
        nu = np.maximum(fit[: g.shape[0]], 0.0)
        c = gradient + g.T @ nu + e.T @ fit[g.shape[0] :]
        if np.all(c > 0):
            return float(b @ (1.0 - np.log(b)) + b @ np.log(c))
    c = gradient + g.T @ np.maximum(multipliers, 0.0)
    if e.shape[0]:
        eta = np.linalg.lstsq(e.T, b / y - c, rcond=None)[0]
        c = c + e.T @ eta
    if not np.all(c > 0):
        return -math.inf
    return float(b @ (1.0 - np.log(b)) + b @ np.log(c))
