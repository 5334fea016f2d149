"""``optimize_with_limit``: the risk-limited optimum as an :class:`OptimizationResult`.

The search asks its caller for its engine runs (:class:`~.search.LimitRuns`): the
unconstrained optimum, the minimum-risk end and the batched multiplier rounds all run on
data prepared once (:class:`portfolio_sgd.solvers.risk_limit.RiskLimitSolver`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..constraints import Constraints
from ..constraints.mandate import budget_ends
from ..engine.config import EngineConfig
from ..errors import ConfigError, InfeasibleConstraintError, PortfolioSGDWarning
from ..measures.limit import RiskLimit
from ..measures.performance import cvar_and_var
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..objectives.registry import objective_class
from ..results import OptimizationResult, RiskLimitReport
from .exact import EXACT_FINISH, ExactFinish, exact_cap_finish, whole_data_limit
from .parametric import exact_volatility_limit
from .search import (
    COLLAPSED,
    TARGET_GAP,
    LimitRuns,
    _Point,
    _Search,
    family_bar,
    final_mix,
    relative_gap,
    run_round,
)

DEFAULT_POINTS = 8
"""Lagrangian runs per batched round."""
DEFAULT_ROUNDS = 8
"""Most rounds of the bracketing search."""


def optimize_with_limit(
    runs: LimitRuns,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    limit: RiskLimit,
    *,
    points: int = DEFAULT_POINTS,
    max_rounds: int = DEFAULT_ROUNDS,
) -> OptimizationResult:
    """Minimise ``spec``'s objective subject to ``limit`` (and ``constraints``).

    See :mod:`portfolio_sgd.limits.search` for the method. The result's weights meet the
    limit exactly (float64 evaluation); ``result.risk_limit`` reports the multiplier,
    whether the limit binds and how the search stopped; ``optimality_gap`` is the proven
    gap to the constrained optimum (weak duality), ``converged`` compares it with the
    Lagrangian family's accuracy bar.

    Parameters
    ----------
    runs : LimitRuns
        The engine runs on the prepared data (``runs.returns``: (T, N), float64).
    spec : ObjectiveSpec
        An objective that accepts ``limit`` (``max-return``; ``mean-variance`` with a
        volatility limit; ``cvar`` with a return weight and a CVaR limit).
    constraints : Constraints
    config : EngineConfig
    limit : RiskLimit
    points : int, default 8
        Multipliers per batched round (K).
    max_rounds : int, default 8

    Raises
    ------
    ConfigError
        The objective does not take this limit, or the limit is meaningless for it.
    InfeasibleConstraintError
        The limit is below the least risk achievable under ``constraints`` (the message
        states that minimum).
    """
    family = spec.impl.limit_family(limit.measure)
    constraints = constraints.bind([str(c) for c in runs.returns.columns])  # rows' names
    search = _Search(runs, spec, constraints, config, limit, family)
    unc = runs.single(None)
    search.add_cost(unc.steps, unc.samples_seen, unc.wall_time)
    w_unc = unc.weights.to_numpy(dtype=np.float64)
    risk_unc = float(search.risk(w_unc)[0])
    unc_bound = unc.objective_value - unc.optimality_gap
    if risk_unc <= limit.level:
        _check_attainable(search, constraints)
        report = _report(search, risk_unc, binds=False, stop="not binding", bound=unc_bound)
        return unc.with_reports(report)
    search.points.append(_Point(0.0, w_unc, risk_unc, unc_bound, family.parameter(0.0)))
    on_lines = exact_volatility_limit(search, w_unc)
    if on_lines is not None:  # the critical lines at the cap: no multiplier rounds
        f = search.objective(on_lines.weights)
        low_risk = min(p.risk for p in search.points)
        return _result(search, unc, on_lines.weights, f, EXACT_FINISH, low_risk, on_lines)
    one_lp = None if constraints.is_combinatorial else whole_data_limit(search, w_unc, unc.steps)
    if one_lp is not None:  # the capped whole-data LP: no multiplier rounds
        f = search.objective(one_lp.weights)
        return _result(search, unc, one_lp.weights, f, EXACT_FINISH, None, one_lp)  # type: ignore[arg-type]
    low = _minimum_risk(search)
    if constraints.is_combinatorial:  # the multiplier search runs convex batches only
        raise ConfigError(
            f"the risk limit ({limit.option}) binds here, and a binding risk limit does not "
            "combine with max_assets/min_position yet: raise the limit, or drop the "
            "cardinality settings"
        )
    return _rounds(search, unc, low, int(points), int(max_rounds))


def _rounds(
    search: _Search, unc: OptimizationResult, low: float, points: int, max_rounds: int
) -> OptimizationResult:
    """The multiplier rounds (an exact capped finish tried before each), to the result."""
    for _ in range(max_rounds):
        exact = exact_cap_finish(search)
        if exact is not None:
            f = search.objective(exact.weights)
            return _result(search, unc, exact.weights, f, EXACT_FINISH, low, exact)
        run_round(search, points)
        w, f, rel = final_mix(search)
        over, within = search.bracket()
        if rel <= TARGET_GAP:
            stop = "certified"
            break
        if over.nu > 0 and within.nu / over.nu - 1.0 < COLLAPSED:
            stop = "bracket collapsed"
            break
    else:
        stop = "max rounds"
    return _result(search, unc, w, f, stop, low, rel=rel)


def _minimum_risk(search: _Search) -> float:
    """Solve the minimum-risk end (``nu = inf``); an error if the limit is below it."""
    limit = search.limit
    measure = get_measure(limit.measure)
    alpha = {"alpha": search.spec.alpha} if measure.uses_alpha else {}
    own = (
        {"measure": measure.name}
        if objective_class(measure.minimum_objective).takes_measure
        else {}
    )
    low_spec = ObjectiveSpec(
        measure.minimum_objective, **alpha, **own, **measure.minimum_parameters
    )
    low = search.runs.single(low_spec)
    search.add_cost(low.steps, low.samples_seen, low.wall_time)
    w = low.weights.to_numpy(dtype=np.float64)
    risk = float(search.risk(w)[0])
    if risk > limit.level:
        # certified, in the minimum objective's units (variance, CVaR): as stated
        floor = measure.stated_from_value(low.objective_value - low.optimality_gap)
        raise InfeasibleConstraintError(
            f"{limit.option} {limit.level:g} is below the minimum achievable {limit.label} "
            f"{risk:.6g} under these constraints (certified >= {floor:.6g})"
        )
    search.points.append(_Point(math.inf, w, risk, -math.inf, None))
    return risk


def _report(
    search: _Search,
    risk: float,
    *,
    binds: bool,
    stop: str,
    bound: float,
    minimum: float | None = None,
    nu: float | None = None,
) -> RiskLimitReport:
    """The :class:`RiskLimitReport` of the search's current state (``nu``: a known
    multiplier, e.g. the exact finish's LP dual; else interpolated in the bracket)."""
    fam, limit = search.family, search.limit
    known = nu
    nu, penalty, bracket = 0.0, fam.parameter(0.0) if not fam.scaled else None, (0.0, 0.0)
    if binds:
        nu = limit_multiplier(search) if known is None else known
        over, within = search.bracket()
        penalty, bracket = fam.parameter(nu), (over.nu, within.nu)
    multiplier = fam.shadow_price(fam.parameter(nu), limit.level) if binds else 0.0
    return RiskLimitReport(
        measure=limit.measure,
        limit=limit.level,
        alpha=search.spec.alpha if get_measure(limit.measure).uses_alpha else None,
        risk=risk,
        slack=limit.level - risk,
        binds=binds,
        multiplier=multiplier,
        penalty=penalty,
        penalty_name=objective_class(fam.objective).per_run_parameter,
        bracket=bracket,
        lower_bound=bound,
        minimum_risk=minimum,
        rounds=search.rounds,
        runs=sum(1 for p in search.points if p.penalty is not None and p.nu > 0),
        stop_reason=stop,
    )


