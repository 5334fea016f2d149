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
max-return        ``-mu.w`` (with a risk limit: ``max_volatility`` / ``max_cvar``)
risk-parity       solve ``min_y 1/2 y'Sigma y - sum_i beta_i log y_i`` over ``y > 0``,
                  report ``w = y / sum(y)`` and ``f(w) = w'Sigma w``
================  =======================================================================

:func:`objective_value` evaluates ``f`` in numpy float64 (each objective's
``numpy_value``); :func:`solve_exact` minimises it with cvxpy (Clarabel by default)
under a :class:`~portfolio_sgd.constraints.Constraints` set, built from each objective's
``cvxpy_expression`` and each constraint part's ``cvxpy`` form, and reports ``f``
re-evaluated by :func:`objective_value` on the full data.

Formulations: the quadratic objectives use a thin-QR factor of the centred returns
(``(1/T)||(R - mu) w||^2 = ||F w||^2``, F of size ``min(T, N) x N``, exactly PSD); CVaR
is the Rockafellar-Uryasev LP with ``T`` auxiliaries; Kelly uses ``T`` exponential cones;
risk parity uses ``N`` exponential cones. Each objective is divided by a constant data
scale (the mean squared return, or its square root for objectives linear in returns) so
the solver sees O(1) numbers.
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

from ..constraints import Constraints
from ..constraints.trading.terms import TradingTerms, has_trading, resolve_tickers
from ..errors import ConfigError, DataError, PortfolioSGDError
from ..measures.limit import risk_limit_from
from ..measures.performance import cvar_and_var
from ..measures.registry import get_measure
from ..objectives import (
    DEFAULT_RISK_AVERSION,
    ObjectiveSpec,
    canonical_name,
    objective_class,
    objective_names,
)

__all__ = ["OBJECTIVES", "ExactSolution", "objective_value", "relative_gap", "solve_exact"]

OBJECTIVES: tuple[str, ...] = tuple(objective_names())
_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 400}
_OK = ("optimal", "optimal_inaccurate")


@dataclass(frozen=True)
class ExactSolution:
    """Result of :func:`solve_exact`.

    Attributes
    ----------
    weights : np.ndarray, shape (N,)
        Optimal weights (polished onto the feasible set; risk parity: Newton-polished
        and normalised, ``RiskParity.exact_polish``).
    value : float
        ``f(weights)`` from :func:`objective_value` on the full data, plus the
        trading-cost term when costs are given (:mod:`portfolio_sgd.constraints.trading.terms`).
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
    key = canonical_name(raw) or raw.strip().lower()
    if key not in OBJECTIVES:
        raise ConfigError(f"unknown objective {raw!r}; expected one of {', '.join(OBJECTIVES)}")
    return key


def _spec(
    name: str,
    risk_aversion: float,
    alpha: float,
    return_weight: float,
    budgets: Sequence[float] | np.ndarray | None = None,
    measure: str | None = None,
) -> ObjectiveSpec:
    """The objective's spec (budgets only for an objective that takes them, a measure only
    for one written over any measure)."""
    return ObjectiveSpec(
        name,
        measure=measure,
        risk_aversion=risk_aversion,
        alpha=alpha,
        return_weight=return_weight,
        budgets=None if budgets is None else tuple(np.asarray(budgets, dtype=float).ravel()),
    )


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
    measure: str | None = None,
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
    risk_aversion : float, default 10.0
        ``lambda`` of mean-variance.
    alpha : float, default 0.95
        CVaR confidence level.
    return_weight : float, default 0.0
        ``lambda_r`` of mean-CVaR (0 gives min-CVaR).
    benchmark : array-like, shape (T,), optional
        Benchmark returns for ``"tracking"``.
    measure : str, optional
        The risk measure of ``min-risk`` / ``utility`` (a registered name).

    Returns
    -------
    float or np.ndarray of shape (K,)
        ``f(w)``; for CVaR the exact minimum over ``t`` (sort-based CVaR); for Kelly
        ``+inf`` where some ``1 + x_t <= 0``; for risk parity ``w'Sigma w``.
    """
    name = _objective_name(objective)
    spec = _spec(name, risk_aversion, alpha, return_weight, measure=measure)
    r = _as_returns(returns)
    w = np.asarray(weights, dtype=np.float64)
    single = w.ndim == 1
    w2 = np.atleast_2d(w)
    if w2.ndim != 2 or w2.shape[1] != r.shape[1]:
        raise DataError(f"weights of shape {w.shape} do not match {r.shape[1]} assets")
    f = spec.impl.numpy_value(r @ w2.T, benchmark)  # x: (T, K)
    return float(f[0]) if single else f


