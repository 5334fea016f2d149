"""``portfolio-sgd examples DIR``: write the bundled example input files into a folder."""

from __future__ import annotations

import click

from .lazy import Lazy
from .sections import OUTPUT, GroupedCommand, section

write_examples = Lazy("portfolio_sgd.cli.examples_run:write_examples")
"""The run of ``examples`` (:mod:`.examples_run`), imported when the command runs."""

EPILOG = """\b
Examples:
  portfolio-sgd examples .
  portfolio-sgd examples my-inputs --overwrite
  cd my-inputs && portfolio-sgd optimize --objective risk-parity --budgets budgets.csv
"""


@click.command("examples", cls=GroupedCommand, epilog=EPILOG)
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@section(OUTPUT, click.option("--overwrite", is_flag=True, help="Replace files of the same names."))
def command(directory: str, overwrite: bool) -> None:
    """Write example input files (returns, holdings, costs, budgets, sectors) into DIRECTORY.

    Each file is in the format of the option that reads it, with the tickers of the
    bundled sp500 dataset. Existing files are never replaced without --overwrite.
    """
    for path, description in write_examples(directory, overwrite=overwrite):
        click.echo(f"{str(path):<32} {description}")
