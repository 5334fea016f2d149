"""The efficient frontier: exact QPs along the critical lines, or one batched SGD run.

Where the objective has a quadratic model and the set a QP form in the weights (the
mean-variance frontier, with bounds and linear rows; the exact finish on), the points are
exact: the minimum-variance end is one active-set QP on the N x N covariance, and the K
points, evenly spaced in volatility, are found on the critical lines of the QP in
``1 / lam`` (:func:`.frontier_points.even_points`): a few warm-started QPs and one quadratic
equation a point, each certified by its Frank-Wolfe gap (<= 1e-8 relative). Where the
risk is an LP measure (CVaR, CDaR, the drawdowns, ...) whose minimum-risk end the engine
solved as its whole-data LP before the first step (the counted-work rule), the points are
exact too: that end, then one capped whole-data LP at each of K - 1 caps evenly spaced in
risk (:func:`_lp_frontier`). Otherwise (large data by that rule, other measures, trading
terms, a leverage cap) the points come from batched runs, as follows.

``efficient_frontier`` spreads K points from the minimum-risk portfolio to the
maximum-return one. It first solves the two ends:

- the minimum-risk end: min-variance (mean-variance frontier) or min-CVaR (the CVaR
  frontier, return weight ``lam_r = 0``), one SGD run;
- the maximum-return end: ``argmax_{w in C} mu.w``, the linear minimisation oracle of
  the constraint set (exact, no optimisation).

Between them it chooses one parameter per point so that the points are evenly spread in
*risk*. On the unconstrained frontier ``Var = Var_m + (mu.w - mu_m)^2 / c``, so the
mean-variance optimum at risk aversion ``lam`` has ``lam = sqrt(c / (Var - Var_m))``; for
CVaR, modelled the same way (``CVaR^2 = CVaR_m^2 + (mu.w - mu_m)^2 / c``), the return
weight is its slope ``lam_r = dCVaR/d(mu.w) = sqrt((rho^2 - rho_m^2) / c) / rho``. ``c`` is
fitted to the two ends, and evenly spaced target risks ``rho_k`` give the grid; the
long-only frontier is only piecewise of that shape, so the spread is close to even, not
exact. Every point then comes from one batched run (:func:`~.batch.solve_batch`) whose
per-run ``risk_aversions`` are the risk aversions (mean-variance) or the return weights
(CVaR); each point reports the parameter it used.

Risk is the annualised volatility ``sqrt(252) * std`` (population standard deviation of
daily portfolio returns) for mean-variance and the daily historical CVaR at ``alpha`` for
CVaR; return is ``252 * mean`` daily return.

Any registered measure ``m`` has a frontier too (``objective="utility", measure=m``): the
utility ``mean - g * m`` (:mod:`portfolio_sgd.objectives.utility`) along its risk aversion
``g``, the minimum-``m`` end from min-risk over ``m``, and the risk axis ``m``'s stated value
(``get_measure(m).stated_value``). Its model grid takes the risk as quadratic in the return,
``rho = rho_m + (mu.w - mu_m)^2 / c``, so ``g = 1 / (drho/d(mu.w)) = sqrt(c) / (2
sqrt(rho - rho_m))``; this is right in scale for any measure (``g`` is a return per unit of
``m``), and the pilot run of :func:`_calibrated_grid` corrects its shape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..limits.exact import whole_data_chosen
from ..measures.base import RiskMeasure
from ..measures.kernels.qp_finish import single_blas_thread, working_pattern
from ..measures.registry import get_measure
from ..measures.volatility import TRADING_DAYS
from ..objectives import OBJECTIVE_CLASSES, objective_class
from ..objectives.base import PortfolioObjective
from ..objectives.composition import compose
from ..objectives.spec import ObjectiveSpec
from ..objectives.utility import Utility
from .base import Task
from .frontier_points import (
    FrontierPoints,
    QuadraticPath,
    even_points,
    exact_points,
    lp_points,
    quadratic_path,
    sgd_points,
)
from .settings import resolve_settings
from .solve import solve

__all__ = [
    "FRONTIER_OBJECTIVES",
    "FrontierResult",
    "efficient_frontier",
    "frontier_objective",
    "portfolio_risk",
]

FRONTIER_OBJECTIVES = tuple(cls.name for cls in OBJECTIVE_CLASSES if cls.frontier_measure)
FRONTIER_CONFIG = EngineConfig(precondition=False)
"""The default engine settings: Euclidean projections. Chosen when the diagonal-metric
projection could return an infeasible vertex (the maximum-return end of a long-only
frontier is one); that kernel bug is fixed (``tests/test_metric_projection.py``), but the
frontier's settings and accuracy were measured with this choice and are kept."""
MIN_RISK_OFFSET = 1e-3
"""The first point's target risk lies this fraction of the risk range above the minimum
(mean-variance only: its minimum needs ``lam = inf``; CVaR's is ``lam_r = 0``)."""

