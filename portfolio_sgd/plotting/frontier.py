"""The efficient frontier with the assets as points."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from ._common import _new_figure, _save

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FrontierLike", "plot_frontier"]


class FrontierLike(Protocol):
    """What a frontier figure reads (a :class:`~portfolio_sgd.solvers.frontier.FrontierResult`).

    The figures sit below the solvers in the layers, so they name the attributes they
    draw instead of importing the result class.
    """

    objective: str
    risk: np.ndarray
    returns: np.ndarray
    asset_risk: pd.Series
    asset_returns: pd.Series

    @property
    def risk_label(self) -> str: ...


def plot_frontier(
    frontier: FrontierLike,
    path: str | Path | None = None,
    *,
    label_assets: bool = True,
    figsize: tuple[float, float] = (7.0, 5.0),
    dpi: int = 120,
) -> Figure:
    """Plot a frontier's K points (risk, return) as a line and each asset as a dot.

    Parameters
    ----------
    frontier : FrontierLike
        ``risk`` and ``returns`` (K,), ``asset_risk`` and ``asset_returns`` (N,).
    path : str or Path, optional
        Save a PNG here (atomically).
    label_assets : bool
        Annotate the asset dots with their tickers.
    figsize, dpi
        Figure size (inches) and PNG resolution.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _new_figure(figsize)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(frontier.risk, frontier.returns, "o-", color="C0", ms=4, label="frontier (SGD)")
    ax.scatter(frontier.asset_risk, frontier.asset_returns, color="C1", s=14, label="assets")
    if label_assets:
        for ticker in frontier.asset_risk.index:
            xy = (frontier.asset_risk[ticker], frontier.asset_returns[ticker])
            ax.annotate(str(ticker), xy, fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel(frontier.risk_label)
    ax.set_ylabel("annualised return (252 x mean daily)")
    ax.set_title(f"{frontier.objective} efficient frontier, {len(frontier.risk)} points")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return _save(fig, path, dpi)
