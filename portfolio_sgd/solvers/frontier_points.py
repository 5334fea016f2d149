"""The points of a frontier at given parameters: a batched SGD run, or exact QPs along the path.

:func:`sgd_points` runs the K parameters as one batched engine run (the design for large
data and non-quadratic measures). :func:`exact_points` solves them as exact QPs on the
N x N moment matrix (:func:`~portfolio_sgd.measures.kernels.qp_finish.solve_qp_path`),
in order of the parameter, each warm-started at the previous point's answer and active
set: where the objective has a quadratic model (mean-variance), the frontier is piecewise
linear in ``1 / lam`` (the critical lines), so neighbouring points share most of their
active set and a point costs a few active-set iterations. Each point's ``converged`` is
its KKT verification.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..constraints import Constraints
from ..measures.kernels.qp_finish import (
    covariance_of,
    single_blas_thread,
    solve_qp_path,
    working_pattern,
)
from ..objectives.base import PortfolioObjective
from .base import Task
from .batch import solve_batch

__all__ = [
    "FrontierPoints",
    "QuadraticPath",
    "certified_gaps",
    "even_points",
    "exact_points",
    "quadratic_path",
    "sgd_points",
]


@dataclass(frozen=True)
class FrontierPoints:
    """K points at their parameters.

    Attributes
    ----------
    weights : ndarray, shape (K, N)
    parameters : ndarray, shape (K,)
    converged : ndarray of bool, shape (K,)
    seconds : float
    """

    weights: np.ndarray
    parameters: np.ndarray
    converged: np.ndarray
    seconds: float


@dataclass(frozen=True)
class QuadraticPath:
    """What the exact points need, formed once: the model, moments and polytope."""

    task: Task
    sigma: np.ndarray
    mu: np.ndarray
    feasible: object
    bound: Constraints
    """The task's constraints bound to its tickers (the projection of the answers)."""


def sgd_points(task: Task, parameters: np.ndarray) -> FrontierPoints:
    """One batched engine run at ``parameters`` (K,)."""
    batch = solve_batch(task.prepared, task.config, risk_aversions=list(parameters))
    return FrontierPoints(
        weights=batch.weights.to_numpy(dtype=np.float64),
        parameters=batch.runs["risk_aversion"].to_numpy(dtype=np.float64),
        converged=batch.runs["converged"].to_numpy(dtype=bool),
        seconds=float(batch.wall_time),
    )


def quadratic_path(task: Task, returns: np.ndarray) -> QuadraticPath | None:
    """The exact path's data, or None where it does not apply (no quadratic model, the
    finish switched off, or a set with no QP form in the weights: leverage cap, trading
    terms)."""
    impl = task.spec.impl
    if not (impl.has_exact_finish and hasattr(impl, "quadratic_model")):
        return None
    if not task.config.cvar_polish or task.constraints.is_combinatorial:
        return None
    bound = task.constraints.bind([str(c) for c in task.returns.columns])
    feasible = bound.linear_oracle(returns.shape[1])
    if not impl.finish_applies(feasible):
        return None
    if working_pattern(feasible, np.zeros(returns.shape[1])) is None:
        return None  # trading terms: the SGD path (its finish is the QP per point)
    sigma, mu = covariance_of(returns)
    return QuadraticPath(task, sigma, mu, feasible, bound)


def exact_points(
    path: QuadraticPath, parameters: np.ndarray, impl: PortfolioObjective | None = None
) -> FrontierPoints:
    """Exact QPs at ``parameters`` (K,), solved from the largest to the smallest (from
    the minimum-risk end outwards), each warm-started at the previous answer; the
    quadratic model of ``impl`` (default: the path's objective)."""
    began = time.perf_counter()
    params = np.asarray(parameters, dtype=np.float64)
    order = np.argsort(-params, kind="stable")
    model = (impl or path.task.spec.impl).quadratic_model
    problems = (model(path.sigma, path.mu, float(params[k])) for k in order)
    n = path.mu.shape[0]
    solved = solve_qp_path(problems, path.feasible, np.full(n, 1.0 / n))
    assert solved is not None  # quadratic_path checked the set
    w_sorted, rows = solved
    w = np.empty_like(w_sorted)
    w[order] = w_sorted
    exact = np.empty(len(params), dtype=bool)
    exact[order] = [bool(r.exact) for r in rows]
    projected = path.bound.project(torch.from_numpy(w))  # rounding, ~1e-16
    return FrontierPoints(
        weights=projected.numpy(),
        parameters=params,
        converged=exact,
        seconds=time.perf_counter() - began,
    )