PointRun = Callable[[np.ndarray], FrontierPoints]
"""The points (K) of a frontier at K parameters (:mod:`.frontier_points`)."""


@dataclass(frozen=True)
class FrontierResult:
    """K points of an efficient frontier, from the minimum risk to the maximum return.

    Attributes
    ----------
    objective : str
        ``"mean-variance"``, ``"cvar"`` or ``"utility"`` (over ``measure``).
    alpha : float
        CVaR level (the risk of a CVaR frontier).
    weights : DataFrame, shape (K, N)
        One row per point, columns are tickers.
    risk, returns : ndarray, shape (K,)
        Annualised volatility (mean-variance), daily CVaR at ``alpha`` (cvar) or the
        stated value of ``measure`` (utility); and ``252 * mean`` daily return.
    risk_aversion : ndarray, shape (K,)
        The parameter of each point: ``lam`` (mean-variance), ``lam_r`` (cvar) or ``g``
        (utility).
    converged : ndarray of bool, shape (K,)
        Each point's certificate (relative gap within the objective's bar).
    asset_risk, asset_returns : Series, shape (N,)
        Every asset's own risk and return (same measures), for plots.
    wall_time : float
        Seconds of the batched run, the exact QPs or the capped LPs (the two end solves
        excluded).
    measure : str or None
        The registered measure of a utility frontier (its risk axis); None for the
        frontiers of ``"mean-variance"`` and ``"cvar"`` (whose axes are their own).
    steps : int
        SGD steps of the minimum-risk end and the final batched run (pilot and re-aiming
        runs not counted); 0 where every point is an exact QP or LP.
    """

    objective: str
    alpha: float
    weights: pd.DataFrame
    risk: np.ndarray
    returns: np.ndarray
    risk_aversion: np.ndarray
    converged: np.ndarray
    asset_risk: pd.Series
    asset_returns: pd.Series
    wall_time: float
    measure: str | None = None
    steps: int = 0

    @property
    def risk_label(self) -> str:
        """The axis label of ``risk``."""
        measure = _risk_measure(self.objective, self.measure)
        return f"{measure.label} at {self.alpha:g}" if measure.uses_alpha else measure.label

    def to_dict(self) -> dict[str, object]:
        """``{"objective", "risk_measure", "points": [{risk, return, weights, ...}]}``."""
        points = [
            {
                "risk": float(self.risk[k]),
                "return": float(self.returns[k]),
                "weights": {str(c): float(v) for c, v in self.weights.iloc[k].items()},
                "risk_aversion": float(self.risk_aversion[k]),
                "converged": bool(self.converged[k]),
            }
            for k in range(len(self.risk))
        ]
        return {"objective": self.objective, "risk_measure": self.risk_label, "points": points}

    def to_frame(self) -> pd.DataFrame:
        """One row per point: ``risk``, ``return``, ``risk_aversion``, ``converged``."""
        return pd.DataFrame(
            {
                "risk": self.risk,
                "return": self.returns,
                "risk_aversion": self.risk_aversion,
                "converged": self.converged,
            }
        )


