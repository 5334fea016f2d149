"""SGD's stationary noise next to the data's bootstrap noise.

The predicted stationary spread is checked against a closed form (two assets, plain SGD),
its 1/m scaling exactly, and against the measured spread of many independent SGD runs on
a small real problem; the verdict must flip as m grows on a constructed case.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd import Constraints, EngineConfig, ObjectiveSpec, optimize, optimize_many
from portfolio_sgd.cli import main
from portfolio_sgd.engine.prepare import prepare_data
from portfolio_sgd.engine.stationary import stationary_covariance
from portfolio_sgd.reference.exact import solve_exact
from portfolio_sgd.solvers.noise_comparison import compare_noise, negligible_batch_size


def test_two_asset_plain_sgd_matches_the_closed_form_and_scales_as_one_over_m() -> None:
    h = np.array([[3.0, 0.5], [0.5, 1.0]])
    c = np.array([[2.0, -0.3], [-0.3, 0.7]])
    eta, m = 0.05, 8
    sigma = stationary_covariance(h, c, np.array([True, True]), eta, m)
    # the tangent coordinate s of delta = s e, e = (1, -1)/sqrt(2): an AR(1)
    e = np.array([1.0, -1.0]) / np.sqrt(2.0)
    rho, q = 1.0 - eta * (e @ h @ e), eta**2 * (e @ c @ e) / m
    var_s = q / (1.0 - rho**2)
    np.testing.assert_allclose(sigma, var_s * np.outer(e, e), rtol=1e-10, atol=1e-16)
    for momentum, nesterov in [(0.0, False), (0.9, True), (0.5, False)]:
        kw = dict(momentum=momentum, nesterov=nesterov, metric=np.array([2.0, 0.5]))
        one = stationary_covariance(h, c, np.ones(2, bool), eta, 1, **kw)
        four = stationary_covariance(h, c, np.ones(2, bool), eta, 4, **kw)
        np.testing.assert_allclose(four, one / 4.0, rtol=1e-9, atol=1e-18)


def test_negligible_batch_size_is_the_smallest_m_below_ten_percent() -> None:
    # variance v1/m with replacement: total sd 1.0 at m = 10 -> v1 = 10
    m = negligible_batch_size(1.0, 2.0, 10, 100_000, replacement=True)
    assert m == 250  # 10 / m <= 0.04
    assert negligible_batch_size(1.0, 2.0, 10, 100, replacement=True) == 100  # capped at T
    # without replacement: v(m) = v1 T/(T-1) (1/m - 1/T)
    t, v1 = 1000, 10.0
    m = negligible_batch_size(np.sqrt(v1 * t / (t - 1) * (1 / 10 - 1 / t)), 2.0, 10, t, False)
    v = lambda k: v1 * t / (t - 1) * (1 / k - 1 / t)  # noqa: E731
    assert v(m) <= 0.04 + 1e-12 < v(m - 1)


@pytest.fixture(scope="module")
def small(sp500_returns) -> pd.DataFrame:
    """Six stocks, 1500 days: five of them held at the optimum."""
    return sp500_returns.iloc[-1500:, :6]


def test_predicted_spread_matches_measured_spread_of_iterates(small) -> None:
    cfg = EngineConfig(
        lr=0.06,
        batch_size=1024,
        batch_schedule="constant",
        tol=None,
        steps=600,
        restart=False,
        seed=1,
        cvar_polish=False,
    )  # the engine's momentum (Nesterov 0.9) and preconditioner; the SGD
    # iterates themselves (the exact finish, on by default, would make every run exact)
    runs = optimize_many(small, "min-variance", config=cfg, repeats=128, certify_runs=False)
    measured = runs.weights.to_numpy().std(axis=0, ddof=1)
    w_star = solve_exact("min-variance", small.to_numpy()).weights
    problem = prepare_data(small, ObjectiveSpec("min-variance"), Constraints(), cfg).problem
    se = pd.Series(np.full(6, 0.01), index=small.columns)
    noise = compare_noise(problem, cfg, w_star, 0.06, se)
    free = w_star > 1e-6
    assert free.sum() == 5 and noise.sgd_sd[~free].eq(0).all()
    ratio = noise.sgd_sd.to_numpy()[free] / measured[free]
    assert np.all((ratio > 0.75) & (ratio < 1.33)), ratio  # 128 runs: sd known to ~6%
    total = np.sqrt((measured**2).sum())
    assert noise.sgd_total == pytest.approx(total, rel=0.15)


def test_verdict_flips_as_the_batch_grows(small) -> None:
    w_star = solve_exact("min-variance", small.to_numpy()).weights
    se = pd.Series(np.full(6, 0.02), index=small.columns)
    verdicts = {}
    for m in (16, 1024):
        cfg = EngineConfig(lr=0.03, batch_size=m)
        problem = prepare_data(small, ObjectiveSpec("min-variance"), Constraints(), cfg).problem
        verdicts[m] = compare_noise(problem, cfg, w_star, 0.03, se)
    assert verdicts[16].dominant == "sgd" and verdicts[1024].dominant == "data"
    assert verdicts[16].ratio / verdicts[1024].ratio == pytest.approx(8.0, rel=1e-6)
    m_star = verdicts[16].negligible_batch_size
    cfg = EngineConfig(lr=0.03, batch_size=m_star)
    problem = prepare_data(small, ObjectiveSpec("min-variance"), Constraints(), cfg).problem
    assert compare_noise(problem, cfg, w_star, 0.03, se).ratio <= 0.1 + 1e-12
    assert verdicts[16].ratio * np.sqrt(16 / (m_star - 1)) > 0.1


def test_error_bars_carry_the_comparison_in_api_json_and_table(small) -> None:
    result = optimize(small, "min-variance", seed=0, bootstrap=20, batch_size=64)
    noise = result.error_bars.noise
    assert noise is not None and noise.batch_size == 64
    # finished exactly before a first step: no step size was computed for the run, so
    # the comparison uses the one its steps would have taken (the same run, stepping)
    assert result.steps == 0 and result.lr is None
    stepped = optimize(
        small, "min-variance", seed=0, config=EngineConfig(batch_size=64, early_finish=False)
    )
    assert stepped.steps > 0 and noise.lr == stepped.lr
    assert noise.data_se.equals(result.error_bars.weights_se)
    # the default run ends in the exact QP finish: the note says its weights carry no SGD noise
    assert result.polished and "finished exactly" in noise.note and "batch grew" not in noise.note
    no_finish = EngineConfig(cvar_polish=False)
    stepped = optimize(small, "min-variance", seed=0, bootstrap=4, batch_size=64, config=no_finish)
    assert not stepped.polished and "batch grew" in stepped.error_bars.noise.note  # geometric
    assert "finished exactly" not in stepped.error_bars.noise.note
    adam = optimize(
        small, "min-variance", seed=0, bootstrap=4, steps=50, config=EngineConfig(optimizer="adam")
    )
    assert adam.error_bars.noise is None and "Adam" in adam.error_bars.noise_note
    recent = optimize(small, "min-variance", seed=0, bootstrap=4, half_life=250.0, batch_size=64)
    assert recent.error_bars.noise is not None and recent.error_bars.noise.sgd_total > 0
    args = [
        "optimize",
        "--objective",
        "min-variance",
        "--dataset",
        "sp500",
        "--tickers",
        "AAPL,JNJ,KO,PG,XOM,WMT",
        "--start",
        "2019-01-01",
        "--bootstrap",
        "10",
    ]
    out = CliRunner().invoke(main, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)["noise"]
    assert set(payload["sgd_sd"]) == {"AAPL", "JNJ", "KO", "PG", "XOM", "WMT"}
    assert payload["dominant"] in ("sgd", "data") and payload["negligible_batch_size"] >= 1
    table = CliRunner().invoke(main, args).stdout
    assert "SGD sd" in table and "SGD vs data noise" in table
