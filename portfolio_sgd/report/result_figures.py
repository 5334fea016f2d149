"""The figures of one optimisation result (plotly ``Figure`` objects).

Functions rather than methods of :class:`~portfolio_sgd.results.OptimizationResult`: the
result record sits below the solvers and never imports the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..plotting.interactive import composition_figure, contributions_figure
from .contributions import measure_of, risk_contributions

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from ..results import OptimizationResult


def plot_composition(result: OptimizationResult) -> go.Figure:
    """The weights (with bootstrap 5-95% intervals and P(held) when computed)
    (:func:`portfolio_sgd.plotting.interactive.composition_figure`)."""
    return composition_figure(result.weights, result.error_bars)


def plot_risk_contributions(
    result: OptimizationResult,
    returns: pd.DataFrame,
    by: str = "asset",
    measure: str | None = None,
) -> go.Figure:
    """Risk contributions of ``result``'s weights on ``returns`` (T, N), by asset or by
    group; ``measure`` defaults to CVaR for CVaR objectives, else volatility."""
    rc = risk_contributions(
        returns,
        result.weights,
        measure or measure_of(result.objective),
        result.spec.alpha,
        result.constraints.groups,
    )
    return contributions_figure(rc, by)
