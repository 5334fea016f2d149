"""Exact reference solvers (cvxpy + Clarabel) for validating the SGD optimiser.

Every objective is the full-data (empirical) expectation over the ``T`` return scenarios
``R`` (shape ``(T, N)``, simple returns). With ``x_t = R_t . w`` and ``mu = R.mean(0)``,
all variances are population variances (divisor ``T``):

================  =======================================================================
objective         f(w)
================  =======================================================================
mean-variance     ``-mu.w + (lambda/2) (1/T) sum_t (x_t - mu.w)^2``
min-variance      ``(1/T) sum_t (x_t - mu.w)^2``
cvar              ``min_t [-lambda_r mu.w + t + sum_t max(-x_t - t, 0) / ((1 - alpha) T)]``
kelly             ``-(1/T) sum_t log(1 + x_t)`` (``+inf`` if some ``1 + x_t <= 0``)
tracking          ``(1/T) sum_t (x_t - b_t)^2``
risk-parity       solve ``min_y 1/2 y'Sigma y - sum_i beta_i log y_i`` over ``y > 0``,
                  report ``w = y / sum(y)`` and ``f(w) = w'Sigma w``
================  =======================================================================

:func:`objective_value` evaluates ``f`` in numpy float64; :func:`solve_exact` minimises
it with cvxpy (Clarabel by default) under a :class:`~portfolio_sgd.constraints.Constraints`
set, and reports ``f`` re-evaluated by :func:`objective_value` on the full data.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .constraints import Constraints
from .errors import ConfigError, DataError, PortfolioSGDError
from .objectives import DEFAULT_RISK_AVERSION

__all__ = ["OBJECTIVES", "ExactSolution", "objective_value", "relative_gap", "solve_exact"]

OBJECTIVES: tuple[str, ...] = (
    "mean-variance",
    "min-variance",
    "cvar",
    "kelly",
    "tracking",
    "risk-parity",
)
_ALIASES = {"mean-cvar": "cvar", "min-cvar": "cvar", "log-utility": "kelly"}
_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 400}
_OK = ("optimal", "optimal_inaccurate")


@dataclass(frozen=True)
class ExactSolution:
    """Result of :func:`solve_exact`.

    Attributes
    ----------
    weights : np.ndarray, shape (N,)
        Optimal weights (polished onto the feasible set, except for risk parity).
    value : float
        ``f(weights)`` from :func:`objective_value` on the full data.
    solver : str
        cvxpy solver name.
    status : str
        cvxpy status, ``"optimal"`` or ``"optimal_inaccurate"``.
    solve_time : float
        Wall time of the cvxpy ``solve`` call in seconds (compilation included).
    var_level : float or None
        For CVaR: the optimal ``t``, i.e. the alpha-quantile (VaR) of the losses ``-x``.
    """

    weights: np.ndarray
    value: float
    solver: str
    status: str
    solve_time: float
    var_level: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (weights as a list)."""
        return {
            "weights": [float(x) for x in self.weights],
            "value": float(self.value),
            "solver": self.solver,
            "status": self.status,
            "solve_time": float(self.solve_time),
            "var_level": None if self.var_level is None else float(self.var_level),
        }


# --------------------------------------------------------------------------- helpers
def _objective_name(objective: Any) -> str:
    raw = getattr(objective, "value", objective)
    if not isinstance(raw, str):
        raise ConfigError(f"objective must be a string, got {objective!r}")
    key = raw.strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key not in OBJECTIVES:
        raise ConfigError(f"unknown objective {raw!r}; expected one of {', '.join(OBJECTIVES)}")
    return key


def _as_returns(returns: Any) -> np.ndarray:
    try:
        r = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"returns are not numeric: {exc}") from exc
    if r.ndim != 2 or r.shape[0] < 1 or r.shape[1] < 1:
        raise DataError(f"returns must be a non-empty (T, N) array, got shape {r.shape}")
    if not np.all(np.isfinite(r)):
        raise DataError("returns contain NaN or infinite values")
    return r


def _as_benchmark(benchmark: Any, t: int) -> np.ndarray:
    if benchmark is None:
        raise ConfigError("objective 'tracking' needs a benchmark return series of shape (T,)")
    b = np.asarray(benchmark, dtype=np.float64).reshape(-1)
    if b.shape != (t,) or not np.all(np.isfinite(b)):
        raise DataError(f"benchmark must be finite with shape ({t},), got {b.shape}")
    return b


