"""Risk-study figures: the batch-size sweep, the linear scaling rule and batch annealing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from ._common import _new_figure, _save

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "RiskReportLike",
    "StudyReportLike",
    "plot_annealing",
    "plot_risk",
    "plot_scaling",
    "plot_sweep",
]


class RiskReportLike(Protocol):
    """What the sweep figure reads (a :class:`~portfolio_sgd.estimation.batch_size.RiskReport`;
    the figures sit below the studies in the layers, so they do not import it)."""

    rows: pd.DataFrame
    objective: str
    slope_excess: float
    sampling: str


class StudyReportLike(Protocol):
    """What the scaling and annealing figures read (a
    :class:`~portfolio_sgd.estimation.batch_size.StudyReport`)."""

    rows: pd.DataFrame
    curves: pd.DataFrame


def plot_sweep(report: RiskReportLike, path: str | Path | None = None, dpi: int = 110) -> Figure:
    """Two panels: excess objective and dispersion vs m (log-log, 1/m line); measured vs predicted variance.

    Parameters
    ----------
    report : RiskReportLike
    path : path-like, optional
        Save as PNG (atomically).
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
    """

    rows = report.rows.sort_values("batch_size")
    m = rows["batch_size"].to_numpy(dtype=float)
    fig = _new_figure((12, 4.5))
    fig.get_layout_engine().set(wspace=0.12)
    ax, ax_var = fig.subplots(1, 2)
    ex = rows["excess_objective"].to_numpy()
    ax.loglog(m, ex, "o-", label="excess objective f(w_m) - f(w*)")
    ax.loglog(m, rows["excess_objective_averaged"], "s--", label="excess, averaged iterate")
    ax.loglog(m, ex[0] * m[0] / m, "k:", label="1/m reference")
    ax.set_xlabel("batch size m")
    ax.set_ylabel("excess objective f(w_m) - f(w*) (objective units)")
    ax2 = ax.twinx()
    ax2.set_yscale("log")
    ax2.plot(m, rows["weight_dispersion"], "^-", color="tab:red", label="weight dispersion")
    ax2.set_ylabel("weight dispersion: mean per-asset std (weight)", color="tab:red")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="lower left")
    ax.set_title(f"{report.objective}: error vs batch size (slope {report.slope_excess:.2f})")
    ax_var.loglog(m, rows["grad_var_predicted"], "k--", label="predicted sigma^2/m")
    ax_var.loglog(m, rows["grad_var_measured"], "o", label="measured at w*")
    ax_var.set_xlabel("batch size m")
    ax_var.set_ylabel("mini-batch gradient variance (trace)")
    ax_var.set_title(f"gradient noise ({report.sampling})")
    ax_var.legend(fontsize=8)
    return _save(fig, path, dpi)


def plot_scaling(report: StudyReportLike, path: str | Path | None = None, dpi: int = 110) -> Figure:
    """Dispersion against k for the scaled pairs (k*eta, k*m) and for m alone."""

    rows = report.rows
    fig = _new_figure((6.5, 4.5))
    ax = fig.subplots()
    base = rows[(rows["series"] == "scaled") & (rows["k"] == 1.0)]
    for series, marker in (("scaled", "o-"), ("batch only", "s--")):
        part = rows[rows["series"] == series]
        if series == "batch only":
            part = pd.concat([base, part])
        part = part.sort_values("k")
        label = "(k*eta, k*m): eta/m fixed" if series == "scaled" else "(eta, k*m): m only"
        ax.loglog(part["k"], part["weight_dispersion"], marker, label=label)
    k = np.sort(rows["k"].unique())
    d0 = (
        float(base["weight_dispersion"].iloc[0])
        if len(base)
        else float(rows["weight_dispersion"].iloc[0])
    )
    ax.loglog(k, d0 / np.sqrt(k), "k:", label="1/sqrt(k) reference")
    ax.set_xlabel("k (step size x k and batch size x k)")
    ax.set_ylabel("weight dispersion: mean per-asset std (weight)")
    ax.set_title("linear scaling rule")
    ax.legend(fontsize=8)
    return _save(fig, path, dpi)


def plot_annealing(
    report: StudyReportLike, path: str | Path | None = None, dpi: int = 110
) -> Figure:
    """Excess objective (mean over seeds) against samples processed, one line per schedule."""

    fig = _new_figure((6.5, 4.5))
    ax = fig.subplots()
    for name, part in report.curves.groupby("schedule", sort=False):
        ok = part["excess_objective"] > 0
        ax.loglog(part["samples"][ok], part["excess_objective"][ok], label=str(name))
    ax.set_xlabel("samples processed")
    ax.set_ylabel("excess objective f(w) - f(w*)")
    ax.set_title("batch-size annealing")
    ax.legend(fontsize=8)
    return _save(fig, path, dpi)


def plot_risk(
    report: RiskReportLike | StudyReportLike, path: str | Path | None = None, dpi: int = 110
) -> Figure:
    """The figure of any risk study (dispatch on the report)."""
    study = getattr(report, "study", "sweep")
    if study == "scaling":
        return plot_scaling(report, path, dpi)
    if study == "annealing":
        return plot_annealing(report, path, dpi)
    return plot_sweep(report, path, dpi)
