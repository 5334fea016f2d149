"""``portfolio-sgd backtest``: walk-forward backtest of several strategies."""

from __future__ import annotations

from typing import Any

import click

from ..backtest.specs import DEFAULT_STRATEGIES, spec_help
from .lazy import Lazy
from .options import (
    data_options,
    engine_option,
    quiet_option,
)
from .sections import ENGINE, OUTPUT, STRATEGIES, GroupedCommand, section

DEFAULT_START = "2010-01-01"

run = Lazy("portfolio_sgd.cli.backtest_run:run")
"""The run of ``backtest`` (:mod:`.backtest_run`), imported when the command runs."""

EPILOG = (
    "\b\n"
    + spec_help().replace("\n\n", "\n\n\b\n")
    + f"""

\b
With no data options the backtest runs on sp500 from {DEFAULT_START} (pass --start to change).

\b
Examples:
  portfolio-sgd backtest
  portfolio-sgd backtest --strategies sgd:min-variance:m=64,exact:min-variance,equal-weight --cost-bps 10
  portfolio-sgd backtest --start 2015-01-01 --expanding --rebalance-every 63 --format json
  portfolio-sgd backtest --output-dir bt/ --plot bt/backtest.png
"""
)


@click.command("backtest", cls=GroupedCommand, epilog=EPILOG)
@data_options
@section(
    STRATEGIES,
    click.option(
        "--strategies",
        default=",".join(DEFAULT_STRATEGIES),
        show_default=True,
        help="Comma-separated strategy specs (the keys are listed below).",
    ),
    click.option(
        "--lookback", type=int, default=252, show_default=True, help="Rows per estimation window."
    ),
    click.option(
        "--rebalance-every",
        type=int,
        default=21,
        show_default=True,
        help="Rows between rebalances.",
    ),
    click.option(
        "--expanding", is_flag=True, help="Expanding window [0, t) instead of a rolling one."
    ),
    click.option(
        "--cost-bps",
        type=float,
        default=10.0,
        show_default=True,
        help="Cost per unit turnover, in bps.",
    ),
    click.option(
        "--benchmark",
        default="sp500-index",
        show_default=True,
        help="Benchmark reported alongside (a data column or a dataset); 'none' for none.",
    ),
    click.option(
        "--cold-start", is_flag=True, help="SGD starts every rebalance cold (no warm start)."
    ),
    click.option(
        "--limit",
        "limit_options",
        multiple=True,
        metavar="NAME=VALUE",
        help="Risk limit every sgd: strategy meets at each rebalance, repeatable "
        "(e.g. --strategies sgd:max-return,equal-weight --limit cvar=0.02).",
    ),
    click.option(
        "--risk-free",
        type=float,
        default=0.0,
        show_default=True,
        help="Annual risk-free rate for Sharpe/Sortino.",
    ),
)
@section(
    OUTPUT,
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="A readable table or JSON (only the result on stdout).",
    ),
    click.option(
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write the table/JSON here instead of stdout.",
    ),
    click.option(
        "--output-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Write equity/weights/metrics CSV+JSON here, as one set: built in a temporary "
        "folder and swapped in, so an interrupted run leaves the previous set intact.",
    ),
    click.option(
        "--plot",
        "plot_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Save the figure as PNG.",
    ),
    quiet_option,
)
@section(
    ENGINE,
    engine_option("seed", help="Base seed (rebalance k uses seed + k)."),
    engine_option(
        "device", default="cpu", help="Device of the SGD strategies (auto, cpu, cuda, mps)."
    ),
)
def command(**kwargs: Any) -> None:
    """Walk-forward backtest: rebalance every N rows on the past LOOKBACK rows only."""
    run(**kwargs)
