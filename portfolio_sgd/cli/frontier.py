"""``portfolio-sgd frontier``: the efficient frontier as one batched SGD run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .app import emit, to_json
from .options import (
    allow_absent_option,
    constraint_option,
    data_options,
    engine_options,
    format_option,
    groups_option,
    is_default,
    load_cli_returns,
    output_option,
    quiet_option,
    settings_from_cli,
    split_option,
)
from .progress import command_progress, show_progress
from .sections import OBJECTIVE, OUTPUT, GroupedCommand, section

if TYPE_CHECKING:  # pragma: no cover
    from ..solvers.frontier import FrontierResult

FRONTIER_OBJECTIVES = ("mean-variance", "cvar")
""":data:`portfolio_sgd.solvers.frontier.FRONTIER_OBJECTIVES`, kept here so that ``--help`` needs no
torch (``tests/test_cli_startup.py`` checks they agree)."""

EPILOG = """\b
Examples:
  portfolio-sgd frontier
  portfolio-sgd frontier --objective cvar --points 12 --format json
  portfolio-sgd frontier --dataset ff49-daily --start 2015-01-01 --plot frontier.png
"""


@click.command("frontier", cls=GroupedCommand, epilog=EPILOG)
@data_options
@section(
    OBJECTIVE,
    click.option(
        "--objective",
        type=click.Choice(FRONTIER_OBJECTIVES),
        default="mean-variance",
        show_default=True,
        help="mean-variance (risk: annualised volatility) or cvar (risk: daily CVaR).",
    ),
    click.option(
        "--points",
        type=click.IntRange(min=2),
        default=20,
        show_default=True,
        help="Points on the frontier.",
    ),
    click.option("--alpha", type=float, default=0.95, show_default=True, help="CVaR level."),
    click.option(
        "--min-weight", type=float, default=0.0, show_default=True, help="Per-asset lower bound."
    ),
    click.option(
        "--max-weight", type=float, default=1.0, show_default=True, help="Per-asset upper bound."
    ),
    groups_option,
    allow_absent_option,
    constraint_option,
)
@section(
    OUTPUT,
    format_option,
    output_option,
    click.option(
        "--plot",
        "plot_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Save the frontier (and the assets) as a PNG.",
    ),
    quiet_option,
    click.option(
        "--strict",
        is_flag=True,
        help="Exit with code 3 when a point is not certified converged (the output is still "
        "written).",
    ),
)
@engine_options
@split_option
def command(
    fmt: str,
    output: str | None,
    plot_path: str | None,
    points: int,
    quiet: bool,
    strict: bool,
    **kwargs: Any,
) -> None:
    """Trace the efficient frontier: K points from the minimum-risk portfolio to the
    maximum-return one, solved together as one (K, N) batched run.

    Each point reports the parameter it used (mean-variance lambda, or the CVaR return
    weight) and its certificate ("converged").
    """
    from ..solvers.frontier import efficient_frontier

    returns = load_cli_returns(kwargs)
    objective = kwargs["objective"]
    if is_default("precondition"):  # the library's frontier default (see FRONTIER_CONFIG)
        kwargs["precondition"] = False
    spec, constraints, config = settings_from_cli(kwargs, progress=show_progress(quiet))
    with command_progress("frontier", quiet):
        result = efficient_frontier(
            returns, objective, points, constraints, config, alpha=spec.alpha
        )
    if fmt == "json":
        emit(to_json(result.to_dict()), output)
    elif fmt == "csv":
        emit(_csv(result), output)
    else:
        emit(_table(result), output)
    if plot_path:
        from ..plotting import plot_frontier

        plot_frontier(result, plot_path)
    if not result.converged.all():
        click.echo(f"warning: {uncertified_note(result)}", err=True)
        if strict:
            raise SystemExit(3)


def uncertified_note(result: FrontierResult) -> str:
    """Which points are not certified converged, by index (as in the table and CSV)."""
    import numpy as np

    bad = [int(k) for k in np.flatnonzero(~np.asarray(result.converged, dtype=bool))]
    shown = ", ".join(str(k) for k in bad[:10]) + (", ..." if len(bad) > 10 else "")
    return f"{len(bad)} of {len(result.converged)} points not certified (point {shown})"


def _csv(result: FrontierResult) -> str:
    from ..utils.csv_safe import escape_text_cells

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
    return "\n".join(lines)
