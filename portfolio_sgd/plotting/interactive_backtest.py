"""plotly figures of a walk-forward backtest: cumulative returns, drawdowns, rolling
volatility and Sharpe, turnover and costs, and a monthly-returns heat map.

Each takes a :class:`~portfolio_sgd.backtest.BacktestResult` and returns a
:class:`plotly.graph_objects.Figure` with one trace per strategy (and one for the
benchmark, where the chart has one), named by the strategy spec (HTML-escaped).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..measures.performance import drawdown
from .interactive import LAYOUT, label, labels
from .performance_table import ROLLING_WINDOW, monthly_returns, rolling_sharpe, rolling_volatility


class BacktestLike(Protocol):
    """What the backtest figures read (a :class:`~portfolio_sgd.backtest.BacktestResult`;
    the figures sit below the backtest in the layers, so they do not import it)."""

    returns: pd.DataFrame
    rebalances: pd.DataFrame
    benchmark: pd.Series | None

    @property
    def strategies(self) -> list[str]: ...


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _with_benchmark(result: BacktestLike) -> pd.DataFrame:
    """Daily returns of the strategies and, last, the benchmark (if any)."""
    frame = result.returns.copy()
    if result.benchmark is not None:
        frame[str(result.benchmark.name or "benchmark")] = result.benchmark
    return frame


def _lines(fig: go.Figure, frame: pd.DataFrame, **kwargs: object) -> None:
    for name in frame.columns:
        fig.add_trace(
            go.Scatter(x=frame.index, y=frame[name].to_numpy(), mode="lines", name=label(name)),
            **kwargs,
        )


def cumulative_figure(result: BacktestLike) -> go.Figure:
    """Growth of 1 after costs, ``cumprod(1 + r)``: one line per strategy and benchmark."""
    fig = go.Figure()
    fig.update_layout(
        title="Cumulative return (after costs)", yaxis={"title": "growth of 1"}, **LAYOUT
    )
    _lines(fig, (1.0 + _with_benchmark(result)).cumprod())
    return fig


def drawdowns_figure(result: BacktestLike) -> go.Figure:
    """Drawdown from the running peak: one line per strategy and benchmark."""
    fig = go.Figure()
    fig.update_layout(title="Drawdowns", yaxis={"title": "drawdown", "tickformat": ".0%"}, **LAYOUT)
    _lines(fig, drawdown(_with_benchmark(result)))
    return fig


def rolling_figure(result: BacktestLike, window: int = ROLLING_WINDOW) -> go.Figure:
    """Rolling annualised volatility (top) and Sharpe ratio (bottom) over ``window`` rows:
    two lines per strategy and benchmark."""
    frame = _with_benchmark(result)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.update_layout(title=f"Rolling {window}-day volatility and Sharpe ratio", **LAYOUT)
    vol, sharpe = rolling_volatility(frame, window), rolling_sharpe(frame, window)
    for k, name in enumerate(frame.columns):
        color = _color(k)
        fig.add_trace(
            go.Scatter(
                x=vol.index,
                y=vol[name].to_numpy(),
                mode="lines",
                name=label(name),
                legendgroup=str(k),
                line={"color": color},
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=sharpe.index,
                y=sharpe[name].to_numpy(),
                mode="lines",
                name=label(name),
                legendgroup=str(k),
                showlegend=False,
                line={"color": color},
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text="volatility", tickformat=".0%", row=1, col=1)
    fig.update_yaxes(title_text="Sharpe", row=2, col=1)
    return fig


def turnover_figure(result: BacktestLike) -> go.Figure:
    """Turnover per rebalance (top, markers) and cumulative costs (bottom): two traces per
    strategy."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.update_layout(title="Turnover and costs", **LAYOUT)
    reb = result.rebalances
    for k, name in enumerate(result.strategies):
        rows = reb[reb["strategy"] == name]
        color = _color(k)
        fig.add_trace(
            go.Scatter(
                x=rows["date"],
                y=rows["turnover"].to_numpy(),
                mode="markers",
                name=label(name),
                legendgroup=str(k),
                marker={"color": color},
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=rows["date"],
                y=rows["cost"].cumsum().to_numpy(),
                mode="lines",
                name=label(name),
                legendgroup=str(k),
                showlegend=False,
                line={"color": color, "shape": "hv"},
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text="turnover", row=1, col=1)
    fig.update_yaxes(title_text="cumulative cost", tickformat=".2%", row=2, col=1)
    return fig


def monthly_figure(result: BacktestLike, strategy: str | None = None) -> go.Figure:
    """Monthly returns of one strategy (default the first) as a year x month heat map:
    one trace."""
    name = strategy if strategy is not None else result.strategies[0]
    table = monthly_returns(result.returns[name])
    fig = go.Figure()
    fig.update_layout(
        title=f"Monthly returns: {label(name)}",
        yaxis={"title": "year", "autorange": "reversed"},
        **LAYOUT,
    )
    values = table.to_numpy(dtype=np.float64)
    text = [[("" if v != v else f"{v:.1%}") for v in row] for row in values]
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig.add_trace(
        go.Heatmap(
            z=values,
            x=list(MONTHS),
            y=[str(y) for y in table.index],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            colorbar={"tickformat": ".0%"},
            name=label(name),
        )
    )
    return fig


def strategy_labels(result: BacktestLike) -> list[str]:
    """The escaped names of the strategies (and benchmark), in trace order."""
    return labels(_with_benchmark(result).columns)


def _color(k: int) -> str:
    palette = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692")
    return palette[k % len(palette)]
