"""Optimisation figures: loss curves, SGD-vs-exact weights, weight dispersion across seeds.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global
state, no window), and optionally saves it as PNG (written atomically). In a notebook the
returned figure displays inline as the cell's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._common import _new_figure, _save
from .data import plot_correlation, plot_prices, plot_series  # noqa: F401 - re-exported

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_correlation",
    "plot_loss_curve",
    "plot_prices",
    "plot_series",
    "plot_weight_dispersion",
    "plot_weights_comparison",
]

_X_LABELS = {
    "samples": "scenarios processed (samples)",
    "step": "optimiser step",
}


def _history_of(item: Any) -> pd.DataFrame:
    history = getattr(item, "history", item)
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"expected an OptimizationResult or a history DataFrame, got {item!r}")
    return history


def plot_loss_curve(
    results: Any,
    *,
    optimum: float | Mapping[str, float] | None = None,
    x: str = "samples",
    title: str | None = None,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Full-data objective along the optimisation, from ``OptimizationResult.history``.

    Parameters
    ----------
    results : OptimizationResult, DataFrame, or mapping of label -> either
        One run, or several labelled runs (one line each). A DataFrame is a history with
        columns ``step``, ``samples``, ``batch_loss`` and ``objective``.
    optimum : float or mapping of label -> float, optional
        The exact optimum f* (e.g. ``solve_exact(...).value``), one per run for a mapping.
        With it the y axis is the relative gap ``(f - f*) / |f*|`` on a log scale; points
        where the gap is not positive (SGD at f* to rounding) are left out. Without it the
        y axis is the objective itself, with the mini-batch loss dotted alongside.
    x : {"samples", "step"}
        The x axis: scenarios processed, or optimiser steps.
    title : str, optional
    path : path-like, optional
        Where to save the figure as PNG.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the first line of each run is its full-data curve (label = run label).
    """
    if x not in _X_LABELS:
        raise ValueError(f"x must be one of {sorted(_X_LABELS)}, got {x!r}")
    runs = _runs_of(results)
    optima = _optima_of(optimum, runs)
    fig = _new_figure((8, 4.8))
    ax = fig.subplots()
    for i, (label, hist) in enumerate(runs.items()):
        _plot_run(ax, hist, label, x, f"C{i % 10}", None if optima is None else optima[label])
    ax.set_xlabel(_X_LABELS[x])
    if optima is None:
        ax.set_ylabel("objective on the full data (daily return units)")
        default_title = "Loss curve"
    else:
        ax.set_yscale("log")
        ax.set_ylabel("relative gap to the exact optimum, (f - f*) / |f*|")
        default_title = "Convergence to the exact optimum"
    if x == "samples":
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 3))
    ax.set_title(title or default_title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return _save(fig, path, dpi)


def _runs_of(results: Any) -> dict[str, pd.DataFrame]:
    """Label -> history of one run (labelled by its objective) or of a mapping of runs."""
    if isinstance(results, Mapping):
        return {str(k): _history_of(v) for k, v in results.items()}
    label = str(getattr(results, "objective", "objective"))
    return {label: _history_of(results)}


def _optima_of(
    optimum: float | Mapping[str, float] | None, runs: Mapping[str, pd.DataFrame]
) -> dict[str, float] | None:
    """Label -> f* for every run (one value for all, or a mapping covering every run)."""
    if optimum is None:
        return None
    if isinstance(optimum, Mapping):
        optima = {str(k): float(v) for k, v in optimum.items()}
        missing = [k for k in runs if k not in optima]
        if missing:
            raise ValueError(f"no optimum given for run(s): {', '.join(missing)}")
        return optima
    return {k: float(optimum) for k in runs}


def _plot_run(
    ax: Axes, hist: pd.DataFrame, label: str, x: str, color: str, f_star: float | None
) -> None:
    """One run's lines: the objective and the dotted mini-batch loss, or (given ``f_star``)
    the positive relative gaps ``(f - f*) / |f*|``."""
    xs = hist[x].to_numpy(dtype=float)
    if f_star is None:
        ax.plot(xs, hist["objective"].to_numpy(dtype=float), color=color, lw=1.6, label=label)
        ax.plot(
            xs,
            hist["batch_loss"].to_numpy(dtype=float),
            color=color,
            lw=1.0,
            ls=":",
            alpha=0.8,
            label=f"{label} (mini-batch loss)",
        )
        return
    scale = abs(f_star) if f_star != 0 else 1.0
    gap = (hist["objective"].to_numpy(dtype=float) - f_star) / scale
    gap = np.where(gap > 0, gap, np.nan)
    ax.plot(xs, gap, color=color, lw=1.6, marker=".", ms=4, label=label)


def _weights_frame(weights: Any) -> pd.DataFrame:
    if isinstance(weights, pd.DataFrame):
        return weights.astype(float)
    if isinstance(weights, Mapping):
        index = None
        for value in weights.values():
            if isinstance(value, pd.Series):
                index = value.index
                break
        columns = {}
        for key, value in weights.items():
            if isinstance(value, pd.Series):
                columns[str(key)] = value.reindex(index) if index is not None else value
            else:
                columns[str(key)] = pd.Series(
                    np.asarray(value, dtype=float).reshape(-1), index=index
                )
        return pd.DataFrame(columns).astype(float)
    raise TypeError(f"weights must be a DataFrame or a mapping of name -> weights, got {weights!r}")


def _grouped_bars(ax: Axes, frame: pd.DataFrame, percent: bool) -> None:
    n_assets, k = frame.shape
    width = 0.8 / max(k, 1)
    positions = np.arange(n_assets)
    scale = 100.0 if percent else 1.0
    for j, name in enumerate(frame.columns):
        offset = (j - (k - 1) / 2) * width
        ax.bar(positions + offset, frame[name].to_numpy() * scale, width=width, label=str(name))
    ax.set_xticks(positions, [str(i) for i in frame.index], rotation=90, fontsize="small")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_ylabel("weight (%)" if percent else "weight")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")


def plot_weights_comparison(
    weights: Any,
    *,
    percent: bool = True,
    title: str | None = None,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Grouped bar chart of portfolio weights per asset, e.g. SGD against the exact solver.

    Parameters
    ----------
    weights : DataFrame, mapping of name -> weights, or mapping of title -> either
        One panel: a DataFrame of shape (N, K) (rows are assets, one column per method), or
        a mapping ``{"SGD": Series, "exact": array}`` (arrays take the Series' index).
        Several panels: a mapping of panel title -> one of those, one panel each, stacked.
    percent : bool
        Show weights in percent.
    title : str, optional
        Figure title.
    path : path-like, optional
        Where to save the figure as PNG.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel; in each, one bar container per method (in column order) whose
        bar heights are that method's weights (times 100 with ``percent``).
    """
    panels: dict[str | None, pd.DataFrame]
    if isinstance(weights, Mapping) and all(
        isinstance(v, (pd.DataFrame, Mapping)) for v in weights.values()
    ):
        panels = {str(k): _weights_frame(v) for k, v in weights.items()}
    else:
        panels = {None: _weights_frame(weights)}
    n_assets = max(f.shape[0] for f in panels.values())
    width = min(max(6.0, 0.45 * n_assets + 2.0), 18.0)
    fig = _new_figure((width, 3.2 * len(panels) + 0.6))
    axes = np.atleast_1d(fig.subplots(len(panels), 1, squeeze=False)[:, 0])
    for ax, (panel_title, frame) in zip(axes, panels.items(), strict=True):
        _grouped_bars(ax, frame, percent)
        if panel_title is not None:
            ax.set_title(panel_title)
    axes[-1].set_xlabel("asset")
    fig.suptitle(title or "Portfolio weights")
    return _save(fig, path, dpi)


def plot_weight_dispersion(
    weights: Mapping[str, pd.DataFrame],
    *,
    reference: pd.Series | np.ndarray | None = None,
    reference_label: str = "exact optimum w*",
    percent: bool = True,
    title: str | None = None,
    path: str | Path | None = None,
    dpi: int = 110,
) -> Figure:
    """Strip plot of final weights across seeds: per asset, one column of points per group.

    Parameters
    ----------
    weights : mapping of label -> DataFrame, shape (S, N)
        For each group (e.g. ``"m = 8"``), the final weights of S runs (one row per seed),
        columns = assets. All groups must share the same columns.
    reference : Series or ndarray, shape (N,), optional
        A reference portfolio (e.g. the exact optimum), drawn as a black tick per asset.
    reference_label : str
    percent : bool
        Show weights in percent.
    title : str, optional
    path : path-like, optional
        Where to save the figure as PNG.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one scatter collection per group (in mapping order), its points at
        x = asset position + group offset + a fixed jitter, y = the weights (asset-major,
        i.e. all seeds of the first asset, then the second, ...). With a reference, one
        extra scatter collection of N ticks at the asset positions.
    """
    groups = {str(k): pd.DataFrame(v).astype(float) for k, v in weights.items()}
    if not groups:
        raise ValueError("give at least one group of weights")
    columns = next(iter(groups.values())).columns
    for label, frame in groups.items():
        if list(frame.columns) != list(columns):
            raise ValueError(f"group {label!r} has different assets from the first group")
    scale = 100.0 if percent else 1.0
    n_assets, k = len(columns), len(groups)
    width = 0.8 / k
    positions = np.arange(n_assets, dtype=float)
    fig = _new_figure((min(max(6.0, 0.5 * n_assets + 2.0), 18.0), 4.8))
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for j, (label, frame) in enumerate(groups.items()):
        n_runs = frame.shape[0]
        centre = positions + (j - (k - 1) / 2) * width
        jitter = rng.uniform(-0.3 * width, 0.3 * width, size=(n_assets, n_runs))
        xs = (centre[:, None] + jitter).reshape(-1)
        ys = frame.to_numpy().T.reshape(-1) * scale
        ax.scatter(xs, ys, s=9, alpha=0.6, color=f"C{j % 10}", label=f"{label} ({n_runs} seeds)")
    if reference is not None:
        ref = np.asarray(
            reference.reindex(columns) if isinstance(reference, pd.Series) else reference,
            dtype=float,
        ).reshape(-1)
        ax.scatter(
            positions, ref * scale, marker="_", s=400, color="black", lw=2, label=reference_label
        )
    ax.set_xticks(positions, [str(c) for c in columns], rotation=90, fontsize="small")
    ax.set_xlabel("asset")
    ax.set_ylabel("final weight (%)" if percent else "final weight")
    ax.set_title(title or "Final weights across seeds")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")
    return _save(fig, path, dpi)