CERTIFIED_GAP = 1e-8
"""Largest relative Frank-Wolfe gap of an exact frontier point (its certificate)."""
MAX_REFINE = 40
"""QP solves at most, per target risk, that split a bracket crossing a breakpoint."""


@dataclass
class _Line:
    """The solved points of a path in ``t = 1 / lam`` order: ``t`` (M,), weights (M, N),
    variances ``w' Sigma w`` (M,) and working sets."""

    t: list[float]
    w: list[np.ndarray]
    var: list[float]
    pattern: list[bytes | None]

    def add(self, path: QuadraticPath, t: float, w: np.ndarray) -> None:
        """Insert the point ``(t, w)`` in ``t`` order."""
        k = int(np.searchsorted(np.asarray(self.t), t))
        self.t.insert(k, t)
        self.w.insert(k, w)
        self.var.insert(k, float(w @ path.sigma @ w))
        self.pattern.insert(k, working_pattern(path.feasible, w))


def even_points(
    path: QuadraticPath, low: np.ndarray, lams: np.ndarray, targets: np.ndarray
) -> FrontierPoints:
    """Exact points at target variances ``targets`` (K,) along the critical lines.

    The path's optimum at ``t = 1 / lam`` is piecewise affine in ``t`` (for a model
    ``H = lam Sigma``, ``g`` fixed): between two solved points with the same working set
    every optimum is their interpolation, and its variance is a quadratic in the
    interpolation weight, solved for the target. A bracket whose ends differ in their
    working set is split by one warm-started QP at the secant ``t``. ``low`` (N,) is the
    minimum-variance point (``t = 0``); ``lams`` (M,) the starting grid, whose smallest
    value reaches the target's top. Each point is certified by its Frank-Wolfe gap.
    """
    began = time.perf_counter()
    line = _Line([], [], [], [])
    out_w, out_t = [], []
    with single_blas_thread():
        grid = exact_points(path, lams)
        line.add(path, 0.0, low)
        for lam, w in zip(grid.parameters, grid.weights, strict=True):
            line.add(path, 1.0 / float(lam), w)
        for v in np.asarray(targets, dtype=np.float64):
            t, w = _at_variance(path, line, float(v))
            out_w.append(w)
            out_t.append(t)
    weights = path.bound.project(torch.from_numpy(np.stack(out_w))).numpy()
    params = 1.0 / np.maximum(np.asarray(out_t), 1e-300)
    return FrontierPoints(
        weights=weights,
        parameters=params,
        converged=certified_gaps(path, weights, params) <= CERTIFIED_GAP,
        seconds=time.perf_counter() - began,
    )


def _at_variance(path: QuadraticPath, line: _Line, v: float) -> tuple[float, np.ndarray]:
    """``(t, w)``: the optimum whose variance is ``v`` (the nearest solved point when the
    line does not bracket it)."""
    for _ in range(MAX_REFINE):
        var = np.asarray(line.var)
        i = int(np.searchsorted(var, v, side="right")) - 1
        if i < 0 or i >= len(var) - 1 or var[i] >= v:
            k = int(np.clip(i, 0, len(var) - 1))
            return line.t[k], line.w[k]
        if line.pattern[i] is not None and line.pattern[i] == line.pattern[i + 1]:
            theta = _line_roots(path.sigma, line.w[i], line.w[i + 1], v, (0.0, 1.0))
            ta, tb = line.t[i], line.t[i + 1]
            return ta + theta * (tb - ta), line.w[i] + theta * (line.w[i + 1] - line.w[i])
        solved = _solve_at(path, _split(path, line, i, v), line.w[i])
        if solved is None:
            break
        line.add(path, *solved)
    k = int(np.argmin(np.abs(np.asarray(line.var) - v)))
    return line.t[k], line.w[k]


