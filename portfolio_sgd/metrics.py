"""Performance and risk measures of a periodic return series (numpy/pandas).

Conventions (pinned by the tests):

- ``returns`` are simple returns per period, shape (T,); annualisation uses
  ``periods_per_year`` (inferred from a DatetimeIndex by
  :func:`portfolio_sgd.frequency.periods_per_year`, 252 for daily data).
- **annual return** is the compound growth rate ``prod(1 + r) ** (P / T) - 1``.
- **annual volatility** is ``std(r, ddof=1) * sqrt(P)``.
- The **risk-free** rate is an annual rate ``rf``, turned into a per-period rate
  ``(1 + rf) ** (1 / P) - 1`` and subtracted before Sharpe and Sortino.
- **Sharpe** is ``mean(x) / std(x, ddof=1) * sqrt(P)`` of the excess returns ``x``.
- **Sortino** is ``mean(x) / sqrt(mean(min(x, 0) ** 2)) * sqrt(P)``.
- **max drawdown** is ``min(V / cummax(V) - 1)`` of the equity ``V = cumprod(1 + r)``
  with a starting value of 1 (a negative number, or 0).
- **CVaR** at level ``alpha`` is the mean loss ``-r`` of the ``ceil((1 - alpha) * T)``
  worst periods (a positive number for a losing tail), not annualised.
- **hit rate** is the fraction of periods with ``r > 0``.
- **turnover** of a rebalance is ``sum |w_target - w_drifted|``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .frequency import periods_per_year as _infer_periods

ArrayLike = pd.Series | np.ndarray

__all__ = [
    "annual_return",
    "annual_volatility",
    "cvar",
    "drawdown",
    "equity_curve",
    "hit_rate",
    "infer_periods",
    "max_drawdown",
    "per_period_rate",
    "performance_summary",
    "sharpe_ratio",
    "sortino_ratio",
    "turnover",
]


def _values(returns: ArrayLike) -> np.ndarray:
    values = np.asarray(returns, dtype=np.float64).reshape(-1)
    return values[np.isfinite(values)]


infer_periods = _infer_periods
"""Periods per year of a dated index (252 when undated); see :mod:`portfolio_sgd.frequency`."""


def _periods(returns: ArrayLike, periods: int | None) -> int:
    if periods is not None:
        return int(periods)
    return infer_periods(returns.index if isinstance(returns, pd.Series) else None)


def per_period_rate(annual_rate: float, periods: int) -> float:
    """Per-period rate ``(1 + annual_rate) ** (1 / periods) - 1`` of an annual rate."""
    return float((1.0 + annual_rate) ** (1.0 / periods) - 1.0)


def equity_curve(returns: ArrayLike) -> ArrayLike:
    """Cumulative value ``cumprod(1 + r)`` of 1 invested, shape (T,) (a Series for a Series)."""
    if isinstance(returns, pd.Series | pd.DataFrame):
        return (1.0 + returns).cumprod()
    return np.cumprod(1.0 + np.asarray(returns, dtype=np.float64), axis=0)


def drawdown(returns: ArrayLike) -> ArrayLike:
    """Drawdown ``V / running_max(V) - 1`` of the equity, shape (T,), with ``V_0 = 1``."""
    if isinstance(returns, pd.Series | pd.DataFrame):
        equity = (1.0 + returns).cumprod()
        return equity / np.maximum(equity.cummax(), 1.0) - 1.0
    equity = np.cumprod(1.0 + np.asarray(returns, dtype=np.float64), axis=0)
    return equity / np.maximum(np.maximum.accumulate(equity, axis=0), 1.0) - 1.0


def annual_return(returns: ArrayLike, periods: int | None = None) -> float:
    """Compound annual growth rate ``prod(1 + r) ** (P / T) - 1`` of returns (T,)."""
    r = _values(returns)
    if r.size == 0:
        return float("nan")
    growth = float(np.prod(1.0 + r))
    if growth <= 0:
        return -1.0
    return growth ** (_periods(returns, periods) / r.size) - 1.0


def annual_volatility(returns: ArrayLike, periods: int | None = None) -> float:
    """Annualised standard deviation ``std(r, ddof=1) * sqrt(P)`` of returns (T,)."""
    r = _values(returns)
    if r.size < 2:
        return float("nan")
    return float(r.std(ddof=1) * math.sqrt(_periods(returns, periods)))


def sharpe_ratio(returns: ArrayLike, risk_free: float = 0.0, periods: int | None = None) -> float:
    """Annualised Sharpe ratio of returns (T,) over an annual risk-free rate."""
    p = _periods(returns, periods)
    x = _values(returns) - per_period_rate(risk_free, p)
    if x.size < 2:
        return float("nan")
    sd = x.std(ddof=1)
    return float(x.mean() / sd * math.sqrt(p)) if sd > 0 else float("nan")


def sortino_ratio(returns: ArrayLike, risk_free: float = 0.0, periods: int | None = None) -> float:
    """Annualised Sortino ratio: mean excess over the root mean squared shortfall below 0."""
    p = _periods(returns, periods)
    x = _values(returns) - per_period_rate(risk_free, p)
    if x.size == 0:
        return float("nan")
    downside = math.sqrt(float(np.mean(np.minimum(x, 0.0) ** 2)))
    return float(x.mean() / downside * math.sqrt(p)) if downside > 0 else float("nan")


def max_drawdown(returns: ArrayLike) -> float:
    """Worst drawdown ``min(V / cummax(V) - 1)`` (<= 0) of returns (T,), starting from 1."""
    r = _values(returns)
    if r.size == 0:
        return float("nan")
    return float(min(np.min(drawdown(r)), 0.0))


def cvar(returns: ArrayLike, alpha: float = 0.95) -> float:
    """Conditional value at risk: mean loss ``-r`` of the ``ceil((1 - alpha) T)`` worst periods."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    r = np.sort(_values(returns))
    if r.size == 0:
        return float("nan")
    k = max(1, math.ceil((1.0 - alpha) * r.size - 1e-9))
    return float(-r[:k].mean())


