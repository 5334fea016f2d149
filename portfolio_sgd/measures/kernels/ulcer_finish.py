"""The exact finish of the Ulcer index over the feasible polytope (an SOCP, Clarabel) and
its certificate (an LP).

``Ulcer(w) = |D(w)|_2 / sqrt(T)`` with ``D`` the drawdowns, which are the least point of
the peaks polyhedron ``{u >= C w, u >= 0, u_t >= u_{t-1}}`` minus ``C w``. So

    Ulcer(w) = max_{q >= 0, |q| <= 1} q.D(w) / sqrt(T),

and for any such ``q`` the weighted average drawdown ``q.D(w) / sqrt(T)`` is a convex LP
minorant; at ``q = D(w*) / |D(w*)|`` its minimum over ``C`` is the optimum (a saddle
point of the convex-concave form). The bound is that LP's Lagrangian minorant
(:func:`.tail_lp.minorant_bound`); the finish solves the SOCP
``min t + c.w s.t. |u - C w| <= sqrt(T) t`` with Clarabel through cvxpy.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ..drawdown_path import drawdowns
from .tail_form import tail_form
from .tail_lp import l1_radius, minorant_bound, solve_tail_lp

__all__ = ["ulcer_bound", "ulcer_finish"]

FINISH_GAP = 1e-6
"""The finish counts as exact when its certified gap is within this, relative to
``|Ulcer(w)| + |c.w|``."""


def ulcer_bound(r: np.ndarray, w: np.ndarray, c: np.ndarray, feasible: Any) -> tuple[float, float]:
    """``(Ulcer(R w) + c.w, a proven lower bound on its minimum over C)``."""
    dd = drawdowns(r @ w)
    norm = float(np.linalg.norm(dd))
    value = norm / math.sqrt(r.shape[0]) + float(c @ w)
    if norm == 0.0:
        return value, -math.inf
    polytope = feasible.polytope()
    weights = dd / (norm * math.sqrt(r.shape[0]))
    form = tail_form(r, float(r.shape[0]), True, l1_radius(polytope), weights=weights)
    sol = solve_tail_lp(form, polytope, c)
    if sol.status != "exact":
        return value, -math.inf
    return value, minorant_bound(form, sol.multipliers, c, feasible.minimize)


def ulcer_finish(
    r: np.ndarray, w0: np.ndarray, c: np.ndarray, feasible: Any
) -> tuple[np.ndarray, str, float, float]:
    """``(w, status, value, seconds)``: the SOCP by Clarabel, ``"exact"`` when its certified
    gap is within :data:`FINISH_GAP` (else ``w0`` back, with the solver's status)."""
    import cvxpy as cp

    began = time.perf_counter()
    poly = feasible.polytope()
    scale = float(np.abs(np.cumsum(r, axis=0)).max()) or 1.0
    path = np.cumsum(r, axis=0) / scale
    x, u, t = cp.Variable(poly.n_x), cp.Variable(r.shape[0]), cp.Variable()
    w = poly.lift @ x
    rows = [u >= path @ w, u >= 0, u[1:] >= u[:-1], poly.a_eq @ x == poly.b_eq]
    rows += [cp.SOC(math.sqrt(r.shape[0]) * t, u - path @ w)]
    if poly.a_ub.shape[0]:
        rows.append(poly.a_ub @ x <= poly.b_ub)
    low, high = np.isfinite(poly.lower), np.isfinite(poly.upper)
    rows += [x[low] >= poly.lower[low], x[high] <= poly.upper[high]]
    problem = cp.Problem(cp.Minimize(t + (c / scale) @ w), rows)
    problem.solve(solver="CLARABEL")
    if x.value is None:
        return w0, f"failed (Clarabel: {problem.status})", math.nan, time.perf_counter() - began
    w_star = poly.lift @ x.value
    value, lower = ulcer_bound(r, w_star, c, feasible)
    exact = value - lower <= FINISH_GAP * (abs(value) + abs(float(c @ w_star)))
    status = "exact" if exact else f"inexact (Clarabel: {problem.status})"
    return w_star, status, value, time.perf_counter() - began
