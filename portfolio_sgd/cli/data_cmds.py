"""``portfolio-sgd datasets`` and ``portfolio-sgd fetch``."""

from __future__ import annotations

import click

from .app import emit
from .lazy import Lazy
from .sections import DATA, OUTPUT, GroupedCommand, section

list_datasets = Lazy("portfolio_sgd.data:list_datasets")
fetch_prices = Lazy("portfolio_sgd.data:fetch_prices")
dumps = Lazy("portfolio_sgd.utils.jsonable:dumps")
"""What the commands call in the library, imported when a command runs (:mod:`.lazy`)."""


@click.command("datasets", cls=GroupedCommand)
@section(
    OUTPUT,
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="A readable table or JSON.",
    ),
)
def datasets_command(fmt: str) -> None:
    """List the bundled datasets with their shape and date range."""
    infos = list_datasets()
    if fmt == "json":
        emit(dumps([i.to_dict() for i in infos]), None)
        return
    lines = [f"{'name':<16}{'kind':<9}{'rows':>7}{'assets':>8}  {'range':<24}  description"]
    for i in infos:
        lines.append(
            f"{i.name:<16}{i.kind:<9}{i.n_rows:>7}{i.n_assets:>8}  {i.start} .. {i.end}  {i.description}"
        )
    emit("\n".join(lines), None)


@click.command("fetch", cls=GroupedCommand)
@click.argument("tickers", nargs=-1, required=True)
@section(
    DATA,
    click.option("--start", default=None, help="First date, YYYY-MM-DD."),
    click.option("--end", default=None, help="Last date, YYYY-MM-DD."),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Cache folder (default: $PORTFOLIO_SGD_CACHE, else ~/.cache/portfolio-sgd).",
    ),
    click.option("--refresh", is_flag=True, help="Download again even if cached."),
)
def fetch_command(
    tickers: tuple[str, ...],
    start: str | None,
    end: str | None,
    cache_dir: str | None,
    refresh: bool,
) -> None:
    """Download adjusted closes from Yahoo Finance into the local Parquet cache."""
    names = [t.strip() for raw in tickers for t in raw.split(",") if t.strip()]
    prices = fetch_prices(names, start=start, end=end, cache_dir=cache_dir, refresh=refresh)
    click.echo(
        f"cached {prices.shape[1]} tickers, {prices.shape[0]} rows "
        f"({prices.index[0].date()} .. {prices.index[-1].date()})",
        err=True,
    )
