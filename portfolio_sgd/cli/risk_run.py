"""``portfolio-sgd risk``, the run (imported when the command runs; :mod:`.risk` declares it)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import ConfigError
from ..estimation.batch_size import (
    annealing_study,
    batch_size_sweep,
    linear_scaling_study,
    validate_grid,
)
from ..estimation.batch_size.problem import prepare_problem, split_returns
from ..objectives.registry import needs_benchmark
from ..plotting.risk import plot_risk
from ..utils.atomic import atomic_files
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .app import emit, parse_list
from .options import is_default
from .progress import command_progress, show_progress
from .settings import load_cli_returns, resolve_benchmark, settings_from_cli


def run(
    fmt: str, output: str | None, plot_path: str | None, study: str, quiet: bool, **kwargs: Any
) -> None:
    """Run ``risk`` with the parsed options (see :func:`.risk.command`)."""
    objective = kwargs["objective"] or "min-variance"
    sizes = parse_list(kwargs["batch_sizes"], int, "integer")
    factors = parse_list(kwargs["factors"], float, "number")
    sizes = _study_sizes(study, sizes, kwargs["batch_sizes"])
    returns = load_cli_returns(kwargs)
    tracking = needs_benchmark(objective)
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
        report = _study(study, returns, sizes, factors, kwargs, common)
    text = _render(report, fmt)
    for line in getattr(report, "diagnostics", ()):
        click.echo(f"warning: {line}", err=True)
    _write(report, text, output, plot_path)


def _study(
    study: str,
    returns: Any,
    sizes: list[int],
    factors: list[float],
    kwargs: dict[str, Any],
    common: dict[str, Any],
) -> Any:
    """Run the chosen study: the batch-size sweep, linear scaling or annealing."""
    if study == "sweep":
        return batch_size_sweep(
            returns,
            batch_sizes=sizes,
            steps=kwargs["steps"],
            draws=kwargs["draws"],
            target=kwargs["target"],
            **common,
        )
    if study == "scaling":
        return linear_scaling_study(
            returns, base_batch_size=min(sizes), factors=factors, steps=kwargs["steps"], **common
        )
    return annealing_study(returns, batch_size=min(sizes), steps=kwargs["steps"], **common)


def _render(report: Any, fmt: str) -> str:
    """The report as JSON, CSV or the readable table."""
    if fmt == "json":
        return dumps(report.to_dict())
    if fmt == "csv":
        frame = escape_text_cells(report.to_frame())
        return frame.to_csv(index=False, float_format="%.10g").rstrip("\n")
    return report.table()


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
    raise ConfigError(
        f"--study {study} takes one batch size ({STUDY_BASE[study]}); got --batch-sizes "
        f"{given}: give one, e.g. --batch-sizes {min(sizes)}"
    )


def _write(report: Any, text: str, output: str | None, plot_path: str | None) -> None:
    """Write the figure and the report; both files change together or neither does."""
    if not plot_path:
        emit(text, output)
        return
    paths = [plot_path] + ([output] if output else [])
    with atomic_files(paths) as temps:
        plot_risk(report).savefig(temps[0], format="png", dpi=110)
        if output:
            temps[1].write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    for path in paths:
        click.echo(f"wrote {path}", err=True)
    if not output:
        click.echo(text)
