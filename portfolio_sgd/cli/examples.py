"""``portfolio-sgd examples DIR``: write the bundled example input files into a folder."""

from __future__ import annotations

import click

from .sections import OUTPUT, GroupedCommand, section

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
    from ..data.examples import EXAMPLE_FILES, write_examples  # not at import: --help stays fast

    for path in write_examples(directory, overwrite=overwrite):
        click.echo(f"{str(path):<32} {EXAMPLE_FILES[path.name]}")
