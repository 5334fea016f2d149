"""Metrics against independent numpy formulas on known series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.measures import performance as metrics

R = np.array([0.01, -0.02, 0.03, -0.01, 0.005, 0.0, 0.015, -0.025, 0.02, 0.004])


def test_annual_return_and_volatility() -> None:
    growth = 1.0
    for r in R:
        growth *= 1.0 + r
    assert metrics.annual_return(R, 252) == pytest.approx(growth ** (252 / len(R)) - 1, rel=1e-12)
    mean = sum(R) / len(R)
    var = sum((r - mean) ** 2 for r in R) / (len(R) - 1)
    assert metrics.annual_volatility(R, 252) == pytest.approx(math.sqrt(var * 252), rel=1e-12)


def test_sharpe_and_sortino_with_risk_free() -> None:
    rf = 0.03
    daily_rf = (1 + rf) ** (1 / 252) - 1
    x = R - daily_rf
    sharpe = x.mean() / x.std(ddof=1) * math.sqrt(252)
    assert metrics.sharpe_ratio(R, rf, 252) == pytest.approx(sharpe, rel=1e-12)
    downside = math.sqrt(sum(min(v, 0.0) ** 2 for v in x) / len(x))
    assert metrics.sortino_ratio(R, rf, 252) == pytest.approx(
        x.mean() / downside * math.sqrt(252), rel=1e-12
    )
    assert metrics.sharpe_ratio(R, 0.0, 252) > metrics.sharpe_ratio(R, rf, 252)


def test_max_drawdown_known_path() -> None:
    # equity 1.1, 0.55, 0.66 -> worst drawdown 0.55 / 1.1 - 1 = -0.5
    assert metrics.max_drawdown(np.array([0.1, -0.5, 0.2])) == pytest.approx(-0.5, abs=1e-15)
    # a loss on day one counts against the starting value 1
    assert metrics.max_drawdown(np.array([-0.1, 0.05])) == pytest.approx(-0.1, abs=1e-15)
    assert metrics.max_drawdown(np.array([0.01, 0.02])) == 0.0


def test_cvar_hit_rate_turnover() -> None:
    r = -np.arange(1, 101) / 1000.0  # -0.001 .. -0.1
    assert metrics.cvar(r, 0.95) == pytest.approx(
        np.mean([0.1, 0.099, 0.098, 0.097, 0.096]), rel=1e-12
    )
    assert metrics.cvar(R, 0.95) == pytest.approx(0.025)  # ceil(0.5) = 1 worst day
    assert metrics.hit_rate(R) == pytest.approx(6 / 10)
    assert metrics.turnover(np.array([0.5, 0.5]), np.array([0.7, 0.3])) == pytest.approx(0.4)
    assert metrics.turnover(np.array([0.5, 0.5]), None) == pytest.approx(1.0)


def test_periods_inferred_from_dates() -> None:
    daily = pd.Series(R, index=pd.bdate_range("2020-01-01", periods=len(R)))
    monthly = pd.Series(R, index=pd.date_range("2020-01-31", periods=len(R), freq="ME"))
    assert metrics.annual_volatility(daily) == pytest.approx(R.std(ddof=1) * math.sqrt(252))
    assert metrics.annual_volatility(monthly) == pytest.approx(R.std(ddof=1) * math.sqrt(12))
    summary = metrics.performance_summary(daily)
    assert {
        "annual_return",
        "annual_volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "cvar_95",
        "hit_rate",
    } <= set(summary)
