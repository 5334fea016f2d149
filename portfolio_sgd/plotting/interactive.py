"""plotly figures of one optimisation: composition, risk contributions, frontier, comparison,
and the gradient-noise plot of the estimation-error section.

Every function returns a :class:`plotly.graph_objects.Figure`. Labels (tickers, strategy
names) are HTML-escaped before they reach plotly, which renders a subset of HTML in text:
a ticker such as ``<b>X</b>`` is shown as written, never interpreted.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..measures.registry import get_measure
from .frontier import FrontierLike

# The figures sit below the solvers and the studies in the layers: they name the
# attributes they draw (Protocols) instead of importing the records that carry them.


class ErrorBarsLike(Protocol):
    """What the composition chart reads (:class:`~portfolio_sgd.estimation.bootstrap.ErrorBars`)."""

    weights_lo: pd.Series
    weights_hi: pd.Series
    p_held: pd.Series
    n_resamples: int


class ContributionsLike(Protocol):
    """What the contributions chart reads (:class:`~portfolio_sgd.report.contributions.RiskContributions`)."""

    measure: str
    alpha: float
    risk: float
    by_asset: pd.Series
    by_group: pd.Series


class NoiseLike(Protocol):
    """What the noise plot reads (:class:`~portfolio_sgd.report.estimation.NoiseSummary`)."""

    batch_sizes: tuple[int, ...]
    measured: tuple[float, ...]
    predicted: tuple[float, ...]


HELD = 5e-5
"""Weights below this (in absolute value) are left out of the composition chart."""
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 30, "t": 50, "b": 60}}


def label(text: object) -> str:
    """``text`` HTML-escaped for plotly's text rendering."""
    return html.escape(str(text), quote=True)


def labels(items: Iterable[object]) -> list[str]:
    """:func:`label` of each item."""
    return [label(t) for t in items]


def _figure(title: str, **layout: object) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, **LAYOUT, **layout)
    return fig


def composition_figure(weights: pd.Series, error_bars: ErrorBarsLike | None = None) -> go.Figure:
    """Held weights, largest first, with bootstrap 5-95% intervals and P(held).

    One bar trace (with asymmetric error bars to the bootstrap's 5% and 95% percentiles
    when ``error_bars`` is given) and, with error bars, a marker trace of P(held) on a
    second axis.
    """
    w = weights[weights.abs() >= HELD].sort_values(ascending=False)
    fig = _figure("Portfolio composition", yaxis={"title": "weight", "tickformat": ".1%"})
    bar = go.Bar(x=labels(w.index), y=w.to_numpy(), name="weight")
    if error_bars is not None:
        hi = error_bars.weights_hi.reindex(w.index).to_numpy()
        lo = error_bars.weights_lo.reindex(w.index).to_numpy()
        bar.error_y = {
            "type": "data",
            "symmetric": False,
            "array": np.maximum(hi - w.to_numpy(), 0.0),
            "arrayminus": np.maximum(w.to_numpy() - lo, 0.0),
        }
        bar.name = f"weight (5-95% of {error_bars.n_resamples} bootstrap resamples)"
    fig.add_trace(bar)
    if error_bars is not None:
        p = error_bars.p_held.reindex(w.index).to_numpy()
        fig.add_trace(
            go.Scatter(x=labels(w.index), y=p, mode="markers", name="P(held)", yaxis="y2")
        )
        fig.update_layout(
            yaxis2={"title": "P(held)", "overlaying": "y", "side": "right", "range": [0, 1.05]},
            legend={"orientation": "h", "y": -0.25},
        )
    return fig


