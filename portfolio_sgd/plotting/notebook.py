"""Rich display of results in a notebook (``_repr_html_``): small escaped HTML tables.

The figures stay separate (``plot_composition(result)``, ``backtest.plot_drawdowns()``,
...: plotly figures that a notebook renders itself), so that displaying a result never
embeds plotly.js.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from .interactive import HELD
from .page import esc, table
from .performance_table import TABLE, format_cell, metrics_table


class ResultLike(Protocol):
    """What an optimisation's table reads (an :class:`~portfolio_sgd.OptimizationResult`;
    the views sit below the results in the layers, so they do not import it)."""

    objective: str
    objective_value: float
    optimality_gap: float
    relative_gap_bound: float
    converged: bool
    weights: pd.Series
    n_scenarios: int
    start: str | None
    end: str | None
    steps: int
    wall_time: float


class MetricsLike(Protocol):
    """What a backtest's table reads (a :class:`~portfolio_sgd.backtest.BacktestResult`)."""

    metrics: pd.DataFrame


TOP = 15
"""Weights listed by an optimisation's table (largest first)."""


def result_html(result: ResultLike) -> str:
    """An optimisation's headline numbers and its largest weights."""
    rows = [
        ("objective", result.objective),
        ("objective value", f"{result.objective_value:.6g}"),
        (
            "certified gap <=",
            f"{result.optimality_gap:.3g} ({result.relative_gap_bound:.2g} relative)",
        ),
        ("converged", "yes" if result.converged else "NO"),
        ("assets / scenarios", f"{result.weights.shape[0]} / {result.n_scenarios}"),
        ("window", f"{result.start} .. {result.end}"),
        ("steps / wall time", f"{result.steps} / {result.wall_time:.2f} s"),
    ]
    held = result.weights[result.weights.abs() >= HELD].sort_values(ascending=False)
    weights = [(t, f"{w:.4f}") for t, w in held.head(TOP).items()]
    more = len(held) - len(weights)
    note = f"<p>{more} more held assets; <code>result.weights</code> has all.</p>" if more else ""
    return (
        "<div><b>OptimizationResult</b>"
        + table(["", ""], rows)
        + table(["ticker", "weight"], weights)
        + note
        + f"<p>{esc('plot_composition(result) draws the weights.')}</p></div>"
    )


def backtest_html(result: MetricsLike) -> str:
    """A backtest's metrics table (one row per strategy and the benchmark)."""
    frame = metrics_table(result.metrics)
    rows = [
        [name, *(format_cell(row[k], kind) for k, _, kind in TABLE)]
        for name, row in frame.iterrows()
    ]
    return (
        "<div><b>BacktestResult</b>"
        + table(["strategy", *(label for _, label, _ in TABLE)], rows)
        + "</div>"
    )
