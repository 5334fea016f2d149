"""``portfolio-sgd risk``: batch size -> gradient noise -> estimation error of the weights."""

from __future__ import annotations

from typing import Any

import click

from .lazy import Lazy
from .options import (
    data_options,
    engine_option,
    format_option,
    objective_options,
    output_option,
    quiet_option,
)
from .sections import ENGINE, OUTPUT, STUDY, GroupedCommand, section

run = Lazy("portfolio_sgd.cli.risk_run:run")
"""The run of ``risk`` (:mod:`.risk_run`), imported when the command runs."""

EPILOG = """\b
Examples:
  portfolio-sgd risk                                   # sweep on sp500, min-variance
  portfolio-sgd risk --batch-sizes 8,32,128,512 --seeds 16 --test-fraction 0.3
  portfolio-sgd risk --study scaling --factors 1,2,4,8 --plot scaling.png
  portfolio-sgd risk --study annealing --format json --output annealing.json
"""


@click.command("risk", cls=GroupedCommand, epilog=EPILOG)
@data_options
@objective_options
@section(
    STUDY,
    click.option(
        "--study",
        type=click.Choice(["sweep", "scaling", "annealing"]),
        default="sweep",
        show_default=True,
        help="sweep: every batch size of --batch-sizes; scaling: the pairs (k*lr, k*m) "
        "from the smallest batch size; annealing: growing m against the smallest one.",
    ),
    click.option(
        "--batch-sizes",
        default="8,32,128,512",
        show_default=True,
        help="Comma-separated batch sizes m of the sweep; scaling and annealing take one "
        "base size (default: the smallest of this grid, 8).",
    ),
    click.option(
        "--seeds", type=int, default=16, show_default=True, help="Runs per batch size (at least 2)."
    ),
    click.option(
        "--factors",
        default="1,2,4,8",
        show_default=True,
        help="k grid of the scaling study (pairs k*lr, k*m).",
    ),
    click.option(
        "--test-fraction",
        type=float,
        default=None,
        help="Hold out this last fraction of rows (sweep).",
    ),
    click.option("--split-date", default=None, help="Hold out the rows from this date on (sweep)."),
    click.option(
        "--target",
        type=float,
        default=0.01,
        show_default=True,
        help="Target excess objective, relative to f(w*).",
    ),
    click.option(
        "--draws", type=int, default=8192, show_default=True, help="Mini-batches drawn at w* per m."
    ),
)
@section(
    OUTPUT,
    format_option,
    click.option(
        "--plot",
        "plot_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Save the study's figure (PNG).",
    ),
    output_option,
    quiet_option,
)
@section(
    ENGINE,
    engine_option("lr", help="Constant step size (default: the engine's automatic 0.5/L)."),
    engine_option(
        "steps",
        type=click.IntRange(min=1),
        help="SGD steps (default: about 20 relaxation times; at least 4 for the sweep's burn-in "
        "to cover one relaxation time). Annealing: the budget as steps of the constant batch.",
    ),
    engine_option("sampling"),
    engine_option("device"),
    engine_option("seed"),
)
def command(**kwargs: Any) -> None:
    """Measure how the batch size sets gradient noise and the weights' estimation error."""
    run(**kwargs)
