"""The report's backtest metrics table and the series behind its backtest charts.

Every number comes from :mod:`portfolio_sgd.measures.performance` on the backtest's daily returns after
costs (the conventions of :class:`~portfolio_sgd.backtest.BacktestResult`), plus the
Calmar ratio ``CAGR / |max drawdown|`` and rolling windows of ``window`` rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.frequency import periods_per_year

TABLE = (
    ("cagr", "CAGR", "pct"),
    ("annual_volatility", "Volatility", "pct"),
    ("sharpe", "Sharpe", "num"),
    ("sortino", "Sortino", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("calmar", "Calmar", "num"),
    ("cvar_95", "CVaR 95% (daily)", "pct"),
    ("avg_turnover", "Turnover / rebalance", "num"),
    ("total_cost", "Total cost", "pct"),
)
"""(key, label, kind) of the metrics table's columns; kind is how a cell is formatted."""
ROLLING_WINDOW = 126
"""Rows of the rolling volatility and Sharpe windows (about six months of days)."""


def metrics_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """The report's columns of a backtest's ``metrics`` frame, rows as given.

    ``cagr`` is the backtest's ``annual_return`` (compound annual growth after costs) and
    ``calmar`` is ``cagr / |max_drawdown|`` (NaN for a zero drawdown).
    """
    out = pd.DataFrame(index=metrics.index)
    out["cagr"] = metrics["annual_return"]
    for key in ("annual_volatility", "sharpe", "sortino", "max_drawdown", "cvar_95"):
        out[key] = metrics[key]
    dd = metrics["max_drawdown"].abs()
    out["calmar"] = np.where(dd > 0, out["cagr"] / dd.where(dd > 0, 1.0), np.nan)
    out["avg_turnover"] = metrics["avg_turnover"]
    out["total_cost"] = metrics["total_cost"]
    return out[[key for key, _, _ in TABLE]]


def format_cell(value: object, kind: str) -> str:
    """A table cell: ``12.34%`` (pct), ``1.234`` (num), ``-`` for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if kind == "pct":
        return f"{float(value):.2%}"
    if kind == "num":
        return f"{float(value):.3f}"
    return str(value)


def rolling_volatility(returns: pd.DataFrame, window: int = ROLLING_WINDOW) -> pd.DataFrame:
    """Annualised rolling volatility ``std(ddof=1) * sqrt(P)`` over ``window`` rows."""
    periods = periods_per_year(returns.index)
    return returns.rolling(window).std(ddof=1) * math.sqrt(periods)


def rolling_sharpe(returns: pd.DataFrame, window: int = ROLLING_WINDOW) -> pd.DataFrame:
    """Annualised rolling Sharpe ratio ``mean / std * sqrt(P)`` (risk-free 0)."""
    periods = periods_per_year(returns.index)
    roll = returns.rolling(window)
    return roll.mean() / roll.std(ddof=1) * math.sqrt(periods)


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compound monthly returns of a dated series as a year x month (1..12) table."""
    monthly = (1.0 + returns).groupby([returns.index.year, returns.index.month]).prod() - 1.0
    table = monthly.unstack()
    table.index.name, table.columns.name = "year", "month"
    return table.reindex(columns=range(1, 13))
