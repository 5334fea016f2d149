"""Tail and drawdown measures (CDaR, max drawdown, ...): values against skfolio, optima
against independent cvxpy models on real panels, under min-risk, utility, a limit, the
frontier, the skfolio estimator and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cp = pytest.importorskip("cvxpy")
skm = pytest.importorskip("skfolio.measures")

from portfolio_sgd import optimize  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.errors import ConfigError  # noqa: E402
from portfolio_sgd.measures.registry import get_measure  # noqa: E402
from portfolio_sgd.objectives import ObjectiveSpec  # noqa: E402

DRAWDOWN_MEASURES = [
    "cdar",
    "max-drawdown",
    "average-drawdown",
    "worst-realization",
    "evar",
    "ulcer-index",
]


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    """Three real panels, a few hundred days each."""
    stocks = load_returns(dataset="us-stocks-2500", start="2016-01-01")
    return {
        "sp500": load_returns(dataset="sp500").iloc[-600:],
        "ff49": load_returns(dataset="ff49-daily", start="2019-06-01"),
        "us-stocks": stocks.iloc[:, ::83],
    }


def _skfolio_value(name: str, x: np.ndarray, alpha: float) -> float:
    """skfolio's own value of the measure of portfolio returns ``x`` (T,)."""
    dd = skm.get_drawdowns(x, compounded=False)
    return {
        "cdar": lambda: skm.cdar(dd, beta=alpha),
        "max-drawdown": lambda: skm.max_drawdown(dd),
        "average-drawdown": lambda: skm.average_drawdown(dd),
        "worst-realization": lambda: skm.worst_realization(x),
        "evar": lambda: skm.evar(x, beta=alpha),
        "ulcer-index": lambda: skm.ulcer_index(dd),
    }[name]()


def _cvxpy_risk(name: str, w, r: np.ndarray, alpha: float) -> tuple[object, list]:
    """An independent cvxpy model of the measure (running peaks ``u``), in data units."""
    if name == "worst-realization":
        return cp.max(-r @ w), []
    if name == "evar":  # z log E exp(-x / z) <= s  <=>  sum_t z exp((-x_t - s) / z) <= T z
        s, z, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(r.shape[0])
        cone = cp.constraints.ExpCone(-r @ w - s, z * np.ones(r.shape[0]), u)
        return s - z * np.log1p(-alpha), [cone, cp.sum(u) <= r.shape[0] * z]
    c = np.cumsum(r, axis=0)
    u = cp.Variable(r.shape[0])
    peaks = [u >= c @ w, u >= 0, u[1:] >= u[:-1]]
    dd = u - c @ w
    if name == "max-drawdown":
        return cp.max(dd), peaks
    if name == "average-drawdown":
        return cp.sum(dd) / r.shape[0], peaks
    if name == "ulcer-index":
        return cp.norm(dd, 2) / np.sqrt(r.shape[0]), peaks
    z = cp.Variable()
    return z + cp.sum(cp.pos(dd - z)) / ((1 - alpha) * r.shape[0]), peaks


def _cvxpy_min(name: str, r: np.ndarray, alpha: float, g: float | None = None) -> float:
    """``min rho`` (``g``: ``min g rho - mu.w``) over the simplex: HiGHS for the LPs, Clarabel
    for EVaR's exponential cones and the Ulcer SOCP, on returns of unit RMS (the measures
    are positively homogeneous)."""
    k = 1.0 / np.sqrt(np.mean(r * r))
    w = cp.Variable(r.shape[1])
    risk, rows = _cvxpy_risk(name, w, k * r, alpha)
    goal = risk if g is None else g * risk - k * r.mean(axis=0) @ w
    problem = cp.Problem(cp.Minimize(goal), [*rows, cp.sum(w) == 1, w >= 0])
    problem.solve(solver="CLARABEL" if name in ("evar", "ulcer-index") else "HIGHS")
    return float(problem.value) / k


@pytest.mark.parametrize("name", DRAWDOWN_MEASURES)
def test_values_equal_skfolio_on_fixed_weights(name: str, panels) -> None:
    measure = get_measure(name)
    for r in panels.values():
        rng = np.random.default_rng(3)
        w = rng.dirichlet(np.ones(r.shape[1]), size=3).T
        x = r.to_numpy() @ w
        for alpha in (0.9, 0.95):
            mine = measure.numpy_value(x, alpha)
            theirs = [_skfolio_value(name, x[:, k], alpha) for k in range(3)]
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)
            total, parts = measure.contributions(r.to_numpy(), w[:, 0], alpha)
            assert total == pytest.approx(mine[0], rel=1e-12)
            assert parts.sum() == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize(
    "name",
    [
        m if m in ("cdar", "evar") else pytest.param(m, marks=pytest.mark.slow)
        for m in DRAWDOWN_MEASURES
    ],
)
@pytest.mark.parametrize(
    "panel",
    [
        "sp500",
        pytest.param("ff49", marks=pytest.mark.slow),
        pytest.param("us-stocks", marks=pytest.mark.slow),
    ],
)
def test_min_risk_matches_cvxpy_and_is_certified(name: str, panel: str, panels) -> None:
    r = panels[panel]
    res = optimize(r, ObjectiveSpec("min-risk", measure=name))
    ref = _cvxpy_min(name, r.to_numpy(), 0.95)
    mine = float(get_measure(name).numpy_value(r.to_numpy() @ res.weights.to_numpy())[0])
    assert res.converged and res.relative_gap_bound <= 1e-3
    assert abs(mine - ref) <= 1e-3 * abs(ref), (mine, ref)
    assert res.objective_value == pytest.approx(mine, rel=1e-9)


