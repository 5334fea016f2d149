"""``portfolio-sgd frontier``, the run: load, trace, report (imported when the command runs)."""

from __future__ import annotations

from typing import Any

import click
import numpy as np

from ..limits.parse import parse_limit_option
from ..plotting import plot_frontier
from ..solvers.frontier import FrontierResult
from ..solvers.limited_frontier import frontier_under_limits
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .app import emit
from .frontier_limits import frontier_limit_lines
from .options import is_default
from .progress import command_progress, show_progress
from .settings import load_cli_returns, settings_from_cli


def run_frontier(
    fmt: str,
    output: str | None,
    plot_path: str | None,
    points: int,
    quiet: bool,
    strict: bool,
    **kwargs: Any,
) -> None:
    """Run ``frontier`` with the parsed options (see :func:`.frontier.command`)."""
    returns = load_cli_returns(kwargs)
    objective = kwargs["objective"]
    measure = kwargs.pop("measure", None)  # the frontier's own option, not a spec field here
    if is_default("precondition"):  # the library's frontier default (see FRONTIER_CONFIG)
        kwargs["precondition"] = False
    limits = [parse_limit_option(text) for text in kwargs.pop("limit_options", ())]
    spec, constraints, config = settings_from_cli(kwargs, progress=show_progress(quiet))
    with command_progress("frontier", quiet):
        result = frontier_under_limits(
            returns,
            objective,
            points,
            constraints,
            config,
            alpha=spec.alpha,
            measure=measure,
            limits=limits,
        )
    if fmt == "json":
        emit(dumps(result.to_dict()), output)
    elif fmt == "csv":
        emit(_csv(result), output)
    else:
        emit(_table(result), output)
    if plot_path:
        plot_frontier(result, plot_path)
    if not result.converged.all():
        click.echo(f"warning: {uncertified_note(result)}", err=True)
        if strict:
            raise SystemExit(3)


def uncertified_note(result: FrontierResult) -> str:
    """Which points are not certified converged, by index (as in the table and CSV)."""
    bad = [int(k) for k in np.flatnonzero(~np.asarray(result.converged, dtype=bool))]
    shown = ", ".join(str(k) for k in bad[:10]) + (", ..." if len(bad) > 10 else "")
    return f"{len(bad)} of {len(result.converged)} points not certified (point {shown})"


def _csv(result: FrontierResult) -> str:
    frame = result.to_frame().join(result.weights.add_prefix("w_"))
    frame = escape_text_cells(frame.rename_axis("point"))
    return frame.to_csv(float_format="%.10g").rstrip("\n")


def _table(result: FrontierResult) -> str:
    lines = [
        f"portfolio-sgd: {result.objective} frontier, {len(result.risk)} points on "
        f"{result.weights.shape[1]} assets (risk: {result.risk_label})",
        "",
        f"{'point':>5}{'risk':>10}{'return':>10}{'lambda':>12}  top weights",
    ]
    for k in range(len(result.risk)):
        top = result.weights.iloc[k].sort_values(ascending=False)
        shown = ", ".join(f"{t} {v:.2f}" for t, v in top[top >= 0.05].head(3).items())
        lines.append(
            f"{k:>5}{result.risk[k]:>10.4f}{result.returns[k]:>10.2%}"
            f"{result.risk_aversion[k]:>12.4g}  {shown}"
        )
    lines += ["", f"batched run: {result.wall_time:.2f} s"]
    return "\n".join(lines + frontier_limit_lines(result))
