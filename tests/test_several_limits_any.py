"""Max-return under limits on any measures (the outer approximation), against cvxpy.

Independent cvxpy models written here from each measure's textbook definition: HiGHS for
the LP measures (MAD, CVaR, max drawdown, Gini), Clarabel for the cones (volatility and
tracking error as second-order cones, EVaR by the exponential cone, the Ulcer index as a
second-order cone over running peaks). Panels: sp500 (20 stocks) and a 40-stock slice of
us-stocks-2500. The returns agree within 1e-6 relative (1e-5 with an exponential cone:
Clarabel's own accuracy there) and every answer is certified (proven gap <= 1e-9).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

cp = pytest.importorskip("cvxpy")

from portfolio_sgd import optimize  # noqa: E402
from portfolio_sgd.cli.main import main  # noqa: E402
from portfolio_sgd.constraints.oracle import FeasibleSet  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.errors import ConfigError  # noqa: E402
from portfolio_sgd.limits.limit_term import measure_term, tracking_term  # noqa: E402
from portfolio_sgd.limits.outer_approximation import max_return_outer  # noqa: E402
from portfolio_sgd.measures.kernels.qp_finish import weight_polytope  # noqa: E402
from portfolio_sgd.measures.registry import get_measure  # noqa: E402

ALPHA = 0.95
TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
"""Clarabel's tolerances, tightened from its 1e-8 defaults."""


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    stocks = load_returns(dataset="us-stocks-2500").iloc[-250:]
    stocks = stocks.loc[:, stocks.notna().all()].iloc[:, :40]
    return {"sp500": load_returns(dataset="sp500").iloc[-250:], "stocks": stocks}


def _cvxpy_risk(name: str, x, r: np.ndarray) -> tuple[object, list]:  # noqa: ANN001
    """``(risk expression, rows)`` of portfolio returns ``x = r @ w`` (cvxpy)."""
    t_len = r.shape[0]
    if name == "mean-absolute-deviation":
        return cp.sum(cp.abs(x - cp.sum(x) / t_len)) / t_len, []
    if name == "cvar":
        z = cp.Variable()
        return z + cp.sum(cp.pos(-x - z)) / ((1 - ALPHA) * t_len), []
    if name == "volatility":
        return math.sqrt(252 / t_len) * cp.norm(x - cp.sum(x) / t_len), []
    if name == "gini-mean-difference":
        i, j = np.triu_indices(t_len, 1)
        return 2 * cp.sum(cp.abs(x[i] - x[j])) / (t_len * (t_len - 1)), []
    if name == "evar":
        s, z, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(t_len)
        rows = [cp.constraints.ExpCone(-x - s, z * np.ones(t_len), u), cp.sum(u) <= t_len * z]
        return s - z * math.log1p(-ALPHA), rows
    peaks = cp.Variable(t_len)
    path = cp.cumsum(x)
    rows = [peaks >= path, peaks >= 0, peaks[1:] >= peaks[:-1]]
    if name == "ulcer-index":
        return cp.norm(peaks - path) / math.sqrt(t_len), rows
    return cp.max(peaks - path), rows  # max-drawdown


def _reference(r: np.ndarray, limits: dict[str, float], conic: bool) -> float:
    """The cvxpy optimum, in percent units (every measure here is positively homogeneous;
    Clarabel's exponential cone needs returns of order one)."""
    r, limits = 100.0 * r, {n: 100.0 * v for n, v in limits.items()}
    w = cp.Variable(r.shape[1])
    rows = [cp.sum(w) == 1, w >= 0]
    for name, level in limits.items():
        expr, aux = _cvxpy_risk(get_measure(name).name, r @ w, r)
        rows += [*aux, expr <= level]
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), rows)
    if conic:
        problem.solve(solver="CLARABEL", **TIGHT)
    else:
        problem.solve(solver="HIGHS")
    assert problem.status == "optimal"
    return float(problem.value) / 100.0


def _levels(r: np.ndarray, fractions: dict[str, float]) -> dict[str, float]:
    """Each limit as a fraction of the equal-weight portfolio's risk (within, binding)."""
    x = (r @ np.full(r.shape[1], 1.0 / r.shape[1]))[:, None]
    return {n: f * float(get_measure(n).stated_value(x, ALPHA)[0]) for n, f in fractions.items()}


