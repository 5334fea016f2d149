"""The exact answer of a volatility limit: the mean-variance critical lines at the cap.

``min f(w) s.t. Var(w) <= V, w in C`` with ``f`` max-return (``-mu.w``) or mean-variance
at ``g`` has, where the limit binds, the optimum of its Lagrangian family (mean-variance at
``lam = g + nu``) whose variance is exactly ``V``. Along ``t = 1 / lam`` that family's
optimum is piecewise affine (:mod:`portfolio_sgd.measures.kernels.qp_line`), so the point
of variance ``V`` is found by a few warm-started exact QPs on the N x N covariance and one
quadratic equation, with no SGD run and no multiplier rounds.

The certificate is the Lagrangian bound at that multiplier: the family's Frank-Wolfe
gap gives ``F_lam* >= F_lam(w) - gap``, so ``f* >= F_lam(w) - gap - nu V / 2`` (weak
duality), and the reported gap is ``f(w)`` minus that bound.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.kernels.qp_finish import (
    covariance_of,
    single_blas_thread,
    solve_qp_path,
    working_pattern,
)
from ..measures.kernels.qp_line import CriticalLine, QuadraticModel, frank_wolfe_gaps
from .exact import ExactFinish
from .search import _mix, _Point, _Search, model_multiplier

__all__ = ["capped_max_return", "exact_volatility_limit"]

GROW_TRIES = 30
"""Quadruplings of ``t`` at most while looking for a point over the limit."""
AIM_BELOW = 1e-13
"""Relative margin under the cap's variance at which to aim when the returns' evaluation
of the exact point is a rounding over the limit (the two evaluations differ by ulps)."""


def exact_volatility_limit(search: _Search, unconstrained: np.ndarray) -> ExactFinish | None:
    """The verified optimum under a binding volatility limit, or None where this does
    not apply (a family without a quadratic model, the finish switched off, trading terms,
    a leverage cap or a cardinality cap, a limit below the minimum variance: the Lagrangian
    search decides).

    Parameters
    ----------
    search : _Search
        Its points hold the unconstrained optimum (over the limit).
    unconstrained : ndarray, shape (N,)
        The unconstrained optimum's weights.
    """
    fam = search.family
    impl = search.family_spec(1.0).impl
    if fam.scaled or not search.config.cvar_polish or not hasattr(impl, "quadratic_model"):
        return None
    if search.constraints.is_combinatorial:  # a count cap is no polytope: the search refuses
        return None
    try:
        feasible = search.constraints.linear_oracle(search.r.shape[1])
    except ConfigError:
        return None
    n = search.r.shape[1]
    if not impl.finish_applies(feasible) or working_pattern(feasible, np.zeros(n)) is None:
        return None
    sigma, mu = covariance_of(search.r)
    line = CriticalLine(impl.quadratic_model, sigma, mu, feasible)
    v = 2.0 * fam.penalised_level(search.limit.level)  # V: the variance at the cap
    with single_blas_thread():
        low = solve_qp_path([(sigma, np.zeros(n))], feasible, np.full(n, 1.0 / n))
        if low is None or not low[1][0].exact:
            return None
        line.add(0.0, low[0][0])
        if line.var[0] > v:
            return None  # below the minimum: the search states it
        search.points.append(
            _Point(math.inf, line.w[0], float(search.risk(line.w[0])[0]), -math.inf)
        )
        if not _over_the_limit(search, line, v, unconstrained):
            return None
        t, w = _within(search, line, v)
    return _certified(search, line, t, w)


def _within(search: _Search, line: CriticalLine, v: float) -> tuple[float, np.ndarray]:
    """``(t, w)`` at variance ``v`` on ``line``; where the returns' own evaluation puts that
    point a rounding over the limit, the point at ``v (1 - AIM_BELOW)`` on the same lines
    (an interpolation, no solve) instead of the final mix's bisection."""
    t, w = line.at_variance(v)
    if search.risk(w)[0] > search.limit.level:
        t_in, w_in = line.at_variance(v * (1.0 - AIM_BELOW))
        if search.risk(w_in)[0] <= search.limit.level:
            return t_in, w_in
    return t, w


def _over_the_limit(
    search: _Search, line: CriticalLine, v: float, unconstrained: np.ndarray
) -> bool:
    """Add a solved point of variance >= ``v`` to ``line`` (False when none is found).

    Mean-variance at ``g > 0``: its own optimum, at ``t = 1 / g``. Max-return (``t =
    inf``): from the frontier model's multiplier estimate, ``t`` quadrupled until over.
    """
    fam = search.family
    if fam.base > 0:
        solved = line.solve_at(1.0 / fam.base, unconstrained)
        if solved is None:
            return False
        line.add(*solved)
        return line.var[-1] >= v
    t = 1.0 / max(fam.parameter(model_multiplier(search)), 1e-300)
    return _grow(line, v, t)


