"""The report's figures from the API: ``plot_composition(result)``,
``backtest.plot_drawdowns()``, ... each a plotly ``Figure`` whose data are the result's
own numbers (checked against independent computations); ``result_html`` escapes tickers;
a 500-asset report stays under 10 MB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

from portfolio_sgd import optimize
from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.cli.main import main
from portfolio_sgd.plotting.notebook import result_html
from portfolio_sgd.report.result_figures import plot_composition, plot_risk_contributions


@pytest.fixture(scope="module")
def returns(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    return sp500_returns.loc["2020-01-01":]


def test_plot_composition_shows_the_held_weights_and_intervals(returns) -> None:  # noqa: ANN001
    plain = optimize(returns, "min-variance", seed=0)
    fig = plot_composition(plain)
    assert isinstance(fig, go.Figure) and len(fig.data) == 1
    held = plain.weights[plain.weights >= 5e-5].sort_values(ascending=False)
    np.testing.assert_array_equal(fig.data[0].y, held.to_numpy())
    assert list(fig.data[0].x) == list(held.index)
    boot = optimize(returns, "min-variance", seed=0, bootstrap=8)
    fig = plot_composition(boot)
    assert len(fig.data) == 2  # weights with intervals, P(held)
    w = boot.weights[boot.weights >= 5e-5].sort_values(ascending=False)
    hi = boot.error_bars.weights_hi[w.index].to_numpy()
    np.testing.assert_allclose(fig.data[0].error_y.array, np.maximum(hi - w.to_numpy(), 0))
    np.testing.assert_array_equal(fig.data[1].y, boot.error_bars.p_held[w.index].to_numpy())
    contributions = plot_risk_contributions(boot, returns)
    assert contributions.data[0].y.sum() == pytest.approx(1.0, abs=1e-6)  # shares of held


def test_backtest_figures_carry_the_backtest_numbers(returns) -> None:  # noqa: ANN001
    bt = run_backtest(returns, ["equal-weight", "buy-and-hold"], lookback=126, rebalance_every=63)
    equity = np.cumprod(1.0 + bt.returns["equal-weight"].to_numpy())
    drawdown = equity / np.maximum(np.maximum.accumulate(equity), 1.0) - 1.0
    fig = bt.plot_drawdowns()
    assert len(fig.data) == 2
    np.testing.assert_allclose(fig.data[0].y, drawdown, atol=1e-15)
    np.testing.assert_allclose(bt.plot_cumulative().data[0].y, equity, rtol=1e-14)
    assert len(bt.plot_rolling().data) == 4 and len(bt.plot_turnover().data) == 4
    heat = bt.plot_monthly_returns().data[0]
    assert heat.type == "heatmap" and len(heat.x) == 12
    assert "<table" in bt._repr_html_() and "equal-weight" in bt._repr_html_()


def test_result_html_escapes_tickers(returns) -> None:  # noqa: ANN001
    hostile = returns.rename(columns={returns.columns[0]: "<b>X</b>"})
    res = optimize(hostile, "mean-variance", risk_aversion=0.1, seed=0)  # holds few assets
    html = result_html(res)
    assert "<b>X</b>" not in html
    if res.weights["<b>X</b>"] >= 5e-5:
        assert "&lt;b&gt;X&lt;/b&gt;" in html


@pytest.mark.slow
def test_report_of_500_assets_is_under_10_mb(tmp_path) -> None:  # noqa: ANN001
    rng = np.random.default_rng(0)
    n_rows, n_assets = 300, 500
    factors = rng.standard_normal((n_rows, 3)) * 0.01
    r = factors @ (rng.standard_normal((3, n_assets)) * 0.6 + 1.0) / 3
    r += rng.standard_normal((n_rows, n_assets)) * 0.015 + 3e-4
    frame = pd.DataFrame(
        r,
        index=pd.bdate_range("2020-01-01", periods=n_rows),
        columns=[f"A{i:03d}" for i in range(n_assets)],
    )
    path = tmp_path / "returns.csv"
    frame.to_csv(path, date_format="%Y-%m-%d")
    out = tmp_path / "report.html"
    args = [
        "report",
        "--returns",
        str(path),
        "--steps",
        "300",
        "--bootstrap",
        "10",
        "--resample",
        "--output",
        str(out),
    ]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert out.stat().st_size < 10 * 1024 * 1024
    assert (
        out.read_text(encoding="utf-8").count('class="report-section"') == 5
    )  # no backtest, no compare