CASES = [
    ("sp500", {"mad": 1.0, "cvar": 0.97}, False, 1e-6),
    ("stocks", {"mad": 0.9, "cvar": 1.0}, False, 1e-6),
    ("sp500", {"evar": 1.0, "cvar": 0.95}, True, 1e-5),
    ("sp500", {"ulcer-index": 1.0, "max-drawdown": 1.0}, True, 1e-6),
    ("stocks", {"ulcer-index": 1.2, "max-drawdown": 1.0}, True, 1e-6),
    ("sp500", {"evar": 1.0}, True, 1e-5),
    ("sp500", {"ulcer-index": 1.0}, True, 1e-6),
]


@pytest.mark.parametrize(("panel", "fractions", "conic", "tol"), CASES)
def test_limits_match_cvxpy_and_are_certified(
    panels: dict[str, pd.DataFrame], panel: str, fractions: dict, conic: bool, tol: float
) -> None:
    returns = panels[panel]
    r = returns.to_numpy()
    levels = _levels(r, fractions)
    res = optimize(returns, "max-return", limits=levels)
    w = res.weights.to_numpy()
    ref = _reference(r, levels, conic)
    got = float(r.mean(axis=0) @ w)
    assert abs(got - ref) <= tol * abs(ref)
    assert res.relative_gap_bound <= 1e-9 and res.converged
    for name, level in levels.items():
        assert get_measure(name).stated_value((r @ w)[:, None], ALPHA)[0] <= level


def test_gini_and_volatility_on_a_short_history(panels: dict[str, pd.DataFrame]) -> None:
    returns = panels["sp500"].iloc[-100:]
    r = returns.to_numpy()
    levels = _levels(r, {"gini": 0.95, "volatility": 1.0})
    res = optimize(returns, "max-return", limits=levels)
    ref = _reference(r, levels, conic=True)
    got = float(r.mean(axis=0) @ res.weights.to_numpy())
    assert abs(got - ref) <= 1e-6 * abs(ref)
    assert res.relative_gap_bound <= 1e-9


@pytest.mark.slow
def test_tracking_error_against_equal_weight_and_cvar(panels: dict[str, pd.DataFrame]) -> None:
    r = panels["sp500"].to_numpy()
    n = r.shape[1]
    feasible = FeasibleSet(n)
    bench = r @ np.full(n, 1.0 / n)
    levels = _levels(r, {"cvar": 1.0})
    cvar = get_measure("cvar")
    terms = [
        tracking_term(0.04, r, bench),
        measure_term("cvar", levels["cvar"], r, ALPHA, feasible.polytope()),
    ]
    answer = max_return_outer(r.mean(axis=0), weight_polytope(feasible), terms)
    w = cp.Variable(n)
    x = r @ w
    active = x - bench
    rows = [cp.sum(w) == 1, w >= 0]
    rows.append(math.sqrt(252 / r.shape[0]) * cp.norm(active - cp.sum(active) / r.shape[0]) <= 0.04)
    expr, aux = _cvxpy_risk("cvar", x, r)
    rows += [*aux, expr <= levels["cvar"]]
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), rows)
    problem.solve(solver="CLARABEL", **TIGHT)
    assert abs(answer.value - problem.value) <= 1e-6 * abs(problem.value)
    assert answer.relative_gap <= 1e-6  # cutting planes on 20 held assets: slow to 1e-9
    assert math.sqrt(252) * np.std(r @ answer.weights - bench) <= 0.04
    assert cvar.stated_value((r @ answer.weights)[:, None], ALPHA)[0] <= levels["cvar"]


def test_limits_below_the_least_risk_are_one_config_error(
    panels: dict[str, pd.DataFrame],
) -> None:
    returns = panels["sp500"].iloc[-150:]
    levels = _levels(returns.to_numpy(), {"mad": 0.2, "evar": 0.2})
    with pytest.raises(ConfigError, match="no portfolio is within every limit") as caught:
        optimize(returns, "max-return", limits=levels)
    assert "\n" not in str(caught.value)


def test_the_cli_takes_an_evar_and_mad_pair_and_a_single_evar_limit() -> None:
    args = ["optimize", "--objective", "max-return", "--start", "2022-06-01", "--format", "json"]
    for extra in (["--max-evar", "0.04", "--max-mad", "0.012"], ["--limit", "evar=0.04"]):
        res = CliRunner().invoke(main, [*args, *extra])
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert "outer approximation" in json.dumps(out)
