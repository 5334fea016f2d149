"""Bootstrap error bars: row-weighted runs, resampling indices, the CLI, calibration."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.engine import RunGrid, run_engine
from portfolio_sgd.engine.prepare import prepare_data
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.estimation.bootstrap import (
    auto_block_length,
    resample_counts,
    stationary_indices,
)
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.reference.exact import objective_value, solve_exact


def _synthetic(n_rows: int, n_assets: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factor = rng.normal(0.0, 0.01, size=(n_rows, 1))
    return (
        0.0004
        + factor * rng.uniform(0.5, 1.5, n_assets)
        + rng.normal(0.0, 0.01, size=(n_rows, n_assets)) * rng.uniform(0.6, 1.4, n_assets)
    )


def _engine(returns: np.ndarray, objective: str, config: EngineConfig, grid: RunGrid):
    spec = ObjectiveSpec(objective)
    prepared = prepare_data(returns, spec, Constraints(), config)
    return run_engine(prepared.problem, config, grid, ())


@pytest.mark.parametrize("objective", ["min-variance", "mean-variance", "kelly"])
def test_uniform_row_weights_reproduce_unweighted_runs(objective: str) -> None:
    # T < 8 N: no moment matrix; fixed steps: both runs take the same mini-batch path
    returns = _synthetic(150, 30, 0)
    config = EngineConfig(seed=3, steps=300, tol=None, batch_size=32)
    plain = _engine(returns, objective, config, RunGrid(batch_sizes=(32, 32)))
    ones = np.ones((2, returns.shape[0]))
    weighted = _engine(returns, objective, config, RunGrid(batch_sizes=(32, 32), row_weights=ones))
    np.testing.assert_allclose(weighted.weights.numpy(), plain.weights.numpy(), atol=1e-10)
    np.testing.assert_allclose(weighted.objective.numpy(), plain.objective.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("objective", "n_rows"), [("min-variance", 800), ("mean-variance", 800), ("kelly", 800)]
)
def test_weighted_runs_match_exact_on_explicitly_resampled_data(
    objective: str, n_rows: int
) -> None:
    returns = _synthetic(n_rows, 8, 1)
    rng = np.random.default_rng(5)
    counts = resample_counts(stationary_indices(n_rows, 3, 5.0, rng), n_rows)
    config = EngineConfig(seed=0)
    out = _engine(returns, objective, config, RunGrid(batch_sizes=(256,) * 3, row_weights=counts))
    for k in range(3):
        data = np.repeat(returns, counts[k].astype(int), axis=0)  # the resample itself
        exact = solve_exact(objective, data, Constraints())
        w = out.weights[k].numpy()
        value = float(objective_value(objective, data, w))
        assert (value - exact.value) / abs(exact.value) <= 1e-4
        assert float(out.objective[k]) == pytest.approx(value, rel=1e-9, abs=1e-15)
        np.testing.assert_allclose(w, exact.weights, atol=2e-3)


def test_stationary_indices_length_and_block_structure() -> None:
    rng = np.random.default_rng(0)
    n_rows = 5000
    idx = stationary_indices(n_rows, 40, 10.0, rng)
    assert idx.shape == (40, n_rows) and idx.min() >= 0 and idx.max() < n_rows
    follows = (np.diff(idx, axis=1) % n_rows) == 1  # the next row of the same block
    # a block ends with probability 1/L (and continues by chance with prob. 1/T)
    assert 1.0 - follows.mean() == pytest.approx(0.1, abs=0.01)
    iid = stationary_indices(n_rows, 40, 1.0, rng)
    assert ((np.diff(iid, axis=1) % n_rows) == 1).mean() < 0.002
    counts = resample_counts(idx, n_rows)
    assert counts.shape == (40, n_rows) and np.all(counts.sum(axis=1) == n_rows)
    np.testing.assert_array_equal(counts[3], np.bincount(idx[3], minlength=n_rows))
    with pytest.raises(ConfigError):
        stationary_indices(n_rows, 10, 0.5, rng)


def test_auto_block_length_grows_with_dependence() -> None:
    rng = np.random.default_rng(1)
    iid = rng.normal(size=4000)
    vol = np.exp(np.convolve(rng.normal(size=4100), np.ones(100) / 10.0, "valid")[:4000])
    clustered = rng.normal(size=4000) * vol
    assert auto_block_length(iid) < 3.0 < auto_block_length(clustered) <= np.sqrt(4000)


def test_error_bars_and_resampled_portfolio(sp500_returns) -> None:
    cons = Constraints(max_weight=0.3)
    res = optimize(sp500_returns, "min-variance", cons, bootstrap=40, block_length=1, seed=0)
    bars = res.error_bars
    assert bars is not None and bars.n_resamples == 40 and bars.block_length == 1.0
    boot = bars.bootstrap_weights.to_numpy()
    np.testing.assert_allclose(bars.weights_se.to_numpy(), boot.std(axis=0, ddof=1))
    assert np.all(bars.weights_lo <= bars.weights_hi) and np.all(bars.p_held.between(0, 1))
    assert bars.annual_volatility[0] < bars.annual_volatility[1]
    michaud = optimize(sp500_returns, "min-variance", cons, resample=True, bootstrap=40, seed=0)
    w = michaud.weights.to_numpy()
    np.testing.assert_allclose(w, michaud.error_bars.bootstrap_weights.mean(axis=0), atol=1e-12)
    # the average of feasible portfolios is feasible: the set is convex
    assert w.sum() == pytest.approx(1.0, abs=1e-9) and w.min() >= -1e-12 and w.max() <= 0.3 + 1e-9
    assert michaud.objective_value >= res.objective_value


def test_cli_json_has_error_bar_keys() -> None:
    args = ["optimize", "--objective", "min-variance", "--error-bars", "--bootstrap", "20"]
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("weights_se", "weights_lo", "weights_hi", "p_held"):
        assert set(payload[key]) == set(payload["weights"])
    for key in ("objective_interval", "annual_return_interval", "annual_volatility_interval"):
        assert len(payload[key]) == 2 and payload[key][0] <= payload[key][1]
    table = CliRunner().invoke(main, args, catch_exceptions=False).stdout
    assert " ± " in table and "[5%, 95%]" in table and "bootstrap           20" in table


def test_row_weights_refuse_cvar() -> None:
    returns = _synthetic(200, 5, 2)
    with pytest.raises(ConfigError, match="row weights"):
        _engine(returns, "cvar", EngineConfig(), RunGrid((32,), row_weights=np.ones((1, 200))))


@pytest.mark.slow  # 2 x 16 bootstrapped runs of 60 resamples: the statistics need them all
def test_calibration_against_independent_histories() -> None:
    from benchmarks.bootstrap_calibration import calibrate

    table = calibrate(n_histories=16, n_resamples=60, seed=0)
    for row in table:
        assert 0.7 <= row["median_ratio"] <= 1.4, row


def _weighted_exact(returns: np.ndarray, c: np.ndarray, risk_aversion: float | None) -> np.ndarray:
    """Long-only, fully invested optimum of the c-weighted (mean 1) problem by cvxpy."""
    import cvxpy as cp

    n_rows, n_assets = returns.shape
    mean = c @ returns / n_rows
    scale = 1e4  # returns of order 1e-2: scaled for the solver
    fac = np.sqrt(c / n_rows)[:, None] * (returns - mean) * np.sqrt(scale)
    w = cp.Variable(n_assets)
    risk = cp.sum_squares(fac @ w)
    goal = risk if risk_aversion is None else -scale * mean @ w + 0.5 * risk_aversion * risk
    cp.Problem(cp.Minimize(goal), [cp.sum(w) == 1, w >= 0]).solve(solver="CLARABEL")
    return np.asarray(w.value)


@pytest.mark.parametrize(("objective", "lam"), [("min-variance", None), ("mean-variance", 20.0)])
def test_half_life_matches_weighted_exact_reference(objective: str, lam: float | None) -> None:
    from portfolio_sgd.estimation.bootstrap import recency_weights

    returns = _synthetic(1500, 8, 4)
    c = recency_weights(1500, 250.0)
    assert c.mean() == pytest.approx(1.0) and c[-1] / c[-251] == pytest.approx(2.0)
    res = optimize(returns, objective, risk_aversion=lam, half_life=250.0, seed=0)
    np.testing.assert_allclose(res.weights.to_numpy(), _weighted_exact(returns, c, lam), atol=2e-4)
    plain = optimize(returns, objective, risk_aversion=lam, seed=0).weights.to_numpy()
    assert np.abs(plain - res.weights.to_numpy()).max() > 1e-3  # the weighting matters
    # the certificate of the weighted objective: converged, and it bounds the true gap
    exact = _weighted_exact(returns, c, lam)
    assert res.converged and res.relative_gap_bound <= 1e-4
    true_gap = _weighted_value(returns, c, res.weights.to_numpy(), lam) - _weighted_value(
        returns, c, np.clip(exact, 0, None) / np.clip(exact, 0, None).sum(), lam
    )
    assert true_gap <= res.optimality_gap + 1e-12


def _weighted_value(
    returns: np.ndarray, c: np.ndarray, w: np.ndarray, risk_aversion: float | None
) -> float:
    """The c-weighted objective, written out: weighted variance (and mean) of ``R w``."""
    x = returns @ w
    mean = float(c @ x / len(x))
    variance = float(c @ (x - mean) ** 2 / len(x))
    return variance if risk_aversion is None else -mean + 0.5 * risk_aversion * variance


def test_cli_half_life_and_resample() -> None:
    args = ["optimize", "--objective", "min-variance", "--format", "json", "--half-life", "500"]
    result = CliRunner().invoke(main, [*args, "--resample", "--bootstrap", "10"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["half_life"] == 500 and payload["resampled"] is True
    assert sum(payload["weights"].values()) == pytest.approx(1.0, abs=1e-9)