def hit_rate(returns: ArrayLike) -> float:
    """Fraction of periods with a positive return."""
    r = _values(returns)
    return float((r > 0).mean()) if r.size else float("nan")


def turnover(target: np.ndarray, drifted: np.ndarray | None) -> float:
    """Turnover ``sum |target - drifted|`` of one rebalance; ``drifted=None`` means from cash."""
    target = np.asarray(target, dtype=np.float64)
    if drifted is None:
        return float(np.abs(target).sum())
    return float(np.abs(target - np.asarray(drifted, dtype=np.float64)).sum())


def performance_summary(
    returns: ArrayLike,
    risk_free: float = 0.0,
    periods: int | None = None,
    alpha: float = 0.95,
) -> dict[str, float]:
    """Every return-based measure of one series (T,) as a dict.

    Returns
    -------
    dict
        ``annual_return``, ``annual_volatility``, ``sharpe``, ``sortino``,
        ``max_drawdown``, ``cvar_95`` (key named after ``alpha``), ``hit_rate``,
        ``total_return`` and ``n_periods``.
    """
    p = _periods(returns, periods)
    r = _values(returns)
    return {
        "annual_return": annual_return(r, p),
        "annual_volatility": annual_volatility(r, p),
        "sharpe": sharpe_ratio(r, risk_free, p),
        "sortino": sortino_ratio(r, risk_free, p),
        "max_drawdown": max_drawdown(r),
        f"cvar_{round(alpha * 100):d}": cvar(r, alpha),
        "hit_rate": hit_rate(r),
        "total_return": float(np.prod(1.0 + r) - 1.0) if r.size else float("nan"),
        "n_periods": int(r.size),
    }
