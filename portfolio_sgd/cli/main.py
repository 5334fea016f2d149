"""The ``portfolio-sgd`` command group.

Commands are registered in :data:`COMMANDS`, one line each (name -> ``"module:attribute"``);
a command's module is imported only when that command is used. A command module declares
options only; its callback calls the command's run module through the same
``"module:attribute"`` naming (:mod:`.lazy`), so ``--help`` and ``--version`` answer at once
without loading torch. ``tests/test_cli_startup.py`` checks that for every command in the
table.
"""

from __future__ import annotations

import click

from .. import __version__
from .app import PortfolioGroup

COMMANDS = {
    "optimize": "portfolio_sgd.cli.optimize:optimize_command",
    "frontier": "portfolio_sgd.cli.frontier:command",
    "risk": "portfolio_sgd.cli.risk:command",
    "backtest": "portfolio_sgd.cli.backtest:command",
    "datasets": "portfolio_sgd.cli.data_cmds:datasets_command",
    "fetch": "portfolio_sgd.cli.data_cmds:fetch_command",
    "examples": "portfolio_sgd.cli.examples:command",
    "report": "portfolio_sgd.cli.report:command",
    "allocate": "portfolio_sgd.cli.allocate:command",
}
"""Every command: its name -> ``"module:attribute"`` of its click command (add one line)."""

EPILOG = """\b
Examples:
  portfolio-sgd optimize                                  # mean-variance on sp500
  portfolio-sgd optimize --objective cvar --alpha 0.95 --compare-exact
  portfolio-sgd examples my-inputs                      # example input files to try
  portfolio-sgd optimize --returns my-inputs/returns_wide.csv --max-weight 0.1 --format json
  portfolio-sgd optimize --tickers AAPL,MSFT,KO --start 2015-01-01
  portfolio-sgd frontier --objective cvar --points 12 --plot frontier.png
  portfolio-sgd datasets
  portfolio-sgd fetch AAPL MSFT --start 2015-01-01
\b
Under torchrun, `torchrun ... -m portfolio_sgd CMD --split data|runs` shards the
scenarios (data, the default) or divides a sweep's runs (runs) among the ranks; see
`optimize --help` and `frontier --help`.
"""


@click.group(
    cls=PortfolioGroup,
    lazy_commands=COMMANDS,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="portfolio-sgd")
def main() -> None:
    """Portfolio optimisation by mini-batch SGD, with measured estimation error."""
