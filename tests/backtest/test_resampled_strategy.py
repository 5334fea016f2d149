"""Estimation-error strategies in the backtest: ``resample=``, ``hl=``, ``shrinkage=``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import optimize
from portfolio_sgd.backtest import parse_strategy, run_backtest
from portfolio_sgd.errors import ConfigError


def test_spec_parameters_reach_the_strategy() -> None:
    s = parse_strategy("sgd:min-variance:resample=50:block=1:hl=63:shrinkage=oas")
    assert (s.resample, s.block_length, s.half_life) == (50, 1.0, 63.0)
    assert s.spec.shrinkage == "oas"
    for bad, match in [
        ("exact:min-variance:resample=10", "unknown parameter"),
        ("sgd:min-variance:block=2", "'block' needs 'resample'"),
        ("sgd:min-variance:resample=1", "resample must be >= 2"),
        ("sgd:cvar:shrinkage=oas", "shrinkage applies to min-variance"),
    ]:
        with pytest.raises(ConfigError, match=match):
            parse_strategy(bad)


def test_resampled_strategy_trades_the_michaud_average(sp500_short: pd.DataFrame) -> None:
    window = sp500_short.iloc[:252]
    strategy = parse_strategy("sgd:min-variance:resample=16:block=1")
    decision = strategy.decide(window, None, seed=3)
    # the same bootstrap, run by hand: the average of the per-resample optima
    result = optimize(
        window, "min-variance", seed=3, bootstrap=16, block_length=1.0, config=strategy.config
    )
    average = result.error_bars.bootstrap_weights.to_numpy().mean(axis=0)
    np.testing.assert_allclose(decision.weights, average, atol=1e-12)
    assert abs(decision.weights.sum() - 1) < 1e-9 and decision.weights.min() >= -1e-12
    assert np.abs(decision.weights - result.weights.to_numpy()).max() > 1e-3  # not the point


def test_backtest_compares_resampled_with_plain(sp500_short: pd.DataFrame) -> None:
    specs = ["sgd:min-variance", "sgd:min-variance:resample=8:block=1"]
    result = run_backtest(sp500_short, specs, lookback=252, rebalance_every=126, cost_bps=10)
    assert result.strategies == specs
    plain, michaud = (result.weights_at(s) for s in specs)
    assert len(plain) == len(michaud) == 2
    np.testing.assert_allclose(michaud.sum(axis=1), 1.0, atol=1e-9)
    # the resampled portfolio spreads its weight: more holdings than the point estimate
    assert ((michaud > 1e-4).sum(axis=1) > (plain > 1e-4).sum(axis=1)).all()
    assert np.isfinite(result.metrics.loc[specs, "sharpe"]).all()