def portfolio_risk(
    objective: str, x: np.ndarray, alpha: float = 0.95, measure: str | None = None
) -> np.ndarray:
    """The frontier's risk of portfolio returns ``x`` (T, K): shape (K,).

    ``sqrt(252) * std`` (population) for ``"mean-variance"``, the daily historical CVaR
    of the losses ``-x`` at ``alpha`` for ``"cvar"``; ``measure``'s stated value when one
    is given (a utility frontier).
    """
    axis = _risk_measure(objective, measure)
    return axis.stated_value(np.asarray(x, dtype=np.float64), alpha)


def _risk_measure(objective: str, measure: str | None = None) -> RiskMeasure:
    """The stated measure of ``objective``'s frontier (its risk axis): ``measure`` when
    given, else the objective's own ``frontier_measure``."""
    return get_measure(measure or objective_class(objective).frontier_measure)


def _axis(impl: PortfolioObjective) -> RiskMeasure:
    """The risk axis of the frontier of objective ``impl``: its ``frontier_measure``, or
    the measure a utility is written over."""
    return get_measure(impl.frontier_measure or impl.measure)


def frontier_objective(measure: str) -> str:
    """The registered objective whose frontier has ``measure`` on its risk axis.

    Raises
    ------
    ConfigError
        When no objective's frontier is stated in that measure (one line, with those that are).
    """
    wanted = get_measure(measure).name
    for cls in OBJECTIVE_CLASSES:
        if cls.frontier_measure == wanted:
            return cls.name
    axes = sorted({c.frontier_measure for c in OBJECTIVE_CLASSES if c.frontier_measure})
    raise ConfigError(f"no frontier is stated in {wanted!r}; frontiers: {', '.join(axes)}")


def _raises_risk(impl: PortfolioObjective) -> bool:
    """Whether the risk grows with the frontier's parameter (a return weight)."""
    return impl.parameter_raises_risk


def _risk_grid(
    impl: PortfolioObjective, low: tuple[float, float], high: tuple[float, float], points: int
) -> np.ndarray:
    """The per-point parameters (K,) from the ends ``(risk, mean return)`` (daily units).

    ``low`` is the minimum-risk end, ``high`` the maximum-return end; see the module
    docstring for the models (a utility, with no ``frontier_measure``, takes the one
    quadratic in the return). Points past the ends' model (equal ends) fall back to a
    geometric grid of one decade each way.
    """
    (r_m, m_m), (r_t, m_t) = low, high
    d_mean, d_risk2 = m_t - m_m, r_t**2 - r_m**2
    frac = np.linspace(0.0, 1.0, points)
    if d_mean <= 0 or d_risk2 <= 0:  # the max-return portfolio is the min-risk one
        return np.geomspace(1e3, 1e-1, points) if not _raises_risk(impl) else np.zeros(points)
    if impl.frontier_measure is None:  # utility: g = sqrt(c) / (2 sqrt(rho - rho_m))
        frac[0] = MIN_RISK_OFFSET
        c = d_mean**2 / (r_t - r_m)
        return np.sqrt(c) / (2.0 * np.sqrt(frac * (r_t - r_m)))
    c = d_mean**2 / d_risk2
    if _raises_risk(impl):
        rho = r_m + frac * (r_t - r_m)
        return np.sqrt((rho**2 - r_m**2) / c) / rho
    frac[0] = MIN_RISK_OFFSET
    var = (r_m + frac * (r_t - r_m)) ** 2
    return np.sqrt(c / (var - r_m**2))


@dataclass(frozen=True)
class _Ends:
    """The frontier's ends: ``(risk, mean)`` in daily units of the minimum-risk (``low``)
    and the maximum-return (``high``) portfolios, their weights (N,), and the SGD steps
    and certificate of the minimum-risk solve (0 and True for an exact QP)."""

    low: tuple[float, float]
    high: tuple[float, float]
    w_low: np.ndarray
    w_top: np.ndarray
    steps: int
    converged: bool