# --------------------------------------------------------------------------- solving
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
    max_volatility: float | None = None,
    max_cvar: float | None = None,
    measure: str | None = None,
) -> ExactSolution:
    """Solve the full-data problem exactly with cvxpy (Clarabel by default).

    The objective's own ``cvxpy_expression`` and the constraint parts' cvxpy forms define
    the problem (see the module docstring); the reported value is ``f`` re-evaluated by
    :func:`objective_value` on the full, unscaled data.

    Parameters
    ----------
    objective : str
        One of :data:`OBJECTIVES` (``"mean-cvar"``/``"min-cvar"`` are aliases of cvar).
    returns : array-like, shape (T, N)
        Simple returns.
    constraints : Constraints, optional
        Feasible set (default: long-only, fully invested). Validated first. Risk parity
        takes only the default (else a ConfigError): its solution is the normalised
        ``y > 0``.
    risk_aversion, alpha, return_weight, benchmark
        As in :func:`objective_value`.
    budgets : array-like, shape (N,), optional
        Risk budgets ``beta > 0`` for risk parity (default ``1/N``); normalised to sum 1.
    solver, time_limit : str, default "auto"; float, optional
        ``"auto"`` means Clarabel (any installed cvxpy solver); seconds (Clarabel only).
    max_volatility, max_cvar : float, optional
        A risk limit as an explicit constraint (second-order cone, or the
        Rockafellar-Uryasev epigraph at ``alpha``): the exact check of
        :mod:`portfolio_sgd.limits`. Any objective may take one here.
    measure : str, optional
        The risk measure of ``min-risk`` / ``utility`` (its ``cvxpy_expression``).

    Returns
    -------
    ExactSolution
        Weights projected onto the feasible set (a polish at solver tolerance); a status
        of ``"optimal_inaccurate"`` is returned, not raised.

    Raises
    ------
    ConfigError, DataError, InfeasibleConstraintError
        Unknown objective or solver, invalid parameters or data, infeasible constraints.
    PortfolioSGDError
        If the solver fails; the message names the objective and the status.
    """
    cp = _cvxpy()
    name = _objective_name(objective)
    if budgets is not None and not objective_class(name).takes_budgets:
        raise ConfigError(f"risk budgets apply to risk parity only, not {name}")
    spec = _spec(name, risk_aversion, alpha, return_weight, budgets, measure)
    cons_spec, r = _bound_constraints(constraints, returns)
    solver_name = _solver_name(cp, solver)
    w = cp.Variable(r.shape[1])
    expr, cons = _problem_parts(cp, w, spec, r, cons_spec, benchmark)
    cons = cons + _limit_parts(cp, w, r, alpha, max_volatility, max_cvar)
    terms = TradingTerms.of(cons_spec, r.shape[1]) if has_trading(cons_spec) else None
    if terms is not None and terms.has_costs:  # F(w) = f(w) + costs (+ impact)
        expr = expr + terms.cvxpy(cp, w) / spec.impl.cvxpy_scale(cp, r, benchmark)
    status, elapsed = _solve_timed(cp.Problem(cp.Minimize(expr), cons), solver_name, time_limit)
    if status not in _OK or w.value is None or not np.all(np.isfinite(w.value)):
        raise PortfolioSGDError(f"exact {name} solve failed: solver {solver_name} status {status}")
    weights = _polished(spec, cons_spec, np.asarray(w.value, dtype=np.float64).reshape(-1), r)
    value = float(spec.impl.numpy_value(r @ np.atleast_2d(weights).T, benchmark)[0])
    if terms is not None:
        value = value + float(terms.numpy_value(weights))
    var_level = _var_level(spec, r, weights, alpha)
    return ExactSolution(weights, float(value), solver_name, str(status), elapsed, var_level)