def _grow(line: CriticalLine, v: float, t: float) -> bool:
    """Solve along ``t`` until a point of variance ``>= v`` is on ``line`` (False when a
    QP fails or none is found): each ``t`` where the last point's critical line, extended,
    reaches ``v`` (one solve when the target is on it), else ``t`` (``4 t`` after it)."""
    for _ in range(GROW_TRIES):
        ahead = line.reach(v)
        t = ahead if ahead is not None and ahead > line.t[-1] else max(t, 4.0 * line.t[-1])
        solved = line.solve_at(t, line.w[-1])
        if solved is None:
            return False
        line.add(*solved)
        if line.var[-1] >= v:
            return True
    return False


def _certified(search: _Search, line: CriticalLine, t: float, w: np.ndarray) -> ExactFinish:
    """The answer within the limit (float64), its multiplier and Lagrangian bound."""
    fam, level = search.family, search.limit.level
    low = line.w[0]
    if search.risk(w)[0] > level:  # the interpolation's rounding: mix back within
        w = _mix(search, low, w)
    lam = 1.0 / t
    nu = fam.multiplier(lam)
    gap, _ = frank_wolfe_gaps(line.model, line.sigma, line.mu, line.feasible, w[None], [lam])
    h, g = line.model(line.sigma, line.mu, lam)
    value = 0.5 * float(w @ h @ w) + float(g @ w)
    bound = fam.factor(lam) * (value - float(gap[0])) - nu * fam.penalised_level(level)
    search.points.append(_Point(nu, w, float(search.risk(w)[0]), bound, lam))
    solves = len(line.t)
    return ExactFinish(
        weights=w,
        account=f"{solves} exact QPs on the covariance, multiplier {nu:.6g}",
        multiplier=nu,
        bound=bound,
        method="critical lines of the mean-variance QP at the cap (Lagrangian bound with "
        "the Frank-Wolfe gap)",
    )


def capped_max_return(
    model: QuadraticModel,
    sigma: np.ndarray,
    mu: np.ndarray,
    feasible: object,
    v: float,
    t_start: float | None = None,
) -> tuple[np.ndarray, float, float] | None:
    """``argmax mu.w`` over ``feasible`` with ``w' Sigma w <= v`` (N,), on the critical
    lines of ``model`` (mean-variance), and a proven lower bound on ``min -mu.w`` there
    (the Lagrangian bound at the answer's ``lam`` with its Frank-Wolfe gap; the LP value
    where the cap does not bind), and the answer's ``t = 1 / lam`` (``inf`` there); None
    when ``v`` is below the minimum variance or a QP is not verified. ``t_start``: where
    to look first (a neighbouring problem's ``t``; default ``1 / max diag Sigma``)."""
    n = mu.shape[0]
    line = CriticalLine(model, sigma, mu, feasible)
    with single_blas_thread():
        low = solve_qp_path([(sigma, np.zeros(n))], feasible, np.full(n, 1.0 / n))
        if low is None or not low[1][0].exact:
            return None
        line.add(0.0, low[0][0])
        if line.var[0] > v:
            return None
        top = feasible.minimize(torch.from_numpy(-mu)).numpy()
        if float(top @ sigma @ top) <= v:
            return top, float(-mu @ top), math.inf
        t = 1.0 / max(float(np.abs(np.diag(sigma)).max()), 1e-300)
        if t_start is not None and math.isfinite(t_start) and t_start > 0:
            t = t_start
        if _grow(line, v, t):
            return _with_bound(line, *line.at_variance(v), v)
    return None


def _with_bound(line: CriticalLine, t: float, w: np.ndarray, v: float) -> tuple[np.ndarray, float]:
    """``(w, bound, t)``: ``F_lam(w) - gap - lam v / 2`` bounds ``min -mu.w`` under the cap
    (weak duality; ``F_lam = lam/2 w' Sigma w - mu.w``, ``lam = 1 / t``)."""
    lam = 1.0 / t
    gap, _ = frank_wolfe_gaps(line.model, line.sigma, line.mu, line.feasible, w[None], [lam])
    h, g = line.model(line.sigma, line.mu, lam)
    value = 0.5 * float(w @ h @ w) + float(g @ w)
    return w, value - float(gap[0]) - 0.5 * lam * v, t