def _ends(task: Task, returns: pd.DataFrame, path: QuadraticPath | None = None) -> _Ends:
    """The minimum-risk end (an exact QP where ``path`` is given, else one solve) and the
    maximum-return end (the constraint set's linear oracle)."""
    spec, constraints = task.spec, task.constraints
    if constraints.is_combinatorial:
        raise ConfigError("the frontier does not take max_assets/min_position")
    r = returns.to_numpy(dtype=np.float64)
    mu = r.mean(axis=0)
    low_spec = compose("min-risk", spec.impl.measure, alpha=spec.alpha)
    low = _exact_low(low_spec, path) if path is not None else None
    steps, converged = 0, True
    if low is None:
        low_task = task.variant(spec=low_spec)
        solved = solve(low_task.prepared, constraints, task.config)
        low, steps, converged = solved.weights.to_numpy(), solved.steps, solved.converged
    oracle = constraints.bind([str(c) for c in returns.columns]).linear_oracle(r.shape[1])
    top = oracle.minimize(-torch.from_numpy(mu)).numpy()
    x = r @ np.stack([low, top]).T  # (T, 2)
    daily = _axis(spec.impl).numpy_value(x, spec.alpha)
    lo, hi = (float(daily[0]), float(mu @ low)), (float(daily[1]), float(mu @ top))
    return _Ends(lo, hi, low, top, int(steps), bool(converged))


def _exact_low(low_spec: ObjectiveSpec, path: QuadraticPath) -> np.ndarray | None:
    """The minimum-risk end as one exact QP on the path's moments, or None (its
    objective has no quadratic model, or the QP is not verified)."""
    if not hasattr(low_spec.impl, "quadratic_model"):
        return None
    param = float(getattr(low_spec, low_spec.impl.per_run_parameter))
    points = exact_points(path, np.array([param]), low_spec.impl)
    return points.weights[0] if bool(points.converged[0]) else None


def _calibrated_grid(
    task: Task,
    run: PointRun,
    returns: pd.DataFrame,
    low: tuple[float, float],
    high: tuple[float, float],
    points: int,
) -> np.ndarray:
    """Per-point parameters (K,) evenly spread in risk between the ends.

    A pilot batched run over ``2 K`` geometrically spaced parameters (the range of the
    model grid of :func:`_risk_grid`, extended one decade past its ends) measures risk
    against ``log lam``; the K parameters interpolate it at evenly spaced target risks.
    """
    spec = task.spec
    impl, axis = spec.impl, _axis(spec.impl)
    model = _risk_grid(impl, low, high, points)
    positive = model[model > 0]
    if positive.size < 2:
        return model
    if _raises_risk(impl):  # risk grows with lam_r, falls with lam: pilot in risk order
        pilot = np.geomspace(positive.min() / 10.0, positive.max() * 10.0, 2 * points)
    else:
        pilot = np.geomspace(positive.max() * 10.0, positive.min() / 10.0, 2 * points)
    x = returns.to_numpy(dtype=np.float64) @ run(pilot).weights.T
    risk = np.maximum.accumulate(axis.stated_value(x, spec.alpha))
    risk, first = np.unique(risk, return_index=True)  # the first pilot at each risk
    r_m, r_t = axis.annualise(low[0]), axis.annualise(high[0])
    targets = np.linspace(max(r_m, risk[0]), min(r_t, risk[-1]), points)
    lams = np.exp(np.interp(targets, risk, np.log(pilot[first])))
    if _raises_risk(impl):
        lams[0] = 0.0  # the exact minimum-CVaR end
    return lams


EXACT_MIN_OFFSET = 1e-6
"""The exact frontier's first point lies this fraction of the variance range above the
minimum (the minimum itself needs ``lam = inf``)."""
TOP_TRIES = 40
"""Quarterings of the last risk aversion of an exact frontier, at most (40: a factor 1e24)."""
TOP_TOLERANCE = 1e-12
"""Relative shortfall of the last point's mean return from the maximum that counts as
reaching it."""
SPREAD_ROUNDS = 2
"""Extra batched runs that re-aim the points when their risks are unevenly spread."""
SPREAD_TOLERANCE = 0.5
"""Largest accepted deviation of a gap between neighbouring risks from the even gap,
as a fraction of the even gap."""


