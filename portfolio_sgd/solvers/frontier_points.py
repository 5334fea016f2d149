"""The points of a frontier at given parameters: a batched SGD run, or exact QPs along the path.

:func:`sgd_points` runs the K parameters as one batched engine run (the design for large
data and non-quadratic measures). :func:`exact_points` solves them as exact QPs on the
N x N moment matrix (:func:`~portfolio_sgd.measures.kernels.qp_finish.solve_qp_path`),
in order of the parameter, each warm-started at the previous point's answer and active
set: where the objective has a quadratic model (mean-variance), the frontier is piecewise
linear in ``1 / lam`` (the critical lines), so neighbouring points share most of their
active set and a point costs a few active-set iterations. Each point's ``converged`` is
its KKT verification. :func:`lp_points` solves the points of an LP measure's frontier
(CVaR, CDaR, the drawdowns, ...) as capped whole-data LPs, one a target risk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..constraints import Constraints
from ..limits.exact import capped_lp, within_cap
from ..measures.base import RiskMeasure
from ..measures.kernels.qp_finish import (
    covariance_of,
    single_blas_thread,
    solve_qp_path,
    working_pattern,
)
from ..measures.kernels.qp_line import CriticalLine, frank_wolfe_gaps
from ..measures.kernels.tail_cap_model import CapModel
from ..objectives.base import PortfolioObjective
from .base import Task
from .batch import solve_batch

__all__ = [
    "FrontierPoints",
    "QuadraticPath",
    "even_points",
    "exact_points",
    "lp_points",
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
    steps : int
        SGD steps of the run (0: exact solves only).
    """

    weights: np.ndarray
    parameters: np.ndarray
    converged: np.ndarray
    seconds: float
    steps: int = 0


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
        steps=int(batch.runs["steps"].sum()) if "steps" in batch.runs else 0,
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
    impl = path.task.spec.impl
    line = CriticalLine(impl.quadratic_model, path.sigma, path.mu, path.feasible)
    out_w, out_t = [], []
    with single_blas_thread():
        grid = exact_points(path, lams)
        line.add(0.0, low)
        for lam, w in zip(grid.parameters, grid.weights, strict=True):
            line.add(1.0 / float(lam), w)
        for v in np.asarray(targets, dtype=np.float64):
            t, w = line.at_variance(float(v))
            out_w.append(w)
            out_t.append(t)
    weights = path.bound.project(torch.from_numpy(np.stack(out_w))).numpy()
    params = 1.0 / np.maximum(np.asarray(out_t), 1e-300)
    gaps, scales = frank_wolfe_gaps(
        impl.quadratic_model, path.sigma, path.mu, path.feasible, weights, params
    )
    return FrontierPoints(
        weights=weights,
        parameters=params,
        converged=gaps / scales <= CERTIFIED_GAP,
        seconds=time.perf_counter() - began,
    )


def lp_points(
    measure: RiskMeasure,
    r: np.ndarray,
    feasible: object,
    alpha: float,
    start: np.ndarray,
    caps: np.ndarray,
) -> FrontierPoints | None:
    """The maximum return within each daily cap (K,) of ``measure``: one capped
    whole-data LP a point (:func:`_capped_solver`), from ``start`` (N,), on returns ``r``
    (T, N) over the polytope ``feasible``.

    Each cap is met by the answer in float64 (lowered a rounding where needed,
    :func:`~portfolio_sgd.limits.exact.within_cap`); ``converged`` is the LP's verification
    on every row. ``parameters`` are the caps' multipliers ``nu = d max(mu.w) / d cap``.
    None if any LP is not exact (the caller keeps its SGD path).
    """
    began = time.perf_counter()
    solve = _capped_solver(measure, r, feasible, alpha, start)
    out_w, out_nu = [], []
    for cap in np.asarray(caps, dtype=np.float64):
        within = within_cap(
            solve, lambda w: float(measure.numpy_value(r @ w[:, None], alpha)[0]), float(cap)
        )
        if within is None:
            return None
        out_w.append(within[0])
        out_nu.append(within[2])
    return FrontierPoints(
        weights=np.stack(out_w),
        parameters=np.asarray(out_nu, dtype=np.float64),
        converged=np.ones(len(out_w), dtype=bool),
        seconds=time.perf_counter() - began,
    )


def _capped_solver(
    measure: RiskMeasure, r: np.ndarray, feasible: object, alpha: float, start: np.ndarray
) -> Callable[[float], tuple[np.ndarray, str, float] | None]:
    """``cap -> (weights, account, multiplier)`` (None: not exact). A measure with a full
    LP form over its own losses (``form``, no drawdown peaks: CVaR, worst realisation)
    gets one HiGHS model whose cap changes between points, re-solved from the last basis
    (:class:`~portfolio_sgd.measures.kernels.tail_cap_model.CapModel`); the others their
    capped finish (:func:`~portfolio_sgd.limits.exact.capped_lp`) from ``start``."""
    form_of = getattr(measure, "form", None)
    if form_of is None or getattr(measure, "peaks", False):
        options = measure.whole_data_options(r.shape[0])
        return lambda c: capped_lp(measure, r, start, feasible, alpha, c, options)
    polytope = feasible.polytope()
    model = CapModel(form_of(r, alpha, polytope), polytope, r.mean(axis=0))

    def solve(cap: float) -> tuple[np.ndarray, str, float] | None:
        sol = model.solve(cap)
        if sol.status != "exact":
            return None
        return sol.weights, f"1 warm LP, {sol.seconds:.2f} s", sol.cap_multiplier

    return solve
