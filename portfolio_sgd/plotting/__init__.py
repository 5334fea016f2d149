"""Views: figures and HTML of results, drawn from plain numbers and frames.

* matplotlib figures (``Figure`` objects; no pyplot state, no windows): :mod:`.core`,
  :mod:`.data`, :mod:`.backtest`, :mod:`.frontier`, :mod:`.risk`;
* plotly figures: :mod:`.interactive` (composition, contributions, frontier, comparison,
  noise) and :mod:`.interactive_backtest` (cumulative, drawdowns, rolling, turnover,
  monthly);
* HTML: :mod:`.page` (the report page), :mod:`.notebook` (``_repr_html_``),
  :mod:`.performance_table` (the backtest metrics table and rolling series).

This is a low layer (above measures and data, below the engine): the result classes,
the frontier, the backtest and the report all draw with it. It imports nothing of the
domain above it; each view names the attributes it reads as a ``Protocol``.
"""

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