def _unevenness(risk: np.ndarray) -> float:
    """max |gap - even gap| / even gap of the points' risks in risk order (0: even)."""
    r = np.sort(np.asarray(risk, dtype=np.float64))
    even = (r[-1] - r[0]) / max(len(r) - 1, 1)
    if not even > 0:
        return 0.0
    return float(np.abs(np.diff(r) - even).max() / even)


def _respaced(
    impl: PortfolioObjective, seen: list[tuple[np.ndarray, np.ndarray]], risk: np.ndarray
) -> np.ndarray | None:
    """Parameters aimed at evenly spaced risks between the current ends, interpolated in
    ``log lam`` over every (lam, risk) pair measured so far; None when already even."""
    if _unevenness(risk) <= SPREAD_TOLERANCE:
        return None
    lam = np.concatenate([np.asarray(a, dtype=np.float64) for a, _ in seen])
    rk = np.concatenate([np.asarray(b, dtype=np.float64) for _, b in seen])
    keep = lam > 0
    if keep.sum() < 2:
        return None
    lam, rk = lam[keep], rk[keep]
    order = np.argsort(rk, kind="stable")
    rk, first = np.unique(rk[order], return_index=True)
    log_lam = np.log(lam[order][first])
    if not _raises_risk(impl):  # risk falls as lam grows: keep the monotone envelope
        log_lam = np.minimum.accumulate(log_lam)
    else:
        log_lam = np.maximum.accumulate(log_lam)
    targets = np.linspace(float(np.min(risk)), float(np.max(risk)), len(risk))
    out = np.exp(np.interp(targets, rk, log_lam))
    if _raises_risk(impl):
        out[0] = 0.0  # the exact minimum-CVaR end
    return out


def _spread_run(
    task: Task, run: PointRun, returns: pd.DataFrame, lams: np.ndarray, alpha: float
) -> tuple[FrontierPoints, np.ndarray, np.ndarray]:
    """The points at parameters ``lams`` (K,), re-aimed up to :data:`SPREAD_ROUNDS`
    times at evenly spread risks: ``(points, portfolio returns (T, K), risks (K,))``."""
    axis = _axis(task.spec.impl)
    batch = run(lams)
    x = returns.to_numpy(dtype=np.float64) @ batch.weights.T
    risk = axis.stated_value(x, alpha)
    seen = [(batch.parameters, risk)]
    for _ in range(SPREAD_ROUNDS):  # bounds and caps bend risk(lam): re-aim uneven points
        again = _respaced(task.spec.impl, seen, risk)
        if again is None:
            break
        retry = run(again)
        x_new = returns.to_numpy(dtype=np.float64) @ retry.weights.T
        risk_new = axis.stated_value(x_new, alpha)
        seen.append((retry.parameters, risk_new))
        span, span_new = np.ptp(risk), np.ptp(risk_new)
        if _unevenness(risk_new) < _unevenness(risk) and span_new >= 0.9 * span:
            batch, x, risk = retry, x_new, risk_new
    return batch, x, risk


def _reaching_top(
    run: PointRun, lams: np.ndarray, mu: np.ndarray, top_mean: float
) -> tuple[np.ndarray, np.ndarray]:
    """The model grid (K,) with its last (smallest) risk aversion lowered until its
    exact point has the maximum return (the frontier's end, a vertex reached at a
    finite ``lam``; a quarter a try, at most :data:`TOP_TRIES` tries), and that point's
    weights (N,)."""
    lams = np.asarray(lams, dtype=np.float64).copy()
    for _ in range(TOP_TRIES):
        top = run(lams[-1:]).weights[0]
        if float(top @ mu) >= top_mean - TOP_TOLERANCE * abs(top_mean):
            break
        lams[-1] *= 0.25
    return lams, top


