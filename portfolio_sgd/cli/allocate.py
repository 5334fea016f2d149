"""``portfolio-sgd allocate``: target weights -> whole-share orders from current holdings."""

from __future__ import annotations

from typing import Any

import click

from .lazy import Lazy
from .options import format_option, output_option
from .sections import DATA, OUTPUT, TRADING, GroupedCommand, section

run = Lazy("portfolio_sgd.cli.allocate_run:run")
"""The run of ``allocate`` (:mod:`.allocate_run`), imported when the command runs."""

EPILOG = """\b
Examples:
  portfolio-sgd optimize --format json --output w.json
  portfolio-sgd allocate --weights w.json --capital 1000000 --prices latest
  portfolio-sgd allocate --weights w.json --capital 100000 --prices sp500
  portfolio-sgd allocate --weights w.csv --capital 50000 --prices prices.csv \\
      --holdings holdings.csv --lot-size lots.csv --fee-bps 5 --format json
\b
Files are CSVs keyed by ticker: prices (ticker,price, or a Date-indexed price history:
last row), holdings (ticker,shares), lot sizes (ticker,lot), weights (ticker,weight, or
the JSON of `optimize --format json`). The order minimises the L1 weight error plus fees
(exact MILP by HiGHS up to 2000 assets, a greedy rule above).
"""


@click.command("allocate", cls=GroupedCommand, epilog=EPILOG)
@section(
    DATA,
    click.option(
        "--weights",
        "weights_path",
        required=True,
        type=click.Path(dir_okay=False),
        help="Target weights: CSV ticker,weight or optimize's JSON.",
    ),
    click.option(
        "--prices",
        required=True,
        help="'latest' (the Yahoo Finance cache's last close), a bundled price dataset "
        "(its last row, e.g. sp500) or a prices CSV.",
    ),
)
@section(
    TRADING,
    click.option(
        "--capital", type=float, required=True, help="Cash to invest, on top of holdings."
    ),
    click.option(
        "--holdings", type=click.Path(dir_okay=False), default=None, help="CSV ticker,shares."
    ),
    click.option(
        "--lot-size", type=click.Path(dir_okay=False), default=None, help="CSV ticker,lot."
    ),
    click.option(
        "--fee-bps", type=float, default=0.0, show_default=True, help="Fee in bps of traded value."
    ),
    click.option(
        "--method",
        type=click.Choice(["auto", "milp", "greedy"]),
        default="auto",
        show_default=True,
        help="auto: the exact MILP up to 2000 assets, greedy above.",
    ),
    click.option(
        "--time-limit", type=float, default=60.0, show_default=True, help="Seconds for the MILP."
    ),
)
@section(OUTPUT, format_option, output_option)
def command(**kwargs: Any) -> None:
    """Turn target weights into whole-share orders (leftover cash, weight error, trades)."""
    run(**kwargs)
