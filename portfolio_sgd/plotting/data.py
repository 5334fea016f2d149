"""Data overview figures: prices, correlation heatmap, labelled series.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot and
optionally saves it as PNG (written atomically).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

from ._common import _new_figure, _save

__all__ = ["plot_correlation", "plot_prices", "plot_series"]


def plot_prices(
    prices: pd.DataFrame,
    *,
    periods_per_year: int = 252,
    title: str | None = None,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Overview of a price panel: growth of 1 unit, and annual return against volatility.

    Parameters
    ----------
    prices : pandas.DataFrame, shape (T, N)
        Prices (or index levels) by date, one column per asset. Leading NaNs (an asset not
        yet listed) are allowed.
    periods_per_year : int
        Rows per year, to annualise the daily statistics (252 trading days).
    title : str, optional
        Figure title; default names the number of assets and the date range.
    path : path-like, optional
        Where to save the figure as PNG.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: one line per asset, ``prices / first valid price`` (log scale). Right
        axes: one point per asset at (annualised volatility, annualised mean return) of its
        daily simple returns, in percent, labelled with the ticker.
    """
    prices = pd.DataFrame(prices)
    growth = prices / prices.apply(lambda col: col.dropna().iloc[0])
    returns = prices.pct_change(fill_method=None)
    ann_ret = returns.mean() * periods_per_year * 100.0
    ann_vol = returns.std() * np.sqrt(periods_per_year) * 100.0

    fig = _new_figure((12, 4.8))
    ax_g, ax_s = fig.subplots(1, 2, width_ratios=[3, 2])
    for name in growth.columns:
        ax_g.plot(growth.index, growth[name], lw=0.8, label=str(name))
    ax_g.set_yscale("log")
    ax_g.set_xlabel("date")
    ax_g.set_ylabel("growth of 1 (log scale)")
    ax_g.set_title("Prices, normalised to 1 at the start")
    if growth.shape[1] <= 25:
        ax_g.legend(fontsize="x-small", ncols=2 if growth.shape[1] > 10 else 1, loc="upper left")
    ax_s.scatter(ann_vol.to_numpy(), ann_ret.to_numpy(), s=22, color="C0")
    for name in prices.columns:
        ax_s.annotate(
            str(name),
            (ann_vol[name], ann_ret[name]),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize="x-small",
        )
    ax_s.axhline(0.0, color="0.6", lw=0.8)
    ax_s.set_xlabel("annualised volatility (%)")
    ax_s.set_ylabel("annualised mean return (%)")
    ax_s.set_title("Daily simple returns, annualised")
    for ax in (ax_g, ax_s):
        ax.grid(alpha=0.3)
    index = prices.index
    if title is None:
        span = ""
        if isinstance(index, pd.DatetimeIndex) and len(index):
            span = f", {index[0].date()} to {index[-1].date()}"
        title = f"{prices.shape[1]} assets{span}"
    fig.suptitle(title)
    return _save(fig, path, dpi)


def plot_correlation(
    returns: pd.DataFrame,
    *,
    title: str | None = None,
    annotate: bool | None = None,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Heatmap of the Pearson correlation matrix of returns.

    Parameters
    ----------
    returns : pandas.DataFrame, shape (T, N)
        Returns, one column per asset.
    title : str, optional
    annotate : bool, optional
        Write each coefficient in its cell; default when N <= 12.
    path : path-like, optional
        Where to save the figure as PNG.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        One image, shape (N, N), equal to ``returns.corr()``, on a diverging colour scale
        fixed to [-1, 1], with the tickers on both axes and a labelled colour bar.
    """
    corr = pd.DataFrame(returns).corr()
    n = corr.shape[0]
    labels = [str(c) for c in corr.columns]
    size = min(max(4.0, 0.35 * n + 2.5), 14.0)
    fig = _new_figure((size + 1.2, size))
    ax = fig.subplots()
    image = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    ax.set_xticks(range(n), labels, rotation=90, fontsize="small")
    ax.set_yticks(range(n), labels, fontsize="small")
    ax.set_xlabel("asset")
    ax.set_ylabel("asset")
    if annotate is None:
        annotate = n <= 12
    if annotate:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{corr.iat[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8, label="correlation of daily returns")
    if title is None:
        title = f"Return correlations ({n} assets, {len(returns)} days)"
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_series(
    data: pd.DataFrame | pd.Series,
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    logx: bool = False,
    logy: bool = False,
    kind: str = "line",
    percent: bool = False,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """A small labelled chart of one or more series against a shared index.

    Used for summary tables (e.g. a metric against the batch size or the cost in bps).

    Parameters
    ----------
    data : DataFrame (one line or bar group per column) or Series, shape (K,) or (K, J)
        The index gives the x values (line) or the categories (bar).
    xlabel, ylabel, title : str
        Axis labels with units, and the title.
    logx, logy : bool
        Log scales.
    kind : {"line", "bar"}
    percent : bool
        Multiply values by 100 (the label should then say "%").
    path : path-like, optional
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        One axes; lines (``kind="line"``, with markers) or bar containers (``kind="bar"``),
        one per column, in column order.
    """
    if kind not in ("line", "bar"):
        raise ValueError(f"kind must be 'line' or 'bar', got {kind!r}")
    frame = data.to_frame() if isinstance(data, pd.Series) else pd.DataFrame(data)
    frame = frame.astype(float) * (100.0 if percent else 1.0)
    fig = _new_figure((7, 4.2))
    ax = fig.subplots()
    if kind == "line":
        xs = frame.index.to_numpy()
        for name in frame.columns:
            ax.plot(xs, frame[name].to_numpy(), marker="o", ms=4, lw=1.4, label=str(name))
    else:
        k = frame.shape[1]
        width = 0.8 / max(k, 1)
        positions = np.arange(frame.shape[0])
        for j, name in enumerate(frame.columns):
            offset = (j - (k - 1) / 2) * width
            ax.bar(positions + offset, frame[name].to_numpy(), width=width, label=str(name))
        ax.set_xticks(positions, [str(i) for i in frame.index])
        ax.axhline(0.0, color="0.4", lw=0.8)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    if frame.shape[1] > 1 or frame.columns[0] not in (0, None):
        ax.legend(fontsize="small")
    return _save(fig, path, dpi)