def _exact_frontier(
    path: QuadraticPath,
    low: tuple[float, float],
    high: tuple[float, float],
    w_low: np.ndarray,
    points: int,
) -> FrontierPoints:
    """The K exact points evenly spread in volatility between the ends (daily
    ``(risk, mean)``; the first :data:`EXACT_MIN_OFFSET` of the variance range above the
    minimum)
    along the critical lines of the mean-variance QP (:func:`.frontier_points.even_points`)."""
    impl = path.task.spec.impl
    run: PointRun = functools.partial(exact_points, path)
    with single_blas_thread():
        lams, top = _reaching_top(run, _risk_grid(impl, low, high, points), path.mu, high[1])
    targets = (low[0] + np.linspace(0.0, 1.0, points) * (high[0] - low[0])) ** 2
    targets[0] += EXACT_MIN_OFFSET * (targets[-1] - targets[0])  # a finite lam
    targets[-1] = float(top @ path.sigma @ top)  # the top as the path's own vertex
    return even_points(path, w_low, lams, targets)


def _frontier_spec(objective: str, measure: str | None) -> ObjectiveSpec:
    """The spec whose frontier is traced: ``objective`` alone (one with a
    ``frontier_measure``), or the utility ``objective`` over ``measure``.

    Raises
    ------
    ConfigError
        For an objective with no frontier, or a measure given to one that is no utility.
    """
    if measure is None:
        if objective not in FRONTIER_OBJECTIVES:
            raise ConfigError(
                f"frontier objective must be one of {', '.join(FRONTIER_OBJECTIVES)} "
                f"(or {Utility.name} with a measure), got {objective!r}"
            )
        return ObjectiveSpec(objective)
    if objective_class(objective) is not Utility:
        raise ConfigError(
            f"a frontier over measure {measure!r} runs objective {Utility.name!r}, "
            f"got {objective!r}"
        )
    return ObjectiveSpec(Utility.name, measure=get_measure(measure).name)


def efficient_frontier(
    returns: pd.DataFrame,
    objective: str = "mean-variance",
    points: int = 20,
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    *,
    alpha: float = 0.95,
    measure: str | None = None,
) -> FrontierResult:
    """The efficient frontier of ``points`` portfolios (exact QPs, or one batched run).

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
        Daily simple returns, one column per ticker.
    objective : {"mean-variance", "cvar", "utility"}
        Mean-variance (risk: annualised volatility), mean-CVaR (risk: daily CVaR), or
        (with ``measure``) the utility ``mean - g * measure`` (risk: the measure).
    points : int, default 20
        K >= 2 points, from the minimum-risk to the maximum-return portfolio.
    constraints : Constraints, optional
        Default: long-only, fully invested.
    config : EngineConfig, optional
        Default :data:`FRONTIER_CONFIG` (no preconditioning).
    alpha : float, default 0.95
        CVaR level (measures that take one only).
    measure : str, optional
        A registered measure (or alias): the frontier of the utility over it, its risk
        axis the measure's stated value (``objective`` must be ``"utility"``).

    Returns
    -------
    FrontierResult
    """
    base = _frontier_spec(objective, measure)
    if int(points) < 2:
        raise ConfigError(f"a frontier needs at least 2 points, got {points}")
    if not isinstance(returns, pd.DataFrame):
        returns = pd.DataFrame(np.asarray(returns, dtype=np.float64))
    axis = _axis(base.impl)
    spec, constraints, config = resolve_settings(
        base,
        constraints,
        config or FRONTIER_CONFIG,
        alpha=alpha if axis.uses_alpha else None,
    )
    task = Task(returns, spec, constraints, config)
    r = returns.to_numpy(dtype=np.float64)
    path = None if _raises_risk(spec.impl) else quadratic_path(task, r)
    ends = _ends(task, returns, path)
    exact = _exact_or_none(task, path, r, ends, int(points))
    if exact is not None:  # exact QPs or LPs: no pilot, no re-aiming
        batch, x = exact, r @ exact.weights.T
        risk = axis.stated_value(x, alpha)
    else:
        run = functools.partial(sgd_points, task)
        lams = _calibrated_grid(task, run, returns, ends.low, ends.high, int(points))
        batch, x, risk = _spread_run(task, run, returns, lams, alpha)
    return _result(spec, returns, batch, x, risk, alpha, ends.steps + batch.steps)


