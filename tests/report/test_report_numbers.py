"""The report's computed numbers against independent computations: Euler risk
contributions (numpy covariance, finite differences of the historical CVaR), the
backtest table's Calmar ratio, monthly compounding and rolling windows, --compare specs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.errors import ConfigError
from portfolio_sgd.measures.performance import cvar
from portfolio_sgd.plotting.performance_table import (
    metrics_table,
    monthly_returns,
    rolling_sharpe,
    rolling_volatility,
)
from portfolio_sgd.report import risk_contributions
from portfolio_sgd.report.compare import parse_compare


@pytest.fixture
def panel() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    r = rng.standard_t(5, size=(777, 6)) * 0.01 + 0.0004
    returns = pd.DataFrame(r, columns=list("ABCDEF"))
    w = pd.Series([0.3, 0.25, 0.2, 0.15, 0.1, 0.0], index=returns.columns)
    return returns, w


def test_volatility_contributions_are_covariance_shares(panel) -> None:  # noqa: ANN001
    returns, w = panel
    rc = risk_contributions(returns, w, "volatility")
    cov = np.cov(returns.to_numpy(), rowvar=False)  # ddof 1
    sigma = math.sqrt(w.to_numpy() @ cov @ w.to_numpy())
    assert rc.risk == pytest.approx(sigma, rel=1e-12)
    expected = w.to_numpy() * (cov @ w.to_numpy()) / sigma
    np.testing.assert_allclose(rc.by_asset.to_numpy(), expected, rtol=1e-10, atol=1e-16)
    assert rc.shares.sum() == pytest.approx(1.0, abs=1e-12)


def test_cvar_contributions_are_euler_derivatives(panel) -> None:  # noqa: ANN001
    returns, w = panel
    rc = risk_contributions(returns, w, "cvar", alpha=0.95)
    r = returns.to_numpy()
    assert rc.risk == pytest.approx(cvar(r @ w.to_numpy(), 0.95), rel=1e-12)
    assert rc.by_asset.sum() == pytest.approx(rc.risk, rel=1e-10)
    h = 1e-7
    for i in range(len(w)):  # w_i dCVaR/dw_i by central differences of metrics.cvar
        up, down = w.to_numpy().copy(), w.to_numpy().copy()
        up[i] += h
        down[i] -= h
        slope = (cvar(r @ up, 0.95) - cvar(r @ down, 0.95)) / (2 * h)
        assert rc.by_asset.iloc[i] == pytest.approx(w.iloc[i] * slope, rel=1e-5, abs=1e-12)


def test_group_contributions_sum_their_members(panel) -> None:  # noqa: ANN001
    returns, w = panel
    groups = (("A", (("g1", 1.0),)), ("B", (("g1", 0.5), ("g2", 0.5))), ("C", (("g2", 1.0),)))
    rc = risk_contributions(returns, w, "volatility", groups=groups)
    a = rc.by_asset
    assert rc.by_group["g1"] == pytest.approx(a["A"] + 0.5 * a["B"], rel=1e-12)
    assert rc.by_group["g2"] == pytest.approx(0.5 * a["B"] + a["C"], rel=1e-12)


def test_metrics_table_calmar_and_columns() -> None:
    metrics = pd.DataFrame(
        {
            "annual_return": [0.10, 0.05],
            "annual_volatility": [0.2, 0.1],
            "sharpe": [0.5, 0.5],
            "sortino": [0.7, 0.6],
            "max_drawdown": [-0.25, 0.0],
            "cvar_95": [0.03, 0.02],
            "avg_turnover": [0.1, np.nan],
            "total_cost": [0.01, np.nan],
        },
        index=["s", "bench"],
    )
    table = metrics_table(metrics)
    assert table.loc["s", "calmar"] == pytest.approx(0.4)
    assert math.isnan(table.loc["bench", "calmar"])  # no drawdown: undefined
    assert table.loc["s", "cagr"] == 0.10


def test_monthly_returns_compound_within_months() -> None:
    idx = pd.to_datetime(["2020-01-02", "2020-01-03", "2020-02-03", "2021-03-01"])
    r = pd.Series([0.1, -0.05, 0.02, 0.03], index=idx)
    table = monthly_returns(r)
    assert table.loc[2020, 1] == pytest.approx(1.1 * 0.95 - 1)
    assert table.loc[2020, 2] == pytest.approx(0.02)
    assert table.loc[2021, 3] == pytest.approx(0.03)
    assert math.isnan(table.loc[2021, 1]) and list(table.columns) == list(range(1, 13))


def test_rolling_windows_match_numpy() -> None:
    idx = pd.bdate_range("2020-01-01", periods=300)
    x = np.random.default_rng(1).normal(0.0005, 0.01, 300)
    frame = pd.DataFrame({"s": x}, index=idx)
    window = x[-126:]
    vol = window.std(ddof=1) * math.sqrt(252)
    assert rolling_volatility(frame)["s"].iloc[-1] == pytest.approx(vol, rel=1e-10)
    sharpe = window.mean() / window.std(ddof=1) * math.sqrt(252)
    assert rolling_sharpe(frame)["s"].iloc[-1] == pytest.approx(sharpe, rel=1e-10)


def test_compare_specs_parse_and_refuse() -> None:
    specs = parse_compare("min-variance, cvar:alpha=0.975,equal-weight")
    assert [n for n, _ in specs] == ["min-variance", "cvar:alpha=0.975", "equal-weight"]
    assert specs[1][1].alpha == 0.975 and specs[2][1] is None
    with pytest.raises(ConfigError, match="unknown parameter"):
        parse_compare("cvar:beta=1")
    with pytest.raises(ConfigError, match="duplicate"):
        parse_compare("cvar,cvar")
    with pytest.raises(ConfigError, match="unknown objective"):
        parse_compare("nope")
