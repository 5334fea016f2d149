"""LP measures on everyday sizes: the whole-data LP before the first step, and a limit on an
LP measure as one capped LP, against cvxpy + HiGHS on the same LPs written independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure

cp = pytest.importorskip("cvxpy")

BETA = 0.95
REL = 1e-8
PANELS = ["sp500", pytest.param("us50", marks=pytest.mark.slow)]


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    """sp500's first 600 days (20 assets) and 250 days of 50 us-stocks."""
    sp = load_returns(dataset="sp500").iloc[:600]
    us = load_returns(dataset="us-stocks-2500")
    full = us.columns[us.notna().all().to_numpy()]
    return {"sp500": sp, "us50": us.loc[:, full[:50]].iloc[:250].astype(np.float64)}


def _risk(name: str, r: np.ndarray, w: object) -> tuple[object, list]:
    """The measure's LP epigraph in cvxpy (written here, not the package's form)."""
    t_len = r.shape[0]
    x = r @ w
    if name == "mad":
        d = cp.Variable(t_len, nonneg=True)
        centred = (r - r.mean(axis=0)) @ w
        return cp.sum(d) / t_len, [d >= centred, d >= -centred]
    z, d = cp.Variable(), cp.Variable(t_len, nonneg=True)
    if name == "cvar":
        return z + cp.sum(d) / ((1 - BETA) * t_len), [d >= -x - z]
    path = np.cumsum(r, axis=0) @ w
    u = cp.Variable(t_len)
    rows = [u >= path, u[1:] >= u[:-1], u >= 0, d >= u - path - z]
    return z + cp.sum(d) / ((1 - BETA) * t_len), rows


def _cvxpy(name: str, r: np.ndarray, level: float | None = None) -> np.ndarray:
    """min-risk (``level`` None) or max-return under ``risk <= level``, long-only."""
    w = cp.Variable(r.shape[1])
    risk, rows = _risk(name, r, w)
    rows += [cp.sum(w) == 1, w >= 0]
    if level is None:
        problem = cp.Problem(cp.Minimize(risk), rows)
    else:
        problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), [*rows, risk <= level])
    problem.solve(solver="HIGHS")
    return np.asarray(w.value)


def _value(measure: object, r: np.ndarray, w: np.ndarray) -> float:
    """The measure's exact value at ``w`` (N,)."""
    return float(np.ravel(measure.numpy_value((r @ w)[:, None]))[0])


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("name", ["cdar", "cvar", "mad"])
def test_min_risk_finishes_before_the_first_step(panels, panel: str, name: str) -> None:
    returns = panels[panel]
    r = returns.to_numpy()
    res = optimize(returns, "min-risk", measure=name, seed=0)
    assert res.steps == 0
    assert res.converged
    measure = get_measure(name)
    ours = _value(measure, r, res.weights.to_numpy())
    peer = _value(measure, r, _cvxpy(name, r))
    assert ours <= peer * (1 + REL)
    assert res.optimality_gap <= REL * abs(ours)


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("name", ["cdar", "cvar"])
def test_a_limit_on_an_lp_measure_is_one_capped_lp(panels, panel: str, name: str) -> None:
    returns = panels[panel]
    r = returns.to_numpy()
    measure = get_measure(name)
    low = _value(measure, r, _cvxpy(name, r))
    top = np.eye(r.shape[1])[np.argmax(r.mean(axis=0))]
    level = low + 0.3 * (_value(measure, r, top) - low)
    res = optimize(returns, "max-return", limit=(name, level), seed=0)
    w = res.weights.to_numpy()
    mu = r.mean(axis=0)
    peer = float(mu @ _cvxpy(name, r, level))
    assert res.risk_limit.stop_reason.endswith("exact finish")
    assert _value(measure, r, w) <= level
    assert float(mu @ w) >= peer - REL * abs(peer)
    assert res.optimality_gap <= REL * abs(peer)
    assert res.converged


def test_the_rule_keeps_sgd_where_the_lp_is_large() -> None:
    """Counted work, not size: the CVaR window LP from the SGD iterate where the whole
    data's LP would cost more than the loop's first stage (4000 x 20: (T + N) T N)."""
    rng = np.random.default_rng(0)
    r = pd.DataFrame(rng.standard_t(4, size=(4000, 20)) * 0.01)
    res = optimize(r, "min-risk", measure="cvar", seed=0)
    assert res.steps > 0
    assert res.converged


def test_the_benchmark_rows_score_ours_against_the_same_lp() -> None:
    """``benchmarks/everyday_lp.py``: each row is timed and scored; ours within 1e-8."""
    from benchmarks import everyday
    from benchmarks.everyday_lp import lp_cases

    rng = np.random.default_rng(1)
    data = 0.0005 + rng.normal(0, 0.01, size=(300, 5)) * np.linspace(0.5, 2, 5)
    small = pd.DataFrame(data, columns=[f"A{i}" for i in range(5)])
    cases = lp_cases("small", small, False, everyday.Case)
    assert [c.name.split(",")[0] for c in cases] == ["min-CDaR", "min-CVaR", "max return"]
    for case in cases:
        row = everyday.run_case(case, repeats=1)
        assert row["ours"]["gap"] <= REL and row["ours"]["violation"] <= 1e-10
        assert abs(row["cvxpy+HiGHS"]["gap"]) <= 1e-6