@pytest.mark.parametrize(
    "name",
    [
        m if m in ("cdar", "evar") else pytest.param(m, marks=pytest.mark.slow)
        for m in DRAWDOWN_MEASURES
    ],
)
def test_utility_matches_cvxpy(name: str, panels) -> None:
    r = panels["sp500"]
    g = 0.05
    res = optimize(r, ObjectiveSpec("utility", measure=name, risk_aversion=g))
    w = res.weights.to_numpy()
    rn = r.to_numpy()
    mine = g * float(get_measure(name).numpy_value(rn @ w)[0]) - rn.mean(axis=0) @ w
    ref = _cvxpy_min(name, rn, 0.95, g)
    assert res.converged
    assert abs(mine - ref) <= 1e-3 * abs(ref), (mine, ref)


def test_a_cdar_limit_matches_cvxpy(panels) -> None:
    r = panels["ff49"]
    rn = r.to_numpy()
    floor = _cvxpy_min("cdar", rn, 0.95)
    level = 1.5 * floor
    res = optimize(r, "max-return", limit=("cdar", level))
    w = res.weights.to_numpy()
    wv = cp.Variable(rn.shape[1])
    risk, rows = _cvxpy_risk("cdar", wv, 100.0 * rn, 0.95)
    mu = rn.mean(axis=0)
    limit = [*rows, risk <= 100.0 * level, cp.sum(wv) == 1, wv >= 0]
    problem = cp.Problem(cp.Maximize(mu @ wv), limit)
    problem.solve(solver="HIGHS")
    assert get_measure("cdar").numpy_value(rn @ w)[0] <= level * (1 + 1e-9)
    assert mu @ w >= problem.value - 1e-3 * abs(problem.value)


def test_the_frontier_skfolio_estimator_and_cli_take_cdar(panels, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from portfolio_sgd.cli.main import main
    from portfolio_sgd.skfolio import SGDMeanRisk
    from portfolio_sgd.solvers.frontier import efficient_frontier

    r = panels["sp500"].iloc[-300:]
    ref = _cvxpy_min("max-drawdown", r.to_numpy(), 0.95)
    model = SGDMeanRisk(risk_measure="MAX_DRAWDOWN").fit(r)
    assert get_measure("mdd").numpy_value(r.to_numpy() @ model.weights_)[0] <= ref * (1 + 1e-3)
    front = efficient_frontier(r, "utility", points=3, measure="cdar")
    assert front.converged.all() and np.all(np.diff(front.risk) >= -1e-12)
    path = tmp_path / "r.csv"
    r.rename_axis("date").to_csv(path)
    args = ["optimize", "--returns", str(path), "--objective", "min-risk", "--measure", "cdar"]
    out = CliRunner().invoke(main, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    weights = json.loads(out.stdout)["weights"]
    w = np.array([weights[c] for c in r.columns])
    cdar = get_measure("cdar").numpy_value(r.to_numpy() @ w)[0]
    assert cdar <= _cvxpy_min("cdar", r.to_numpy(), 0.95) * (1 + 1e-3)


def test_row_weighted_runs_are_refused_in_one_line(panels) -> None:
    r = panels["sp500"].iloc[-200:]
    with pytest.raises(ConfigError, match="non-smooth max-drawdown with row-weighted runs"):
        optimize(r, ObjectiveSpec("min-risk", measure="mdd"), half_life=60)


def test_trading_costs_are_refused_in_one_line(panels) -> None:
    from portfolio_sgd.constraints import Constraints

    r = panels["sp500"].iloc[-200:]
    costs = Constraints(transaction_costs=0.001, previous_weights=np.full(r.shape[1], 0.05))
    with pytest.raises(ConfigError, match="no optimality certificate for cdar with trading costs"):
        optimize(r, ObjectiveSpec("min-risk", measure="cdar"), constraints=costs)


SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    ("member", "name", "beta"),
    [
        ("CDAR", "cdar", {"cdar_beta": 0.9}),
        pytest.param("EVAR", "evar", {"evar_beta": 0.9}, marks=SLOW),
        pytest.param("ULCER_INDEX", "ulcer-index", {}, marks=SLOW),
        pytest.param("WORST_REALIZATION", "worst-realization", {}, marks=SLOW),
        pytest.param("AVERAGE_DRAWDOWN", "average-drawdown", {}, marks=SLOW),
    ],
)
def test_sgd_mean_risk_matches_skfolio_mean_risk(
    member: str, name: str, beta: dict, panels
) -> None:
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk

    from portfolio_sgd.skfolio import SGDMeanRisk

    r = panels["sp500"].iloc[-300:]
    measure = getattr(RiskMeasure, member)
    ours = SGDMeanRisk(risk_measure=measure, **beta).fit(r)
    theirs = MeanRisk(risk_measure=measure, **beta).fit(r)
    alpha = next(iter(beta.values()), 0.95)
    value = get_measure(name).numpy_value(
        r.to_numpy() @ np.c_[ours.weights_, theirs.weights_], alpha
    )
    assert ours.result_.converged
    assert value[0] <= value[1] * (1 + 1e-6), value
    assert value[0] >= value[1] * (1 - 1e-3), value


@pytest.mark.parametrize(
    "name",
    [m if m in ("cdar", "ulcer-index") else pytest.param(m, marks=SLOW) for m in DRAWDOWN_MEASURES],
)
def test_the_measures_cvxpy_forms_give_the_exact_reference(name: str, panels) -> None:
    from portfolio_sgd.reference.exact import solve_exact

    r = panels["sp500"].iloc[-300:].to_numpy()
    exact = solve_exact("min-risk", r, measure=name)
    assert exact.value == pytest.approx(
        get_measure(name).numpy_value(r @ exact.weights)[0], rel=1e-9
    )
    assert exact.value == pytest.approx(_cvxpy_min(name, r, 0.95), rel=1e-5)