def _split(path: QuadraticPath, line: _Line, i: int, v: float) -> float:
    """The ``t`` at which to solve inside the bracket ``(t_i, t_i+1)`` whose ends lie on
    different critical lines: the target's ``t`` on the line through ``i`` (or through
    ``i + 1``), extended, where a neighbour shares its working set (then one solve lands
    on the target when that line reaches it); else the secant in variance."""
    ta, tb = line.t[i], line.t[i + 1]
    for a, b in ((i - 1, i), (i + 2, i + 1)):
        if 0 <= a < len(line.t) and line.pattern[a] is not None:
            if line.pattern[a] == line.pattern[b] and line.t[a] != line.t[b]:
                theta = _line_roots(path.sigma, line.w[a], line.w[b], v, (-np.inf, np.inf))
                t = line.t[a] + theta * (line.t[b] - line.t[a])
                if ta + 1e-12 * tb < t < tb - 1e-12 * tb:
                    return t
    va, vb = line.var[i], line.var[i + 1]
    t = ta + (v - va) / (vb - va) * (tb - ta)
    if not ta + 1e-9 * (tb - ta) < t < tb - 1e-9 * (tb - ta):
        t = 0.5 * (ta + tb)
    return t


def _line_roots(
    sigma: np.ndarray, wa: np.ndarray, wb: np.ndarray, v: float, span: tuple[float, float]
) -> float:
    """``theta`` in ``span`` with ``(wa + theta d)' Sigma (wa + theta d) = v``, ``d = wb -
    wa`` (the root nearest the span's middle, clipped to it; ``nan`` where there is none
    and the span is open)."""
    d = wb - wa
    a = float(wa @ sigma @ wa) - v
    b = float(wa @ sigma @ d)
    c = float(d @ sigma @ d)
    disc = b * b - c * a
    if c <= 0.0 or disc < 0.0:
        roots = [-a / (2.0 * b)] if b != 0.0 else []
    else:
        roots = [(-b + np.sqrt(disc)) / c, (-b - np.sqrt(disc)) / c]
    inside = [r for r in roots if span[0] <= r <= span[1]]
    if inside:
        return float(max(inside) if b >= 0 else min(inside))
    if np.isfinite(span[0]) and np.isfinite(span[1]):
        return float(np.clip(roots[0] if roots else 0.0, *span))
    return float("nan")


def _solve_at(path: QuadraticPath, t: float, warm: np.ndarray) -> tuple[float, np.ndarray] | None:
    """``(t, w)``: the verified optimum at ``lam = 1 / t``, warm-started at ``warm``
    (N,), or None."""
    h, g = path.task.spec.impl.quadratic_model(path.sigma, path.mu, 1.0 / t)
    solved = solve_qp_path([(h, g)], path.feasible, warm, warm=warm)
    if solved is None or not solved[1][0].exact:
        return None
    return t, solved[0][0]


def certified_gaps(path: QuadraticPath, weights: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Relative Frank-Wolfe gaps (K,) of ``weights`` (K, N) at ``params`` (K,).

    ``grad f(w).(w - s)`` with ``s`` the set's minimiser of the gradient bounds
    ``f(w) - f*`` (convexity); it is divided by ``max(|f|, |g.w|, w'Hw / 2)``.
    """
    model = path.task.spec.impl.quadratic_model
    grads = np.empty_like(weights)
    scales = np.empty(len(params))
    for k, lam in enumerate(params):
        h, g = model(path.sigma, path.mu, float(lam))
        w = weights[k]
        hw = h @ w
        grads[k] = hw + g
        quad, lin = 0.5 * float(w @ hw), float(g @ w)
        scales[k] = max(abs(quad + lin), abs(lin), quad, 1e-300)
    s = path.feasible.minimize(torch.from_numpy(grads)).numpy()
    gaps = np.maximum(np.einsum("kn,kn->k", grads, weights - s), 0.0)
    return gaps / scales
