"""``portfolio-sgd frontier``: the efficient frontier as one batched SGD run."""

from __future__ import annotations

from typing import Any

import click

from .lazy import Lazy
from .options import (
    allow_absent_option,
    constraint_option,
    data_options,
    engine_options,
    format_option,
    groups_option,
    output_option,
    quiet_option,
    split_option,
)
from .sections import OBJECTIVE, OUTPUT, GroupedCommand, section

FRONTIER_OBJECTIVES = ("mean-variance", "cvar")
""":data:`portfolio_sgd.solvers.frontier.FRONTIER_OBJECTIVES`, kept here so that ``--help`` needs no
torch (``tests/test_cli_startup.py`` checks they agree)."""
MEASURED_FRONTIER = "utility"
"""The objective of a frontier over ``--measure`` (``portfolio_sgd.objectives.utility``)."""

run_frontier = Lazy("portfolio_sgd.cli.frontier_run:run_frontier")
"""The run of ``frontier`` (:mod:`.frontier_run`), imported when the command runs."""

EPILOG = """\b
Examples:
  portfolio-sgd frontier
  portfolio-sgd frontier --objective cvar --points 12 --format json
  portfolio-sgd frontier --objective utility --measure variance --points 8
  portfolio-sgd frontier --dataset ff49-daily --start 2015-01-01 --plot frontier.png
  portfolio-sgd frontier --points 8 --limit cvar=0.02 --limit max-drawdown=0.25
"""


@click.command("frontier", cls=GroupedCommand, epilog=EPILOG)
@data_options
@section(
    OBJECTIVE,
    click.option(
        "--objective",
        type=click.Choice((*FRONTIER_OBJECTIVES, MEASURED_FRONTIER)),
        default="mean-variance",
        show_default=True,
        help="mean-variance (risk: annualised volatility), cvar (risk: daily CVaR), or "
        "utility over --measure (risk: that measure).",
    ),
    click.option(
        "--measure",
        default=None,
        metavar="NAME",
        help="Risk measure of a utility frontier: a registered measure (variance, cvar, or "
        "one from the portfolio_sgd.measures entry-point group).",
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
    click.option(
        "--limit",
        "limit_options",
        multiple=True,
        metavar="NAME=VALUE",
        help="Risk limit every point meets, on any registered measure, repeatable: "
        "--limit cvar=0.02 --limit evar=0.04.",
    ),
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
def command(**kwargs: Any) -> None:
    """Trace the efficient frontier: K points from the minimum-risk portfolio to the
    maximum-return one, solved together as one (K, N) batched run.

    Each point reports the parameter it used (mean-variance lambda, the CVaR return
    weight, or the utility's risk aversion) and its certificate ("converged").
    """
    run_frontier(**kwargs)
