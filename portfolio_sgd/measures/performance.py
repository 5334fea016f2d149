"""Performance and risk measures of a periodic return series (numpy/pandas).

Conventions (pinned by the tests):

- ``returns`` are simple returns per period, shape (T,); annualisation uses
  ``periods_per_year`` (inferred from a DatetimeIndex by
  :func:`portfolio_sgd.data.frequency.periods_per_year`, 252 for daily data).
- **annual return** is the compound growth rate ``prod(1 + r) ** (P / T) - 1``.
- **annual volatility** is ``std(r, ddof=1) * sqrt(P)``.
- The **risk-free** rate is an annual rate ``rf``, turned into a per-period rate
  ``(1 + rf) ** (1 / P) - 1`` and subtracted before Sharpe and Sortino.
- **Sharpe** is ``mean(x) / std(x, ddof=1) * sqrt(P)`` of the excess returns ``x``.
- **Sortino** is ``mean(x) / sqrt(mean(min(x, 0) ** 2)) * sqrt(P)``.
- **max drawdown** is ``min(V / cummax(V) - 1)`` of the equity ``V = cumprod(1 + r)``
  with a starting value of 1 (a negative number, or 0).
- **VaR / CVaR** at level ``alpha`` are historical, of the losses ``L = -r``, exactly as
  Rockafellar and Uryasev define them: VaR is the ``ceil(alpha * T)``-th smallest loss,
  CVaR is ``min_t t + mean((L - t)+) / (1 - alpha)`` (attained at the VaR). When
  ``(1 - alpha) * T`` is an integer this is the mean loss of that many worst periods;
  otherwise the boundary period counts with a fractional weight. A positive number for
  a losing tail, not annualised. :func:`cvar_and_var` is the one implementation.
- **hit rate** is the fraction of periods with ``r > 0``.
- **turnover** of a rebalance is ``sum |w_target - w_drifted|``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.frequency import periods_per_year as _infer_periods

ArrayLike = pd.Series | np.ndarray

__all__ = [
    "annual_return",
    "annual_volatility",
    "cvar",
    "cvar_and_var",
    "drawdown",
    "equity_curve",
    "fixed_weight_performance",
    "hit_rate",
    "infer_periods",
    "max_drawdown",
    "per_period_rate",
    "performance_summary",
    "portfolio_returns",
    "sharpe_ratio",
    "sortino_ratio",
    "turnover",
]


def _values(returns: ArrayLike) -> np.ndarray:
    values = np.asarray(returns, dtype=np.float64).reshape(-1)
    return values[np.isfinite(values)]


infer_periods = _infer_periods
"""Periods per year of a dated index (252 when undated); see :mod:`portfolio_sgd.data.frequency`."""


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


def cvar_and_var(losses: np.ndarray, alpha: float) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Historical (CVaR, VaR) at level ``alpha`` of losses, the Rockafellar-Uryasev values.

    ``VaR`` is the ``ceil(alpha T)``-th smallest loss (``alpha T`` rounded with a 1e-9
    tolerance, so ``0.7 * 10`` counts as 7) and ``CVaR = min_t t + mean((L - t)+) / (1 -
    alpha)``. The function of ``t`` is convex and piecewise linear with breakpoints at
    the losses; its minimum is at that order statistic, so it is evaluated there and at
    its two neighbours (immune to the rounding of ``alpha T``): this is the exact minimum.

    Parameters
    ----------
    losses : ndarray, shape (T,) or (T, K)
        Losses (e.g. ``-returns``), one column per portfolio; must be finite.
    alpha : float
        Confidence level in (0, 1).

    Returns
    -------
    (cvar, var) : floats for (T,) input, ndarrays of shape (K,) for (T, K)
        NaN for T = 0.

    Raises
    ------
    ValueError
        ``alpha`` outside (0, 1) or losses with more than 2 dimensions.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    arr = np.asarray(losses, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(f"losses must have shape (T,) or (T, K), got {arr.shape}")
    single = arr.ndim == 1
    cols = arr.reshape(arr.shape[0], -1)
    n = cols.shape[0]
    if n == 0:
        nan = np.full(cols.shape[1], np.nan)
        return (float("nan"), float("nan")) if single else (nan, nan.copy())
    srt = np.sort(cols, axis=0)
    k = min(max(math.ceil(alpha * n), 1), n)
    best = None
    for idx in (max(k - 2, 0), k - 1, min(k, n - 1)):
        t = srt[idx]
        val = t + np.maximum(cols - t, 0.0).mean(axis=0) / (1.0 - alpha)
        best = val if best is None else np.minimum(best, val)
    var = srt[min(max(math.ceil(alpha * n - 1e-9), 1), n) - 1]
    return (float(best[0]), float(var[0])) if single else (best, var)


def cvar(returns: ArrayLike, alpha: float = 0.95) -> float:
    """Historical CVaR of returns (T,): the Rockafellar-Uryasev CVaR of the losses ``-r``.

    Non-finite returns are dropped; see :func:`cvar_and_var`.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    r = _values(returns)
    if r.size == 0:
        return float("nan")
    return float(cvar_and_var(-r, alpha)[0])


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


def fixed_weight_performance(
    returns: pd.DataFrame | np.ndarray, weights: ArrayLike, periods: int | None = None
) -> dict[str, float]:
    """Annual return (compound) and volatility of fixed weights held over ``returns``.

    The portfolio is rebalanced to ``weights`` every period, so its return in period t is
    ``r_t . w``. This is what a one-shot optimisation's summary should report, with the
    same conventions as the backtest metrics (:func:`annual_return`,
    :func:`annual_volatility`).

    Parameters
    ----------
    returns : DataFrame or ndarray, shape (T, N)
        Simple returns; a DatetimeIndex sets the periods per year.
    weights : Series or ndarray, shape (N,)
    periods : int, optional
        Periods per year (default inferred from the index, 252 when undated).

    Returns
    -------
    dict
        ``annual_return``, ``annual_volatility``, ``periods_per_year``.
    """
    index = returns.index if isinstance(returns, pd.DataFrame) else None
    p = int(periods) if periods is not None else infer_periods(index)
    x = portfolio_returns(returns, weights)
    return {
        "annual_return": annual_return(x, p),
        "annual_volatility": annual_volatility(x, p),
        "periods_per_year": p,
    }


def portfolio_returns(
    returns: pd.DataFrame | np.ndarray, weights: ArrayLike, chunk_rows: int = 65_536
) -> np.ndarray:
    """Portfolio returns ``R w`` (T,) in float64, without a float64 copy of ``R``.

    Parameters
    ----------
    returns : DataFrame or ndarray, shape (T, N)
        float64 values are used in place; other dtypes are widened ``chunk_rows`` rows at
        a time (fewer where a block would exceed 2 M numbers), so no (T, N) float64 copy
        of a float32 matrix is made.
    weights : array-like, shape (N,)

    Returns
    -------
    numpy.ndarray
        Shape (T,), float64.
    """
    values = np.asarray(returns)
    w = np.asarray(weights, dtype=np.float64)
    if values.dtype == np.float64 or values.ndim != 2:
        return np.asarray(values, dtype=np.float64) @ w
    out = np.empty(values.shape[0], dtype=np.float64)
    chunk_rows = max(1, min(chunk_rows, (1 << 21) // max(values.shape[1], 1)))  # <= 16 MB
    for start in range(0, values.shape[0], chunk_rows):
        block = values[start : start + chunk_rows].astype(np.float64)
        out[start : start + chunk_rows] = block @ w
    return out
