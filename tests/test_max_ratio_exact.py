"""Max-ratio in one exact Charnes-Cooper program (issues 25, 26): the Sharpe QP on the
covariance and the LP of a tail measure, against cvxpy's Charnes-Cooper programs
(Clarabel at tight tolerances for the Sharpe ratio, HiGHS for the CVaR ratio) and
skfolio's ``MeanRisk(objective_function=MAXIMIZE_RATIO)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.constraints.oracle import FeasibleSet
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.kernels.qp_finish import covariance_of
from portfolio_sgd.measures.kernels.ratio_qp import charnes_cooper_qp
from portfolio_sgd.objectives.composition import compose
from portfolio_sgd.results import RatioReport
from portfolio_sgd.solvers.ratio_exact import LP_METHOD, exact_ratio

cp = pytest.importorskip("cvxpy", reason="cvxpy is the independent reference")

RF = 1e-4
CASES = ["plain", "cap", "groups", "rf"]


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2019-01-01")


def _groups(returns: pd.DataFrame) -> tuple[dict[str, str], list[str], np.ndarray, np.ndarray]:
    """Three groups (``i mod 3``) with the first capped at 0.1: memberships, the cap as
    ``--linear`` text, and the row ``A w <= b`` for cvxpy."""
    tickers = [str(c) for c in returns.columns]
    groups = {t: f"G{i % 3}" for i, t in enumerate(tickers)}
    a = np.array([[1.0 if groups[t] == "G0" else 0.0 for t in tickers]])
    return groups, ["G0 <= 0.1"], a, np.array([0.1])


def _setting(returns: pd.DataFrame, case: str) -> tuple[Constraints, float, dict]:
    """Our constraints, ``rf`` and the cvxpy reference's extra rows for one case."""
    if case == "cap":
        return Constraints(max_weight=0.2), 0.0, {"cap": 0.2}
    if case == "groups":
        groups, linear, a, b = _groups(returns)
        return Constraints(groups=groups, linear=linear), 0.0, {"a": a, "b": b}
    return Constraints(), (RF if case == "rf" else 0.0), {}


def reference(returns: pd.DataFrame, measure: str, rf: float, **rows: object) -> float:
    """The best ratio by cvxpy's Charnes-Cooper program (budget 1, long only)."""
    r = returns.to_numpy()
    t_len, n = r.shape
    y = cp.Variable(n, nonneg=True)
    k = cp.sum(y)
    cons = [(r.mean(axis=0) - rf) @ y == 1]
    if "cap" in rows:
        cons.append(y <= rows["cap"] * k)
    if "a" in rows:
        cons.append(rows["a"] @ y <= rows["b"] * k)
    if measure == "volatility":
        risk = cp.norm((r - r.mean(axis=0)) / math.sqrt(t_len) @ y)
        opts = {"solver": cp.CLARABEL, "tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11}
    else:
        t = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        cons.append(z >= -r @ y - t)
        risk = t + cp.sum(z) / (0.05 * t_len)
        opts = {"solver": cp.HIGHS}
    cp.Problem(cp.Minimize(risk), cons).solve(**opts)
    return 1.0 / float(risk.value)


def _solve(returns: pd.DataFrame, measure: str, case: str):
    constraints, rf, rows = _setting(returns, case)
    result = optimize(returns, compose("max-ratio", measure, risk_free_rate=rf), constraints)
    return result, reference(returns, measure, rf, **rows)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("measure", ["volatility", "cvar"])
def test_sp500_matches_charnes_cooper_in_one_program(sp500, measure, case) -> None:
    result, best = _solve(sp500, measure, case)
    report = result.reports.of(RatioReport)
    assert report.method.startswith("Charnes-Cooper")
    assert report.iterations == 1 and result.steps == 0
    assert report.ratio == pytest.approx(best, rel=1e-7 if measure == "volatility" else 1e-6)
    assert report.upper_bound >= best * (1 - 1e-7)  # a valid bound on the best ratio
    assert result.relative_gap_bound <= 1e-8 and result.converged
    w = result.weights.to_numpy()
    assert w.sum() == pytest.approx(1.0, abs=1e-9) and w.min() >= -1e-10
    if case == "cap":
        assert w.max() <= 0.2 + 1e-9


@pytest.mark.parametrize("case", CASES)
def test_us_stocks_sharpe_and_cvar_ratio(us_stocks_50, case) -> None:
    measure = "volatility" if case in ("plain", "groups") else "cvar"
    result, best = _solve(us_stocks_50, measure, case)
    report = result.reports.of(RatioReport)
    assert report.ratio == pytest.approx(best, rel=1e-6)
    assert report.upper_bound >= best * (1 - 1e-7)
    assert result.relative_gap_bound <= 1e-8 and result.converged


def test_kernel_with_floors_and_caps_matches_cvxpy() -> None:
    """Nonzero lower bounds (``xi = z + l k``) and caps that bind, on random data."""
    rng = np.random.default_rng(3)
    r = rng.normal(3e-4, 1e-2, size=(400, 12)) @ (np.eye(12) + 0.3 * rng.random((12, 12)))
    sigma, mu = covariance_of(r)
    lo, hi = np.full(12, 0.02), np.full(12, 0.25)
    polytope = FeasibleSet(12, lo, hi).polytope()
    sol = charnes_cooper_qp(sigma, mu, polytope)
    assert sol.exact
    y, k = cp.Variable(12), cp.Variable(nonneg=True)
    cons = [mu @ y == 1, cp.sum(y) == k, y >= lo * k, y <= hi * k]
    cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(sigma))), cons).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12
    )
    w = y.value / k.value

    def sharpe(v: np.ndarray) -> float:
        return float(mu @ v) / math.sqrt(float(v @ sigma @ v))

    assert sharpe(sol.weights) == pytest.approx(sharpe(w), rel=1e-8)
    assert sharpe(sol.weights) >= sharpe(w) * (1 - 1e-10)
    assert sol.weights.min() >= 0.02 - 1e-10 and sol.weights.max() <= 0.25 + 1e-10