def _exact_or_none(
    task: Task, path: QuadraticPath | None, r: np.ndarray, ends: _Ends, points: int
) -> FrontierPoints | None:
    """The exact points: QPs along the critical lines (``path`` given), LPs of an LP
    measure (:func:`_lp_frontier`), or None (the batched SGD runs)."""
    if path is not None:
        return _exact_frontier(path, ends.low, ends.high, ends.w_low, points)
    return _lp_frontier(task, r, ends, points)


def _lp_frontier(task: Task, r: np.ndarray, ends: _Ends, points: int) -> FrontierPoints | None:
    """The K points of an LP measure's frontier, exact, where the engine chose the
    measure's whole-data LP for the minimum-risk end (``steps == 0`` by counted work, or a
    measure whose finish is that LP from any start): the minimum-risk end itself, then one
    capped whole-data LP (:func:`.frontier_points.lp_points`) at each of the K - 1 caps
    evenly spaced in daily risk up to the maximum-return end's. None (the SGD path) where
    the rule keeps the loop, the finish is off, the set has no linear form or an LP is not
    exact. Each point's parameter is its objective's: ``lam_r = 1 / nu`` (a return
    weight), ``g = nu`` (a risk aversion), ``nu`` the cap's multiplier."""
    impl, measure = task.spec.impl, _axis(task.spec.impl)
    if not (measure.has_capped_finish and whole_data_chosen(measure, ends.steps)):
        return None
    if not (task.config.cvar_polish and ends.converged):
        return None
    try:
        feasible = task.constraints.bind([str(c) for c in task.returns.columns]).linear_oracle(
            r.shape[1]
        )
    except ConfigError:
        return None
    if working_pattern(feasible, np.zeros(r.shape[1])) is None:
        return None  # trading terms: the SGD path
    caps = np.linspace(ends.low[0], max(ends.high[0], ends.low[0]), points)[1:]
    rest = lp_points(measure, r, feasible, task.spec.alpha, ends.w_low, caps)
    if rest is None:
        return None
    nu = np.maximum(rest.parameters, 0.0)
    with np.errstate(divide="ignore"):  # nu = 0 (the top): lam_r = inf
        params = 1.0 / nu if _raises_risk(impl) else nu
    first = 0.0 if _raises_risk(impl) else np.inf
    return FrontierPoints(
        weights=np.vstack([ends.w_low[None, :], rest.weights]),
        parameters=np.concatenate([[first], params]),
        converged=np.concatenate([[True], rest.converged]),
        seconds=rest.seconds,
    )


def _result(
    spec: ObjectiveSpec,
    returns: pd.DataFrame,
    batch: FrontierPoints,
    x: np.ndarray,
    risk: np.ndarray,
    alpha: float,
    steps: int = 0,
) -> FrontierResult:
    """The points in risk order (whatever order the, possibly split, runs came back in)."""
    axis = _axis(spec.impl)
    r = returns.to_numpy(dtype=np.float64)
    order = np.lexsort((x.mean(axis=0), risk))
    x = x[:, order]
    return FrontierResult(
        objective=spec.impl.name,
        alpha=float(alpha),
        weights=pd.DataFrame(batch.weights[order], columns=returns.columns),
        risk=risk[order],
        returns=TRADING_DAYS * x.mean(axis=0),
        risk_aversion=batch.parameters[order],
        converged=batch.converged[order],
        asset_risk=pd.Series(axis.stated_value(r, alpha), index=returns.columns),
        asset_returns=pd.Series(TRADING_DAYS * r.mean(axis=0), index=returns.columns),
        wall_time=float(batch.seconds),
        measure=spec.measure,
        steps=int(steps),
    )
