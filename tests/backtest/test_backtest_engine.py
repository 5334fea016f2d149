"""Walk-forward semantics: exact baselines, no look-ahead, outputs, SGD vs exact, warm start."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import EngineConfig
from portfolio_sgd.backtest import parse_strategy, rebalance_rows, run_backtest
from portfolio_sgd.errors import ConfigError


def independent_baseline(
    values: np.ndarray, lookback: int, every: int, cost_bps: float, hold: bool
) -> list[float]:
    """Equal weight (or buy-and-hold) by explicit drift, rebalance and cost arithmetic."""
    n_rows, n = values.shape
    out: list[float] = []
    w: list[float] | None = None
    for t in range(lookback, n_rows):
        cost = 0.0
        if (t - lookback) % every == 0 and (w is None or not hold):
            target = [1.0 / n] * n
            previous = [0.0] * n if w is None else w  # the first trade buys from cash
            cost = (
                cost_bps / 10_000 * sum(abs(a - b) for a, b in zip(target, previous, strict=True))
            )
            w = target
        r = values[t]
        out.append(sum(w[i] * r[i] for i in range(n)) - cost)
        grown = [w[i] * (1.0 + r[i]) for i in range(n)]
        total = sum(grown)
        w = [g / total for g in grown]
    return out


@pytest.mark.parametrize("cost_bps", [0.0, 25.0])
def test_equal_weight_and_buy_and_hold_exact(small_returns: pd.DataFrame, cost_bps: float) -> None:
    result = run_backtest(
        small_returns,
        ["equal-weight", "buy-and-hold"],
        lookback=20,
        rebalance_every=7,
        cost_bps=cost_bps,
    )
    values = small_returns.to_numpy()
    ew = independent_baseline(values, 20, 7, cost_bps, hold=False)
    bh = independent_baseline(values, 20, 7, cost_bps, hold=True)
    np.testing.assert_allclose(result.returns["equal-weight"].to_numpy(), ew, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.returns["buy-and-hold"].to_numpy(), bh, rtol=0, atol=1e-12)
    turnover = result.turnover
    assert turnover["buy-and-hold"].iloc[0] == pytest.approx(1.0)
    assert (turnover["buy-and-hold"].iloc[1:] == 0).all()
    assert result.metrics.loc["buy-and-hold", "total_cost"] == pytest.approx(cost_bps / 1e4)


def test_rebalance_dates_and_window_layout(small_returns: pd.DataFrame) -> None:
    assert rebalance_rows(60, 20, 7) == [20, 27, 34, 41, 48, 55]
    result = run_backtest(small_returns, ["equal-weight"], lookback=20, rebalance_every=7)
    assert result.returns.index[0] == small_returns.index[20]
    assert len(result.returns) == 40
    assert list(result.turnover.index) == list(small_returns.index[[20, 27, 34, 41, 48, 55]])
    assert set(result.weights.columns) == {"date", "strategy", "ticker", "weight"}
    assert len(result.weights) == 6 * 4


def test_windows_see_only_the_past(small_returns: pd.DataFrame) -> None:
    seen: list[tuple[pd.Timestamp, pd.Timestamp, int, pd.Timestamp]] = []
    strategy = parse_strategy("equal-weight")
    original = strategy.decide

    def spy(window, drifted, benchmark=None, seed=0):  # noqa: ANN001, ANN202
        seen.append((window.index[0], window.index[-1], len(window), seed))
        return original(window, drifted, benchmark, seed)

    strategy.decide = spy  # type: ignore[method-assign]
    run_backtest(small_returns, [strategy], lookback=20, rebalance_every=7)
    idx = small_returns.index
    assert seen[1] == (idx[7], idx[26], 20, 1)  # rebalance at row 27 sees rows [7, 27)
    seen.clear()
    run_backtest(small_returns, [strategy], lookback=20, rebalance_every=7, expanding=True)
    assert seen[1][:3] == (idx[0], idx[26], 27)


def test_no_look_ahead(small_returns: pd.DataFrame) -> None:
    specs = ["sgd:min-variance:m=8:steps=60", "exact:min-variance", "equal-weight", "buy-and-hold"]
    base = run_backtest(small_returns, specs, lookback=30, rebalance_every=10, cost_bps=10)
    changed = small_returns.copy()
    rng = np.random.default_rng(1)
    changed.iloc[40:] = rng.normal(0.0, 0.05, size=changed.iloc[40:].shape)
    other = run_backtest(changed, specs, lookback=30, rebalance_every=10, cost_bps=10)
    cut = small_returns.index[40]
    past_w = base.weights[base.weights["date"] <= cut]
    other_w = other.weights[other.weights["date"] <= cut]
    pd.testing.assert_frame_equal(past_w.reset_index(drop=True), other_w.reset_index(drop=True))
    pd.testing.assert_frame_equal(
        base.returns.loc[: small_returns.index[39]], other.returns.loc[: small_returns.index[39]]
    )
    later = base.weights["date"] > cut
    assert not np.allclose(base.weights.loc[later, "weight"], other.weights.loc[later, "weight"])


def test_sgd_needs_the_windows_optimize_needs(small_returns: pd.DataFrame) -> None:
    from portfolio_sgd.data import MIN_ROWS

    with pytest.raises(ConfigError, match=f"shorter than the {MIN_ROWS} rows an SGD"):
        run_backtest(small_returns, ["sgd:min-variance"], lookback=MIN_ROWS - 1)
    result = run_backtest(small_returns, ["equal-weight"], lookback=MIN_ROWS - 1)
    assert len(result.returns) == len(small_returns) - (MIN_ROWS - 1)


def test_outputs_save_and_dict(small_returns: pd.DataFrame, tmp_path) -> None:  # noqa: ANN001
    bench = small_returns.mean(axis=1).rename("index")
    result = run_backtest(
        small_returns,
        ["equal-weight", "buy-and-hold"],
        lookback=20,
        rebalance_every=7,
        cost_bps=5,
        benchmark=bench,
    )
    written = {p.name for p in result.save(tmp_path)}
    assert {"equity.csv", "weights.csv", "metrics.csv", "metrics.json"} <= written
    equity = pd.read_csv(tmp_path / "equity.csv", index_col=0, parse_dates=True)
    assert list(equity.columns) == ["equal-weight", "buy-and-hold"]
    assert equity.index[0] == small_returns.index[20]
    np.testing.assert_allclose(equity.to_numpy(), result.equity.to_numpy(), rtol=1e-11)
    payload = json.loads((tmp_path / "metrics.json").read_text())
    keys = {
        "annual_return",
        "annual_volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "cvar_95",
        "avg_turnover",
        "total_cost",
    }
    assert keys <= set(payload["strategies"]["equal-weight"])
    assert payload["benchmark"]["name"] == "index"
    assert payload["config"]["lookback"] == 20
    assert not list(tmp_path.glob(".*.tmp"))
    fig = result.plot(tmp_path / "bt.png")
    assert len(fig.axes) == 3 and (tmp_path / "bt.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lookback": 60}, "lookback"),
        ({"rebalance_every": 0}, "rebalance period"),
        ({"cost_bps": -1.0}, "cost"),
        ({"strategies": ["momentum"]}, "unknown strategy"),
        ({"strategies": ["sgd:min-variance:q=3"]}, "unknown parameter"),
        ({"strategies": ["sgd:sharpe"]}, "unknown objective"),
    ],
)
def test_bad_configuration(small_returns: pd.DataFrame, kwargs: dict, match: str) -> None:
    kwargs = {"strategies": ["equal-weight"], "lookback": 20, **kwargs}
    with pytest.raises(ConfigError, match=match):
        run_backtest(small_returns, **kwargs)


def test_sgd_agrees_with_exact_min_variance(sp500_short: pd.DataFrame) -> None:
    specs = ["sgd:min-variance:m=64", "exact:min-variance"]
    result = run_backtest(sp500_short, specs, lookback=252, rebalance_every=63, cost_bps=10)
    diff = (result.returns[specs[0]] - result.returns[specs[1]]).abs().max()
    assert diff < 1e-4
    assert result.rebalances.loc[result.rebalances["strategy"] == specs[0], "steps"].notna().all()


def test_warm_start_needs_fewer_steps(sp500_short: pd.DataFrame) -> None:
    spec = ["sgd:min-variance:m=128"]
    # the loop's own warm start: with the exact QP finish (issue 25) both take 0 steps
    loop = EngineConfig(early_finish=False)
    kwargs = {"lookback": 252, "rebalance_every": 21, "cost_bps": 10, "config": loop}
    data = sp500_short.iloc[: 252 + 21 * 6]
    warm = run_backtest(data, spec, warm_start=True, **kwargs)
    cold = run_backtest(data, spec, warm_start=False, **kwargs)
    warm_steps = warm.steps[spec[0]].iloc[1:]
    cold_steps = cold.steps[spec[0]].iloc[1:]
    assert warm.rebalances["warm_start"].iloc[1:].all() and not cold.rebalances["warm_start"].any()
    assert warm_steps.mean() < cold_steps.mean()
    assert (warm.returns - cold.returns).abs().max().max() < 1e-4  # same optimum either way