def limit_multiplier(search: _Search) -> float:
    """The optimum's Lagrangian multiplier ``nu``, interpolated inside the bracket.

    Between the runs just over and just within the limit, ``log nu`` is interpolated
    linearly in risk at the limit (the risk falls as ``nu`` grows); at an open end of
    the bracket (``nu = 0`` or ``inf``) the finite end is returned.
    """
    over, within = search.bracket()
    if over.nu <= 0.0 or math.isinf(within.nu):
        return within.nu if math.isfinite(within.nu) else over.nu
    span = over.risk - within.risk
    frac = (over.risk - search.limit.level) / span if span > 0 else 0.5
    return math.exp(math.log(over.nu) + frac * math.log(within.nu / over.nu))


def _result(
    search: _Search,
    unc: OptimizationResult,
    w: np.ndarray,
    f: float,
    stop: str,
    minimum: float,
    exact: ExactFinish | None = None,
    *,
    rel: float = 0.0,
) -> OptimizationResult:
    """The final :class:`OptimizationResult`: the mix, its proven gap, the search's cost.

    ``exact``: the exact finish's answer (``w``), its multiplier and bound (a verified LP
    optimum: gap 0); ``rel`` the search's relative gap otherwise.
    """
    if exact is None:
        bound = max(p.bound for p in search.points)
    else:
        bound = f if exact.bound is None else exact.bound
        rel = relative_gap(search, w, f, bound)
    risk = float(search.risk(w)[0])
    nu = exact.multiplier if exact else None
    report = _report(search, risk, binds=True, stop=stop, bound=bound, minimum=minimum, nu=nu)
    gap = max(f - bound, 0.0)
    x = search.r @ w
    var_level = None
    if search.spec.impl.has_var_level:
        var_level = float(cvar_and_var(-x, search.spec.alpha)[1])
    n_rows = search.r.shape[0]
    return unc.with_reports(
        report,
        weights=pd.Series(w, index=unc.weights.index),
        objective_value=f,
        history=unc.history.iloc[0:0],
        steps=search.steps,
        samples_seen=search.samples,
        epochs=search.samples / n_rows,
        wall_time=search.wall_time,
        stop_reason=f"risk limit: {stop}",
        var_level=var_level,
        optimality_gap=gap,
        relative_gap_bound=rel,
        converged=bool(rel <= family_bar(search)),
        certificate_method=(
            f"{exact.method} ({exact.account})"
            if exact
            else "Lagrangian dual bound (weak duality over the multiplier runs)"
        ),
    )


