"""Trading against holdings: the cost prox and turnover projection, accuracy, CLI, specs.

References: cvxpy + Clarabel for the prox/projection and for every optimum
(:func:`portfolio_sgd.reference.exact.solve_exact` with the cost term and turnover rows).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_sgd import Constraints, EngineConfig, optimize
from portfolio_sgd.backtest.strategies import parse_strategy
from portfolio_sgd.backtest.trading import trading_constraints
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import prox_trading
from portfolio_sgd.errors import ConfigError, InfeasibleConstraintError
from portfolio_sgd.reference.exact import solve_exact

cp = pytest.importorskip(
    "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def _cvxpy_prox(v, p, lo, hi, a, b, d, delta):  # noqa: ANN001, ANN202
    x = cp.Variable(v.shape[0])
    obj = 0.5 * cp.sum(cp.multiply(d, cp.square(x - v))) + a @ cp.abs(x - p)
    if b.any():
        obj = obj + b @ cp.power(cp.abs(x - p), 1.5)
    cons = [cp.sum(x) == 1, x >= lo, x <= hi]
    if delta is not None:
        cons.append(0.5 * cp.norm1(x - p) <= delta)
    cp.Problem(cp.Minimize(obj), cons).solve(solver="CLARABEL", **TIGHT)
    return np.asarray(x.value)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 12),
    costs=st.booleans(),
    impact=st.booleans(),
    metric=st.booleans(),
    capped=st.booleans(),
)
def test_prox_matches_cvxpy_and_is_feasible(seed, n, costs, impact, metric, capped) -> None:
    rng = np.random.default_rng(seed)
    v = rng.normal(1.0 / n, 0.3, size=(2, n))
    p = rng.dirichlet(np.ones(n)) * rng.uniform(0.5, 1.0)  # partial holdings (cash)
    hi = np.full(n, max(1.5 / n, rng.uniform(0.1, 1.0)))
    lo = np.zeros(n)
    lo[0] = min(0.02, 0.5 / n)
    a = rng.uniform(0, 0.2, n) if costs else np.zeros(n)
    b = rng.uniform(0, 0.2, n) if impact else np.zeros(n)
    d = rng.uniform(0.3, 3.0, n) if metric else np.ones(n)
    q = np.clip(p, lo, hi)
    least = 0.5 * (np.abs(q - p).sum() + abs(1 - q.sum()))
    delta = least + rng.uniform(0.0, 0.3) if capped else None
    t = torch.from_numpy
    w = prox_trading(
        t(v), t(p), t(lo), t(hi), a=t(a), b=t(b) if impact else None, d=t(d), delta=delta
    ).numpy()
    for k in range(2):
        viol = max(abs(w[k].sum() - 1), (lo - w[k]).max(), (w[k] - hi).max())
        if delta is not None:
            viol = max(viol, 0.5 * np.abs(w[k] - p).sum() - delta)
        assert viol <= 1e-9
        ref = _cvxpy_prox(v[k], p, lo, hi, a, b, d, delta)

        def f(x, row=v[k]):  # noqa: ANN001, ANN202
            return 0.5 * d @ (x - row) ** 2 + a @ np.abs(x - p) + b @ np.abs(x - p) ** 1.5

        assert f(w[k]) <= f(ref) + 1e-7  # (cvxpy's point is feasible only to ~1e-8)
        assert np.abs(w[k] - ref).max() <= 1e-4


def test_infeasible_turnover_fails_before_any_step(sp500_returns) -> None:
    held = {"AAPL": 1.0}
    with pytest.raises(InfeasibleConstraintError, match="max_turnover 0.1 < 0.8"):
        optimize(
            sp500_returns.iloc[-300:],
            "min-variance",
            Constraints(previous_weights=held, max_weight=0.2, max_turnover=0.1),
        )
    with pytest.raises(ConfigError, match="optimizer sgd"):
        optimize(
            sp500_returns.iloc[-300:],
            "min-variance",
            Constraints(transaction_costs=1e-4),
            EngineConfig(optimizer="adam"),
        )


def test_constraints_json_round_trip() -> None:
    c = Constraints(
        previous_weights={"AAPL": 0.5, "MSFT": 0.5},
        transaction_costs=np.array([1e-3, 2e-3]),
        market_impact=1e-3,
        max_turnover=0.2,
        max_asset_turnover={"AAPL": 0.1},
    )
    back = Constraints.from_dict(json.loads(json.dumps(c.to_dict())))
    assert back == c


PANELS = ["sp500_returns", "etf_mix_returns", "ff49_returns"]


def _relative_gap(value: float, exact: float) -> float:
    return (value - exact) / abs(exact)


@pytest.mark.slow
@pytest.mark.parametrize("panel", PANELS)
def test_min_variance_costs_change_the_answer_and_match_exact(panel: str, request) -> None:
    returns = request.getfixturevalue(panel).iloc[-500:]
    n = returns.shape[1]
    held = np.zeros(n)
    held[: n // 4] = 1.0 / (n // 4)
    cons = Constraints(previous_weights=held, transaction_costs=2e-5)
    aware = optimize(returns, "min-variance", cons, seed=0)
    blind = optimize(returns, "min-variance", seed=0).weights.to_numpy()
    exact = solve_exact("min-variance", returns, cons)
    w = aware.weights.to_numpy()
    assert _relative_gap(aware.objective_value, exact.value) <= 1e-4
    assert aware.converged
    assert np.abs(w - exact.weights).max() < 2e-3
    assert np.abs(w - blind).max() > 1e-2  # costs move the minimum-variance portfolio
    assert np.abs(w - held).max() > 1e-2  # ... but not all the way back to the holdings
    assert aware.trading["turnover"] < 0.5 * np.abs(blind - held).sum()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("objective", "extra", "bar"),
    [
        ("mean-variance", {"max_turnover": 0.15, "transaction_costs": 1e-4}, 1e-4),
        ("cvar", {"transaction_costs": 2e-4}, 1e-3),
        ("min-variance", {"max_turnover": 0.1, "max_asset_turnover": 0.05}, 1e-4),
        ("min-variance", {"transaction_costs": 1e-5, "market_impact": 1e-4}, 1e-4),
    ],
)
def test_objectives_with_costs_match_exact(sp500_returns, objective, extra, bar) -> None:
    returns = sp500_returns.iloc[-500:]
    n = returns.shape[1]
    held = np.full(n, 1.0 / n)
    cons = Constraints(previous_weights=held, **extra)
    res = optimize(returns, objective, cons, seed=0)
    exact = solve_exact(objective, returns, cons)
    assert _relative_gap(res.objective_value, exact.value) <= bar
    assert res.converged
    w = res.weights.to_numpy()
    assert cons.is_feasible(torch.from_numpy(w)[None], atol=1e-9).all()


def test_certificate_bounds_the_exact_optimum_from_a_rough_point(sp500_returns) -> None:
    returns = sp500_returns.iloc[-500:]
    held = np.zeros(returns.shape[1])
    held[:4] = 0.25
    cons = Constraints(previous_weights=held, transaction_costs=2e-5, max_turnover=0.3)
    rough = optimize(returns, "min-variance", cons, seed=0, steps=3)
    exact = solve_exact("min-variance", returns, cons)
    lower = rough.objective_value - rough.optimality_gap
    assert lower <= exact.value + 1e-12
    assert rough.objective_value >= exact.value - 1e-12


def _invoke(*args: str):  # noqa: ANN202
    return CliRunner().invoke(main, ["optimize", "--end", "2005-12-31", *args])


def test_cli_previous_weights_and_costs(tmp_path) -> None:
    held = tmp_path / "held.csv"
    held.write_text("ticker,weight\nAAPL,0.5\nMSFT,0.5\n")
    costs = tmp_path / "costs.csv"
    costs.write_text("AAPL,5\nMSFT,5\nKO,20\n")
    res = _invoke(
        "--objective",
        "min-variance",
        "--previous-weights",
        str(held),
        "--costs",
        str(costs),
        "--max-turnover",
        "0.4",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    w = np.array(list(out["weights"].values()))
    p = np.array([0.5 if t in ("AAPL", "MSFT") else 0.0 for t in out["weights"]])
    assert out["turnover"] == pytest.approx(0.5 * np.abs(w - p).sum(), abs=1e-12)
    assert out["turnover"] <= 0.4 + 1e-9
    assert out["constraints"]["transaction_costs"]["KO"] == pytest.approx(20e-4)
    c = np.array([out["constraints"]["transaction_costs"].get(t, 0.0) for t in out["weights"]])
    assert out["transaction_cost"] == pytest.approx(c @ np.abs(w - p), rel=1e-12)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ticker,weight\nNOPE,1.0\n", "unknown ticker(s) not in the returns: NOPE"),
        ("ticker,weight\nAAPL,abc\n", "'abc' of 'AAPL' is not a finite number"),
        ("AAPL,0.5,1\n", "expected two columns"),
        ("AAPL,0.5\nAAPL,0.5\n", "appears twice"),
    ],
)
def test_cli_bad_holdings_files(tmp_path, content: str, message: str) -> None:
    held = tmp_path / "held.csv"
    held.write_text(content)
    res = _invoke("--previous-weights", str(held), "--cost-bps", "10")
    assert res.exit_code == 1
    assert message in res.output


def test_cli_cost_options_conflict_and_missing_file(tmp_path) -> None:
    costs = tmp_path / "c.csv"
    costs.write_text("AAPL,5\n")
    res = _invoke("--cost-bps", "10", "--costs", str(costs))
    assert res.exit_code == 1 and "either --cost-bps or --costs" in res.output
    res = _invoke("--previous-weights", str(tmp_path / "missing.csv"))
    assert res.exit_code == 1 and "no such file" in res.output


def test_backtest_specs_with_cost_and_turnover() -> None:
    s = parse_strategy("sgd:min-variance:m=64:cost=10:turnover=0.1")
    assert (s.cost_bps, s.max_turnover, s.batch_size) == (10.0, 0.1, 64)
    assert parse_strategy("exact:min-variance:cost=50").cost_bps == 50.0
    with pytest.raises(ConfigError, match="bad value"):
        parse_strategy("sgd:min-variance:cost=abc")
    drifted = np.array([0.2, 0.3, 0.5])
    cons = trading_constraints(Constraints(), drifted, 10.0, 0.1)
    assert cons.previous_weights == (0.2, 0.3, 0.5)
    assert cons.transaction_costs == pytest.approx(1e-3) and cons.max_turnover == 0.1
    assert trading_constraints(Constraints(), None, 10.0, 0.1) == Constraints()  # from cash
