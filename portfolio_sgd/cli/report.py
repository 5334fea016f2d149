"""``portfolio-sgd report``: a self-contained interactive HTML tearsheet.

The data, objective, constraint and engine options are optimize's own declarations
(reused, not re-declared), and so are the backtest window options; the command only reads
them, calls :func:`portfolio_sgd.report.build_report` and writes the page atomically.
"""

from __future__ import annotations

from typing import Any

import click

from ..report.names import SECTIONS
from .backtest import command as backtest_command
from .lazy import Lazy
from .optimize import optimize_command
from .options import (
    data_options,
    engine_options,
    objective_options,
)
from .sections import OUTPUT, STRATEGIES, GroupedCommand, section

run = Lazy("portfolio_sgd.cli.report_run:run")
"""The run of ``report`` (:mod:`.report_run`), imported when the command runs."""

EPILOG = f"""\b
Sections (--sections, comma-separated; default all that apply):
  {", ".join(SECTIONS)}
  backtest appears with --backtest, compare with --compare.
\b
Examples:
  portfolio-sgd report --output report.html
  portfolio-sgd report --objective cvar --backtest sgd:cvar,exact:cvar --output cvar.html
  portfolio-sgd report --objective min-variance --resample --output resampled.html
  portfolio-sgd report --compare min-variance,cvar,equal-weight --output compare.html
  portfolio-sgd report --format png --output figures/   # needs kaleido (and Chrome)
"""

FROM_OPTIMIZE = (
    "n_resamples",
    "block_length",
    "resample",
    "half_life",
    "shrinkage",
    "max_volatility",
    "max_cvar",
)
"""optimize's own options the report takes too (``--batch-size`` is among the engine's)."""
FROM_BACKTEST = ("lookback", "rebalance_every", "expanding", "cost_bps")


def _reuse(source: click.Command, names: tuple[str, ...]) -> Any:
    """Append ``source``'s declared options named ``names`` to the decorated command."""
    params = {p.name: p for p in source.params}

    def apply(cmd: click.Command) -> click.Command:
        have = {p.name for p in cmd.params}
        cmd.params.extend(params[n] for n in names if n not in have)
        return cmd

    return apply


@_reuse(backtest_command, FROM_BACKTEST)
@_reuse(optimize_command, FROM_OPTIMIZE)
@click.command("report", cls=GroupedCommand, epilog=EPILOG)
@data_options
@objective_options
@engine_options
@section(
    OUTPUT,
    click.option(
        "--output",
        type=click.Path(dir_okay=False),
        required=True,
        help="The HTML file to write (atomically); with --format png, a folder of PNGs.",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["html", "png"]),
        default="html",
        show_default=True,
        help="html: the interactive page; png: each figure as a static image (needs kaleido).",
    ),
    click.option(
        "--sections",
        default=None,
        help=f"Comma-separated sections to include: {', '.join(SECTIONS)}  "
        "[default: all that apply].",
    ),
    click.option("--title", default="portfolio-sgd report", show_default=True, help="Page title."),
)
@section(
    STRATEGIES,
    click.option(
        "--backtest",
        "backtest_specs",
        multiple=True,
        metavar="SPEC",
        help="Backtest strategies (as for `backtest --strategies`); repeatable or "
        "comma-separated. equal-weight is added as a baseline.",
    ),
    click.option(
        "--compare",
        "compare_specs",
        default=None,
        metavar="SPEC,...",
        help="Portfolios side by side, e.g. min-variance,cvar:alpha=0.975,equal-weight.",
    ),
)
def command(**kwargs: Any) -> None:
    """Write a self-contained interactive HTML report (plotly inlined; opens offline):
    summary, weights, frontier, backtest, estimation error, comparison and how to
    reproduce it."""
    run(**kwargs)