def _polished(
    spec: ObjectiveSpec, cons_spec: Constraints, raw: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """The solver's weights (N,) polished: the objective's own exact polish, else the
    projection onto the feasible set (solver tolerance)."""
    weights = spec.impl.exact_polish(raw, r)
    if weights is None:
        weights = cons_spec.project(torch.from_numpy(raw.copy())).numpy()
    return weights


def _solver_name(cp: Any, solver: str) -> str:
    """cvxpy's name of ``solver`` (``"auto"``: Clarabel), checked installed."""
    name = "CLARABEL" if solver == "auto" else str(solver).upper()
    if name not in cp.installed_solvers():
        raise ConfigError(f"solver {solver!r} is not installed; have {cp.installed_solvers()}")
    return name


def _var_level(spec: ObjectiveSpec, r: np.ndarray, weights: np.ndarray, alpha: float) -> Any:
    """The VaR level of ``weights`` for objectives that carry one, else None."""
    if not spec.impl.has_var_level:
        return None
    return float(cvar_and_var(-(r @ weights)[:, None], alpha)[1][0])


def _bound_constraints(constraints: Constraints | None, returns: Any) -> tuple[Constraints, Any]:
    """The constraints bound to the returns' columns (names, holdings, costs) and validated,
    with the returns as a float64 array (T, N); a combinatorial set is refused."""
    cons_spec = constraints if constraints is not None else Constraints()
    if hasattr(returns, "columns"):  # names in linear constraints, holdings or costs
        columns = [str(c) for c in returns.columns]
        cons_spec = resolve_tickers(cons_spec.bind(columns), columns)
    r = _as_returns(returns)
    cons_spec.validate(r.shape[1])
    if cons_spec.is_combinatorial:
        raise ConfigError(
            "solve_exact is convex: use portfolio_sgd.reference.cardinality for max_assets"
        )
    return cons_spec, r


def _problem_parts(
    cp: Any,
    w: Any,
    spec: ObjectiveSpec,
    r: np.ndarray,
    constraints: Constraints,
    benchmark: np.ndarray | None,
) -> tuple[Any, list[Any]]:
    """The objective's cvxpy expression and every constraint of the exact problem.

    An orthant objective (risk parity) takes only its own: ``y > 0`` is the log's domain
    and its solution is normalised afterwards.
    """
    expr, extra = spec.impl.cvxpy_expression(cp, w, r, benchmark)
    if spec.impl.feasible_set == "positive-orthant":
        spec.impl.check_constraints(constraints)  # type: ignore[attr-defined]
        return expr, extra
    return expr, constraints.cvxpy(cp, w) + extra


def _limit_parts(
    cp: Any,
    w: Any,
    r: np.ndarray,
    alpha: float,
    max_volatility: float | None,
    max_cvar: float | None,
) -> list[Any]:
    """The cvxpy constraints of an optional risk limit (its measure's ``cvxpy_limit``)."""
    limit = risk_limit_from(max_volatility, max_cvar)
    if limit is None:
        return []
    return get_measure(limit.measure).cvxpy_limit(cp, w, r, limit.level, alpha)


def _solve_timed(problem: Any, solver_name: str, time_limit: float | None) -> tuple[str, float]:
    """Solve (Clarabel at tight tolerances, retried at its defaults); (status, seconds)."""
    opts: dict[str, Any] = {}
    if solver_name == "CLARABEL":
        opts = dict(_TIGHT)
        if time_limit is not None:
            opts["time_limit"] = float(time_limit)
    start = time.perf_counter()
    status = _solve(problem, solver_name, opts)
    if status not in _OK and solver_name == "CLARABEL":  # retry at default tolerances
        status = _solve(problem, solver_name, {k: v for k, v in opts.items() if k == "time_limit"})
    return status, time.perf_counter() - start


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