def attainable_risk_bound(search: _Search, constraints: Constraints) -> float:
    """An upper bound on the limited risk of any feasible portfolio.

    Volatility and CVaR are subadditive and positively homogeneous, so
    ``risk(w) <= sum_i |w_i| risk(sign(w_i) e_i) <= G max_i max(risk(e_i), risk(-e_i))``
    with ``G`` the largest gross exposure the bounds and leverage cap allow (1 long-only).
    """
    n = search.r.shape[1]
    eye = np.eye(n)
    worst = float(np.max(search.risk(eye)))
    lo, hi = float(np.min(constraints.min_weight)), float(np.max(constraints.max_weight))
    if lo >= 0:  # long-only: the gross exposure is the budget (1 unless a mandate says)
        return worst * max(1.0, budget_ends(constraints)[1])
    worst = max(worst, float(np.max(search.risk(-eye))))
    gross = n * max(abs(lo), abs(hi))
    if constraints.max_leverage is not None:
        gross = min(gross, float(constraints.max_leverage))
    return worst * gross


def _check_attainable(search: _Search, constraints: Constraints) -> None:
    """Warn (one line) when a limit is above every attainable risk, so cannot bind; a
    level >= 1 there reads as a percent (18 for 18%) and the warning says so. A warning,
    not an error: a deliberately loose limit is a valid request."""
    limit = search.limit
    top = attainable_risk_bound(search, constraints)
    if limit.level <= top:
        return
    percent = (
        f"; limits are fractions: for {limit.level:g}% write {limit.option} {limit.level / 100:g}"
        if limit.level >= 1.0
        else ""
    )
    warnings.warn(
        f"{limit.option} {limit.level:g} is above the {limit.label} of any portfolio here "
        f"(at most {top:.4g}), so it cannot bind{percent}",
        PortfolioSGDWarning,
        stacklevel=2,
    )
