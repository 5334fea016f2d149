"""``portfolio-sgd datasets`` and ``portfolio-sgd fetch``."""

from __future__ import annotations

import click

from ..data import fetch_prices, list_datasets
from .app import emit, to_json


@click.command("datasets")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def datasets_command(fmt: str) -> None:
    """List the bundled datasets with their shape and date range."""
    infos = list_datasets()
    if fmt == "json":
        emit(to_json([i.to_dict() for i in infos]), None)
        return
    lines = [f"{'name':<16}{'kind':<9}{'rows':>7}{'assets':>8}  {'range':<24}  description"]
    for i in infos:
        lines.append(
            f"{i.name:<16}{i.kind:<9}{i.n_rows:>7}{i.n_assets:>8}  {i.start} .. {i.end}  {i.description}"
        )
    emit("\n".join(lines), None)


@click.command("fetch")
@click.argument("tickers", nargs=-1, required=True)
@click.option("--start", default=None, help="First date, YYYY-MM-DD.")
@click.option("--end", default=None, help="Last date, YYYY-MM-DD.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None)
@click.option("--refresh", is_flag=True, help="Download again even if cached.")
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