def contributions_figure(rc: ContributionsLike, by: str = "asset") -> go.Figure:
    """Risk contributions as shares of the risk, by asset (held assets, largest first) or
    by group: one bar trace."""
    series = rc.by_asset if by == "asset" else rc.by_group
    shares = series / rc.risk if rc.risk else series * np.nan
    if by == "asset":
        shares = shares[shares.abs() >= HELD]
    shares = shares.sort_values(ascending=False)
    measure = get_measure(rc.measure)
    what = f"{measure.short_label} at {rc.alpha:g}" if measure.uses_alpha else measure.short_label
    fig = _figure(
        f"Risk contributions by {by} ({what})",
        yaxis={"title": "share of the risk", "tickformat": ".1%"},
    )
    fig.add_trace(go.Bar(x=labels(shares.index), y=shares.to_numpy(), name="share"))
    return fig


def frontier_figure(
    frontier: FrontierLike,
    chosen: tuple[float, float] | None = None,
    cloud: np.ndarray | None = None,
    others: Mapping[str, tuple[float, float]] | None = None,
) -> go.Figure:
    """The efficient frontier (risk, return), the assets, the chosen portfolio and, where
    given, the resampled cloud (K, 2) and other portfolios ``{name: (risk, return)}``.

    Traces: frontier, assets, [cloud], [chosen], one per other portfolio.
    """
    fig = _figure(
        f"Efficient frontier ({frontier.objective})",
        xaxis={"title": frontier.risk_label},
        yaxis={"title": "annual return (252 x mean)", "tickformat": ".1%"},
    )
    fig.add_trace(
        go.Scatter(x=frontier.risk, y=frontier.returns, mode="lines+markers", name="frontier")
    )
    fig.add_trace(
        go.Scatter(
            x=frontier.asset_risk.to_numpy(),
            y=frontier.asset_returns.to_numpy(),
            mode="markers",
            marker={"symbol": "diamond", "size": 6, "color": "grey"},
            text=labels(frontier.asset_risk.index),
            name="assets",
        )
    )
    if cloud is not None:
        fig.add_trace(
            go.Scatter(
                x=cloud[:, 0],
                y=cloud[:, 1],
                mode="markers",
                name="bootstrap resamples",
                marker={"size": 4, "opacity": 0.35},
            )
        )
    if chosen is not None:
        fig.add_trace(
            go.Scatter(
                x=[chosen[0]],
                y=[chosen[1]],
                mode="markers",
                name="chosen portfolio",
                marker={"symbol": "star", "size": 16, "color": "crimson"},
            )
        )
    for name, (risk, ret) in (others or {}).items():
        fig.add_trace(
            go.Scatter(x=[risk], y=[ret], mode="markers", name=label(name), marker={"size": 11})
        )
    return fig


def comparison_figure(weights: pd.DataFrame) -> go.Figure:
    """Several portfolios' weights side by side: one bar trace per column of ``weights``
    (N, P), assets held by any of them."""
    held = weights[(weights.abs() >= HELD).any(axis=1)]
    held = held.loc[held.max(axis=1).sort_values(ascending=False).index]
    fig = _figure(
        "Portfolios compared", barmode="group", yaxis={"title": "weight", "tickformat": ".1%"}
    )
    for name in held.columns:
        fig.add_trace(go.Bar(x=labels(held.index), y=held[name].to_numpy(), name=label(name)))
    return fig


def noise_figure(noise: NoiseLike) -> go.Figure:
    """Measured mini-batch gradient variance against the prediction ``sigma^2 / m`` on
    log-log axes: two traces (measured markers, predicted line)."""
    fig = _figure(
        "Gradient noise at the solution",
        xaxis={"title": "batch size m", "type": "log"},
        yaxis={"title": "mini-batch gradient variance", "type": "log"},
    )
    m = np.asarray(noise.batch_sizes, dtype=np.float64)
    fig.add_trace(
        go.Scatter(
            x=m, y=np.asarray(noise.measured), mode="markers", name="measured", marker={"size": 10}
        )
    )
    fig.add_trace(go.Scatter(x=m, y=np.asarray(noise.predicted), mode="lines", name="σ²/m"))
    return fig
