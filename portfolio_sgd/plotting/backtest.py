"""Backtest figures: equity curves, drawdowns and turnover per rebalance."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..metrics import drawdown
from ._common import _new_figure, _save

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..backtest.result import BacktestResult

__all__ = ["plot_backtest"]


def plot_backtest(result: BacktestResult, path: str | Path | None = None, dpi: int = 110) -> Figure:
    """Three stacked panels: equity (log scale), drawdown, and turnover per rebalance.

    Parameters
    ----------
    result : BacktestResult
        Daily returns (T, S), rebalances and an optional benchmark (T,).
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
    returns = result.returns
    colors = {}
    styles = ["-", "--", ":", "-."]
    for i, name in enumerate(returns.columns):  # styles keep overlapping curves visible
        ls = styles[i % len(styles)]
        (line,) = ax_eq.plot(returns.index, result.equity[name], lw=1.2, ls=ls, label=name)
        colors[name] = line.get_color()
        ax_dd.plot(returns.index, drawdown(returns[name]), lw=1.0, ls=ls, color=colors[name])
    if result.benchmark is not None:
        bench = result.benchmark
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
    ax_eq.set_title(
        f"Walk-forward backtest: lookback {result.config.get('lookback')}, rebalance every "
        f"{result.config.get('rebalance_every')}, cost {result.config.get('cost_bps', 0):g} bps"
    )
    ax_eq.legend(loc="upper left", fontsize="small")
    ax_dd.set_ylabel("drawdown")
    turnover = result.turnover.iloc[1:]  # skip the initial purchase from cash
    for name in turnover.columns:
        ax_to.plot(turnover.index, turnover[name], lw=0.9, marker=".", ms=3, color=colors.get(name))
    ax_to.set_ylabel("turnover per rebalance")
    ax_to.set_xlabel("date")
    for ax in (ax_eq, ax_dd, ax_to):
        ax.grid(alpha=0.3)
    return _save(fig, path, dpi)
