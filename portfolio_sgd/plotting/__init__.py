"""matplotlib figures (``Figure`` objects; no pyplot state, no windows)."""

from __future__ import annotations

from .backtest import plot_backtest, plot_equity
from .core import (
    plot_correlation,
    plot_loss_curve,
    plot_prices,
    plot_series,
    plot_weight_dispersion,
    plot_weights_comparison,
)
from .frontier import plot_frontier
from .risk import plot_annealing, plot_risk, plot_scaling, plot_sweep

__all__ = [
    "plot_annealing",
    "plot_backtest",
    "plot_correlation",
    "plot_equity",
    "plot_frontier",
    "plot_loss_curve",
    "plot_prices",
    "plot_risk",
    "plot_scaling",
    "plot_series",
    "plot_sweep",
    "plot_weight_dispersion",
    "plot_weights_comparison",
]