def _check_params(name: str, risk_aversion: float, alpha: float) -> None:
    if name == "cvar" and not 0.0 < alpha < 1.0:
        raise ConfigError(f"cvar alpha must be in (0, 1), got {alpha}")
    if name == "mean-variance" and not (math.isfinite(risk_aversion) and risk_aversion >= 0):
        raise ConfigError(f"risk_aversion must be finite and >= 0, got {risk_aversion}")


def _cvar(losses: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``min_t t + E[(L - t)+]/(1 - alpha)`` per column of ``losses`` (T, K).

    The Rockafellar-Uryasev function is convex, piecewise linear with breakpoints at the
    losses, and minimised at the ``ceil(alpha T)``-th smallest loss. To be immune to the
    rounding of ``alpha * T`` it is evaluated at that order statistic and its neighbours.

    Returns
    -------
    (cvar, var) : tuple of np.ndarray, shape (K,)
    """
    t_len = losses.shape[0]
    srt = np.sort(losses, axis=0)
    k = min(max(int(math.ceil(alpha * t_len)), 1), t_len)
    best = best_t = None
    for idx in {max(k - 2, 0), k - 1, min(k, t_len - 1)}:
        t = srt[idx]
        val = t + np.maximum(losses - t, 0.0).mean(axis=0) / (1.0 - alpha)
        if best is None:
            best, best_t = val, t
        else:
            better = val < best
            best, best_t = np.where(better, val, best), np.where(better, t, best_t)
    return best, best_t


def relative_gap(value: float, optimum: float) -> float:
    """Relative excess ``(value - optimum) / |optimum|``.

    Meant for optima away from zero (e.g. variances, or a mean-variance optimum that is
    clearly non-zero); near ``optimum = 0`` compare absolute gaps instead. Returns
    ``0.0`` if both are exactly equal and ``+-inf`` if only the optimum is zero.
    """
    diff = float(value) - float(optimum)
    if optimum == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / abs(float(optimum))


# ------------------------------------------------------------------------ evaluation
def objective_value(
    objective: str,
    returns: np.ndarray,
    weights: np.ndarray,
    *,
    risk_aversion: float = DEFAULT_RISK_AVERSION,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    benchmark: np.ndarray | None = None,
) -> float | np.ndarray:
    """Evaluate the full-data objective ``f(w)`` in numpy float64.

    Parameters
    ----------
    objective : str
        One of :data:`OBJECTIVES` (a str Enum member works too).
    returns : array-like, shape (T, N)
        Simple returns, one scenario per row.
    weights : array-like, shape (N,) or (K, N)
        One portfolio or a batch of ``K`` portfolios.
    risk_aversion : float, default 1.0
        ``lambda`` of mean-variance.
    alpha : float, default 0.95
        CVaR confidence level.
    return_weight : float, default 0.0
        ``lambda_r`` of mean-CVaR (0 gives min-CVaR).
    benchmark : array-like, shape (T,), optional
        Benchmark returns for ``"tracking"``.

    Returns
    -------
    float or np.ndarray of shape (K,)
        ``f(w)``; for CVaR the exact minimum over ``t`` (sort-based CVaR); for Kelly
        ``+inf`` where some ``1 + x_t <= 0``; for risk parity ``w'Sigma w``.
    """
    name = _objective_name(objective)
    _check_params(name, risk_aversion, alpha)
    r = _as_returns(returns)
    w = np.asarray(weights, dtype=np.float64)
    single = w.ndim == 1
    w2 = np.atleast_2d(w)
    if w2.ndim != 2 or w2.shape[1] != r.shape[1]:
        raise DataError(f"weights of shape {w.shape} do not match {r.shape[1]} assets")
    x = r @ w2.T  # (T, K)
    mean = x.mean(axis=0)
    if name in ("min-variance", "risk-parity"):
        f = ((x - mean) ** 2).mean(axis=0)
    elif name == "mean-variance":
        f = -mean + 0.5 * risk_aversion * ((x - mean) ** 2).mean(axis=0)
    elif name == "cvar":
        f = -return_weight * mean + _cvar(-x, alpha)[0]
    elif name == "kelly":
        g = 1.0 + x
        bad = np.any(g <= 0.0, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(bad, np.inf, -np.log(np.where(g > 0, g, 1.0)).mean(axis=0))
    else:  # tracking
        b = _as_benchmark(benchmark, r.shape[0])
        f = ((x - b[:, None]) ** 2).mean(axis=0)
    return float(f[0]) if single else f


# --------------------------------------------------------------------------- solving
def _factor(a: np.ndarray) -> np.ndarray:
    """Triangular factor ``F`` (min(T, M), M) with ``F'F = a'a`` (thin QR)."""
    return np.linalg.qr(a, mode="r")


def solve_exact(
    objective: str,
    returns: np.ndarray,
    constraints: Constraints | None = None,
    *,
    risk_aversion: float = DEFAULT_RISK_AVERSION,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    benchmark: np.ndarray | None = None,
    budgets: Sequence[float] | np.ndarray | None = None,
    solver: str = "auto",
    time_limit: float | None = None,
) -> ExactSolution:
    """Solve the full-data problem exactly with cvxpy (Clarabel by default).

    Formulations: the quadratic objectives use a thin-QR factor of the centred returns
    (``(1/T)||(R - mu) w||^2 = ||F w||^2``, F of size ``min(T, N) x N``, exactly PSD);
    CVaR is the Rockafellar-Uryasev LP with ``T`` auxiliaries; Kelly uses ``T``
    exponential cones; risk parity uses ``N`` exponential cones. Each objective is
    divided by a constant data scale (the mean squared return, or its square root for
    objectives linear in returns) so the solver sees O(1) numbers; the reported value is
    ``f`` re-evaluated by :func:`objective_value` on the full, unscaled data.

    Parameters
    ----------
    objective : str
        One of :data:`OBJECTIVES` (``"mean-cvar"``/``"min-cvar"`` are aliases of cvar).
    returns : array-like, shape (T, N)
        Simple returns.
    constraints : Constraints, optional
        Feasible set (default: long-only, fully invested). Validated first. Risk parity
        ignores it apart from validation: its solution is the normalised ``y > 0``.
    risk_aversion, alpha, return_weight, benchmark
        As in :func:`objective_value`.
    budgets : array-like, shape (N,), optional
        Risk budgets ``beta > 0`` for risk parity (default ``1/N``); normalised to sum 1.
    solver : str, default "auto"
        ``"auto"`` means Clarabel; any installed cvxpy solver name is accepted.
    time_limit : float, optional
        Seconds; passed to Clarabel only.

    Returns
    -------
    ExactSolution
        Weights are projected onto the feasible set (a polish at solver tolerance);
        a status of ``"optimal_inaccurate"`` is returned, not raised.

    Raises
    ------
    ConfigError
        Unknown objective or solver, or invalid parameters.
    DataError
        Non-finite or mis-shaped returns / benchmark / budgets.
    InfeasibleConstraintError
        If the constraints admit no portfolio of ``N`` assets.
    PortfolioSGDError
        If the solver fails; the message names the objective and the status.
    """
    cp = _cvxpy()
    name = _objective_name(objective)
    _check_params(name, risk_aversion, alpha)
    r = _as_returns(returns)
    t_len, n = r.shape
    cons_spec = constraints if constraints is not None else Constraints()
    cons_spec.validate(n)

    solver_name = "CLARABEL" if solver == "auto" else str(solver).upper()
    if solver_name not in cp.installed_solvers():
        raise ConfigError(f"solver {solver!r} is not installed; have {cp.installed_solvers()}")

    mu = r.mean(axis=0)
    s2 = float(np.mean(r**2)) or 1.0  # scale of quadratic terms
    s1 = math.sqrt(s2)  # scale of terms linear in returns
    w = cp.Variable(n)
    lo, hi, lev = cons_spec.min_weight, cons_spec.max_weight, cons_spec.max_leverage
    cons = [cp.sum(w) == 1, w >= lo, w <= hi]
    if lev is not None and math.isfinite(lev) and lo < 0:
        cons.append(cp.norm1(w) <= lev)

    if name in ("min-variance", "mean-variance"):
        fac = _factor((r - mu) / math.sqrt(t_len * s2))
        quad = cp.sum_squares(fac @ w)
        if name == "min-variance":
            expr = quad
        else:
            expr = -(mu / s2) @ w + 0.5 * risk_aversion * quad
    elif name == "tracking":
        b = _as_benchmark(benchmark, t_len)
        scale = s2 + float(np.mean(b**2)) or 1.0
        fac = _factor(np.column_stack([r, b]) / math.sqrt(t_len * scale))
        expr = cp.sum_squares(fac[:, :n] @ w - fac[:, n])
    elif name == "cvar":
        t_var = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        cons.append(z >= -(r / s1) @ w - t_var)
        expr = -(return_weight / s1) * (mu @ w) + t_var + cp.sum(z) / ((1.0 - alpha) * t_len)
    elif name == "kelly":
        expr = -cp.sum(cp.log(1.0 + r @ w)) / (t_len * s1)
    else:  # risk-parity
        beta = np.full(n, 1.0 / n) if budgets is None else np.asarray(budgets, dtype=float)
        if beta.shape != (n,) or not np.all(np.isfinite(beta)) or np.any(beta <= 0):
            raise DataError(f"budgets must be {n} positive finite numbers")
        beta = beta / beta.sum()
        fac = _factor((r - mu) / math.sqrt(t_len * s2))
        expr = 0.5 * cp.sum_squares(fac @ w) - beta @ cp.log(w)
        cons = []

    problem = cp.Problem(cp.Minimize(expr), cons)
    opts: dict[str, Any] = {}
    if solver_name == "CLARABEL":
        opts = dict(_TIGHT)
        if time_limit is not None:
            opts["time_limit"] = float(time_limit)
    start = time.perf_counter()
    status = _solve(problem, solver_name, opts)
    if status not in _OK and solver_name == "CLARABEL":  # retry at default tolerances
        status = _solve(problem, solver_name, {k: v for k, v in opts.items() if k == "time_limit"})
    elapsed = time.perf_counter() - start
    if status not in _OK or w.value is None or not np.all(np.isfinite(w.value)):
        raise PortfolioSGDError(f"exact {name} solve failed: solver {solver_name} status {status}")

    weights = np.asarray(w.value, dtype=np.float64).reshape(n)
    if name == "risk-parity":
        weights = _newton_risk_parity(fac.T @ fac, beta, weights)
        weights = weights / weights.sum()
    else:
        weights = cons_spec.project(torch.from_numpy(weights.copy())).numpy()
    kwargs = dict(risk_aversion=risk_aversion, alpha=alpha, return_weight=return_weight)
    value = objective_value(name, r, weights, benchmark=benchmark, **kwargs)
    var_level = float(_cvar(-(r @ weights)[:, None], alpha)[1][0]) if name == "cvar" else None
    return ExactSolution(
        weights=weights,
        value=float(value),
        solver=solver_name,
        status=str(status),
        solve_time=elapsed,
        var_level=var_level,
    )


def _newton_risk_parity(cov: np.ndarray, beta: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Polish ``argmin_{y > 0} 1/2 y'Cy - beta'log y`` with damped Newton steps.

    Interior-point solvers stop around 1e-6 relative accuracy on exponential cones; the
    problem is smooth and strictly convex on ``y > 0``, so a few Newton steps from the
    solver's point reach machine precision.
    """
    y = np.maximum(np.asarray(y0, dtype=np.float64), 1e-12 * max(float(np.max(y0)), 1e-12))

    def f(z: np.ndarray) -> float:
        return 0.5 * z @ cov @ z - beta @ np.log(z)

    for _ in range(50):
        grad = cov @ y - beta / y
        hess = cov + np.diag(beta / y**2)
        step = np.linalg.solve(hess, grad)
        decrement = float(grad @ step)  # squared Newton decrement
        if not decrement > 1e-24:
            break
        t, f0 = 1.0, f(y)
        # Near the optimum full steps are safe and f is flat to rounding: skip the search.
        local = decrement < 1e-8 and bool(np.all(y - step > 0))
        while (
            not local
            and t > 1e-10
            and (np.any(y - t * step <= 0) or f(y - t * step) > f0 - 1e-4 * t * decrement)
        ):
            t *= 0.5
        if t <= 1e-10:  # no further decrease at machine precision
            break
        y = y - t * step
    return y


def _solve(problem: Any, solver_name: str, opts: dict[str, Any]) -> str:
    """Run cvxpy; map solver exceptions to a status string."""
    cp = _cvxpy()

    try:
        with warnings.catch_warnings():  # the status string carries "inaccurate"
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=solver_name, **opts)
    except cp.error.SolverError as exc:
        return f"solver_error ({exc})".splitlines()[0]
    return str(problem.status)


def _cvxpy() -> Any:
    """Import cvxpy (a runtime dependency), with a one-line error if it is missing."""
    try:
        import cvxpy
    except ImportError as exc:  # pragma: no cover - cvxpy is a declared dependency
        raise PortfolioSGDError(
            f"the exact solver needs cvxpy and clarabel ({exc}); pip install cvxpy clarabel"
        ) from None
    return cvxpy
