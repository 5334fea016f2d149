"""Backtest figures: equity curves, drawdowns and turnover per rebalance.

The figure is drawn from plain frames (:func:`plot_equity`), so this module does not
depend on :mod:`portfolio_sgd.backtest`; :func:`plot_backtest` accepts any object with
the attributes of a :class:`~portfolio_sgd.backtest.BacktestResult`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from ..measures.performance import drawdown, equity_curve
from ._common import _new_figure, _save

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_backtest", "plot_equity"]


class _BacktestLike(Protocol):
    returns: pd.DataFrame
    benchmark: pd.Series | None
    config: dict[str, Any]

    @property
    def turnover(self) -> pd.DataFrame: ...


def plot_backtest(result: _BacktestLike, path: str | Path | None = None, dpi: int = 110) -> Figure:
    """The figure of a backtest result (see :func:`plot_equity`).

    Parameters
    ----------
    result : BacktestResult
        Uses ``returns`` (T, S), ``turnover`` (K, S), ``benchmark`` (T,) and ``config``.
    path : path-like, optional
        Where to save the figure as PNG (written atomically).
    dpi : int
    """
    cfg = result.config
    title = (
        f"Walk-forward backtest: lookback {cfg.get('lookback')}, rebalance every "
        f"{cfg.get('rebalance_every')}, cost {cfg.get('cost_bps', 0):g} bps"
    )
    return plot_equity(result.returns, result.turnover, result.benchmark, title, path, dpi)


def plot_equity(
    returns: pd.DataFrame,
    turnover: pd.DataFrame,
    benchmark: pd.Series | None = None,
    title: str = "Walk-forward backtest",
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Three stacked panels: equity (log scale), drawdown, and turnover per rebalance.

    Parameters
    ----------
    returns : DataFrame, shape (T, S)
        Daily returns after costs, one column per strategy.
    turnover : DataFrame, shape (K, S)
        Turnover per rebalance date; the first row (the purchase from cash) is skipped.
    benchmark : Series, shape (T,), optional
        Benchmark returns, drawn in grey.
    title : str
    path : path-like, optional
        Where to save the figure as PNG (written atomically).
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    fig = _new_figure((10, 9))
    ax_eq, ax_dd, ax_to = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    equity = equity_curve(returns)
    colors = {}
    styles = ["-", "--", ":", "-."]
    for i, name in enumerate(returns.columns):  # styles keep overlapping curves visible
        ls = styles[i % len(styles)]
        (line,) = ax_eq.plot(returns.index, equity[name], lw=1.2, ls=ls, label=name)
        colors[name] = line.get_color()
        ax_dd.plot(returns.index, drawdown(returns[name]), lw=1.0, ls=ls, color=colors[name])
    if benchmark is not None:
        bench = benchmark
        label = f"{bench.name} (benchmark)"
        ax_eq.plot(
            bench.index, (1.0 + bench).cumprod(), lw=1.2, color="0.35", ls=(0, (1, 2)), label=label
        )
        ax_dd.plot(bench.index, drawdown(bench), lw=1.0, color="0.35", ls=(0, (1, 2)))
    ax_eq.set_yscale("log")
    ax_eq.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax_eq.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax_eq.yaxis.set_minor_formatter(NullFormatter())
    ax_eq.set_ylabel("equity (log scale)")
    ax_eq.set_title(title)
    ax_eq.legend(loc="upper left", fontsize="small")
    ax_dd.set_ylabel("drawdown")
    later = turnover.iloc[1:]  # skip the initial purchase from cash
    for name in later.columns:
        ax_to.plot(later.index, later[name], lw=0.9, marker=".", ms=3, color=colors.get(name))
    ax_to.set_ylabel("turnover per rebalance")
    ax_to.set_xlabel("date")
    for ax in (ax_eq, ax_dd, ax_to):
        ax.grid(alpha=0.3)
    return _save(fig, path, dpi)