def test_measure_without_a_program_is_left_to_dinkelbach(sp500) -> None:
    """Semi-deviation (a root measure, no LP epigraph) has no Charnes-Cooper program here:
    the exact route declines, and the solver runs Dinkelbach as before."""
    r = sp500.to_numpy()
    oracle = FeasibleSet(r.shape[1])
    vertex = np.eye(r.shape[1])[int(np.argmax(r.mean(axis=0)))]
    ratio = compose("max-ratio", "semi-deviation").impl
    assert exact_ratio(ratio, r, oracle, vertex) is None
    found = exact_ratio(compose("max-ratio", "worst-realization").impl, r, oracle, vertex)
    assert found is not None and found.method == LP_METHOD


@pytest.mark.parametrize("measure", ["volatility", "cvar"])
def test_skfolio_maximize_ratio_on_us_stocks(us_stocks_50, measure) -> None:
    pytest.importorskip("skfolio")
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    member = RiskMeasure.STANDARD_DEVIATION if measure == "volatility" else RiskMeasure.CVAR
    model = MeanRisk(
        objective_function=ObjectiveFunction.MAXIMIZE_RATIO,
        risk_measure=member,
        risk_free_rate=RF,
    )
    theirs = np.asarray(model.fit(us_stocks_50).weights_)
    spec = compose("max-ratio", measure, risk_free_rate=RF)
    ours = optimize(us_stocks_50, spec).weights.to_numpy()
    ratio = spec.impl.ratio
    r = us_stocks_50.to_numpy()
    assert ratio(r, ours)[0] >= ratio(r, theirs)[0] * (1 - 1e-6)
    assert ratio(r, ours)[0] == pytest.approx(ratio(r, theirs)[0], rel=1e-3)


@pytest.mark.slow
def test_long_short_cvar_ratio_is_certified_by_dinkelbach_from_the_lp(sp500) -> None:
    """Long-short without a leverage cap: the LP minorant is not positive on every vertex
    (no finite linear-fractional bound), so Dinkelbach, started at the LP's weights,
    certifies them; the ratio is still cvxpy's Charnes-Cooper optimum."""
    sp500 = sp500.iloc[-400:]
    r = sp500.to_numpy()
    t_len, n = r.shape
    cons = Constraints(min_weight=-0.2, max_weight=0.5, long_short=True)
    result = optimize(sp500, compose("max-ratio", "cvar"), cons, seed=0)
    report = result.reports.of(RatioReport)
    y, k, t = cp.Variable(n), cp.Variable(nonneg=True), cp.Variable()
    z = cp.Variable(t_len, nonneg=True)
    rows = [r.mean(axis=0) @ y == 1, cp.sum(y) == k, y >= -0.2 * k, y <= 0.5 * k]
    risk = t + cp.sum(z) / (0.05 * t_len)
    cp.Problem(cp.Minimize(risk), [*rows, z >= -r @ y - t]).solve(solver=cp.HIGHS)
    assert "Dinkelbach" in report.method
    assert report.ratio == pytest.approx(1.0 / float(risk.value), rel=1e-6)
    assert result.converged and result.relative_gap_bound <= 1e-8


def test_everyday_sharpe_peer_solves_the_same_problem(us_stocks_50) -> None:
    """The benchmark's cvxpy peer (``benchmarks/everyday.py``) and ours agree on the best
    long-only Sharpe ratio."""
    from benchmarks import everyday

    data = us_stocks_50.iloc[:, :15]
    r = data.to_numpy()
    theirs = everyday.cvxpy_sharpe_peer(data, tight=True)
    ours = optimize(data, "max-ratio").weights.to_numpy()

    def sharpe(w: np.ndarray) -> float:
        x = r @ w
        return float(x.mean() / x.std())

    assert sharpe(ours) == pytest.approx(sharpe(theirs), rel=1e-8)
    assert sharpe(ours) >= sharpe(theirs) * (1 - 1e-10)
