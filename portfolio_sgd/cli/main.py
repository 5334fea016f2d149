"""The ``portfolio-sgd`` command group."""

from __future__ import annotations

import click

from .. import __version__
from .app import PortfolioGroup
from .data_cmds import datasets_command, fetch_command
from .optimize import optimize_command

EPILOG = """\b
Examples:
  portfolio-sgd optimize                                  # mean-variance on sp500
  portfolio-sgd optimize --objective cvar --alpha 0.95 --compare-exact
  portfolio-sgd optimize --returns my_returns.csv --max-weight 0.1 --format json
  portfolio-sgd optimize --tickers AAPL,MSFT,KO --start 2015-01-01
  portfolio-sgd frontier --objective cvar --points 12 --plot frontier.png
  portfolio-sgd datasets
  portfolio-sgd fetch AAPL MSFT --start 2015-01-01
"""


@click.group(
    cls=PortfolioGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="portfolio-sgd")
def main() -> None:
    """Portfolio optimisation by mini-batch SGD, with measured estimation error."""


main.add_command(optimize_command)
main.add_command(datasets_command)
main.add_command(fetch_command)
for _name in ("risk", "backtest", "frontier", "examples"):
    try:
        _module = __import__(f"portfolio_sgd.cli.{_name}", fromlist=["command"])
    except ModuleNotFoundError as _exc:  # pragma: no cover - optional command modules
        if _exc.name != f"portfolio_sgd.cli.{_name}":
            raise
    else:
        main.add_command(_module.command)
