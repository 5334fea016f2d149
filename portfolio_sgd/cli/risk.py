"""``portfolio-sgd risk``: batch size -> gradient noise -> estimation error of the weights."""

from __future__ import annotations

from typing import Any

import click

from ..utils.atomic import atomic_files
from .app import emit, parse_list, to_json
from .options import (
    data_options,
    engine_option,
    format_option,
    is_default,
    load_cli_returns,
    objective_options,
    output_option,
    quiet_option,
    resolve_benchmark,
    settings_from_cli,
)
from .progress import command_progress, show_progress
from .sections import ENGINE, OUTPUT, STUDY, GroupedCommand, section

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
def command(
    fmt: str, output: str | None, plot_path: str | None, study: str, quiet: bool, **kwargs: Any
) -> None:
    """Measure how the batch size sets gradient noise and the weights' estimation error."""
    from ..estimation.batch_size import (
        annealing_study,
        batch_size_sweep,
        linear_scaling_study,
        validate_grid,
    )
    from ..estimation.batch_size.problem import prepare_problem, split_returns

    objective = kwargs["objective"] or "min-variance"
    sizes = parse_list(kwargs["batch_sizes"], int, "integer")
    factors = parse_list(kwargs["factors"], float, "number")
    sizes = _study_sizes(study, sizes, kwargs["batch_sizes"])
    returns = load_cli_returns(kwargs)
    tracking = objective == "tracking"
    explicit = kwargs.get("benchmark")
    returns, benchmark = resolve_benchmark(
        returns,
        (explicit or "sp500-index") if tracking else None,
        default=explicit is None,
        required=tracking,
    )
    split = {"test_fraction": kwargs["test_fraction"], "split_date": kwargs["split_date"]}
    if study != "sweep":
        split = {"test_fraction": None, "split_date": None}
    validate_grid(sizes, kwargs["seeds"], len(split_returns(returns, **split)[0]))
    spec, constraints, _ = settings_from_cli({**kwargs, "objective": objective})
    problem = prepare_problem(returns, spec, constraints, benchmark=benchmark, **split)
    common = {
        "seeds": kwargs["seeds"],
        "lr": kwargs["lr"],
        "sampling": kwargs["sampling"],
        "seed": kwargs["seed"],
        "device": kwargs["device"],
        "progress": show_progress(quiet),
        "problem": problem,
    }
    with command_progress("risk", quiet):
        if study == "sweep":
            report = batch_size_sweep(
                returns,
                batch_sizes=sizes,
                steps=kwargs["steps"],
                draws=kwargs["draws"],
                target=kwargs["target"],
                **common,
            )
        elif study == "scaling":
            report = linear_scaling_study(
                returns,
                base_batch_size=min(sizes),
                factors=factors,
                steps=kwargs["steps"],
                **common,
            )
        else:
            report = annealing_study(
                returns, batch_size=min(sizes), steps=kwargs["steps"], **common
            )
    if fmt == "json":
        text = to_json(report.to_dict())
    elif fmt == "csv":
        from ..utils.csv_safe import escape_text_cells

        frame = escape_text_cells(report.to_frame())
        text = frame.to_csv(index=False, float_format="%.10g").rstrip("\n")
    else:
        text = report.table()
    for line in getattr(report, "diagnostics", ()):
        click.echo(f"warning: {line}", err=True)
    _write(report, text, output, plot_path)


STUDY_BASE = {
    "scaling": "it runs the pairs (k*lr, k*m) from one base m, for k in --factors",
    "annealing": "it compares growing batch schedules with one constant m",
}


def _study_sizes(study: str, sizes: list[int], given: str) -> list[int]:
    """The batch sizes a study uses: all for the sweep; one base size for the others.

    Left at its default, ``--batch-sizes`` gives scaling and annealing the grid's smallest
    size (8); given explicitly with several sizes it is refused rather than cut silently.
    """
    if study == "sweep" or len(sizes) <= 1 or is_default("batch_sizes"):
        return sizes if study == "sweep" or not sizes else [min(sizes)]
    from ..errors import ConfigError

    raise ConfigError(
        f"--study {study} takes one batch size ({STUDY_BASE[study]}); got --batch-sizes "
        f"{given}: give one, e.g. --batch-sizes {min(sizes)}"
    )


def _write(report: Any, text: str, output: str | None, plot_path: str | None) -> None:
    """Write the figure and the report; both files change together or neither does."""
    if not plot_path:
        emit(text, output)
        return
    from ..plotting.risk import plot_risk

    paths = [plot_path] + ([output] if output else [])
    with atomic_files(paths) as temps:
        plot_risk(report).savefig(temps[0], format="png", dpi=110)
        if output:
            temps[1].write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    for path in paths:
        click.echo(f"wrote {path}", err=True)
    if not output:
        click.echo(text)
