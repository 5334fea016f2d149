"""``portfolio-sgd allocate``, the run (imported when the command runs; :mod:`.allocate`
declares it)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..data.registry import list_datasets, load_dataset
from ..orders import Allocation, allocate
from ..orders.inputs import read_keyed, read_weights
from ..orders.latest_prices import cached_latest_prices
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .app import emit


def run(fmt: str, output: str | None, weights_path: str, prices: str, **kwargs: Any) -> None:
    """Run ``allocate`` with the parsed options (see :func:`.allocate.command`)."""
    targets = read_weights(weights_path)
    holdings = None if kwargs["holdings"] is None else read_keyed(kwargs["holdings"], "holdings")
    lots = None if kwargs["lot_size"] is None else read_keyed(kwargs["lot_size"], "lot sizes")
    tickers = [*targets.index, *([] if holdings is None else holdings.index)]
    quotes = _quotes(prices, list(dict.fromkeys(tickers)))
    result = allocate(
        targets,
        quotes,
        kwargs["capital"],
        holdings=holdings,
        lots=lots,
        fee_bps=kwargs["fee_bps"],
        method=kwargs["method"],
        time_limit=kwargs["time_limit"],
    )
    emit(_render(result, fmt), output)


def _quotes(prices: str, tickers: list[str]) -> pd.Series:
    """Prices by ticker: ``latest`` (the Yahoo Finance cache), a bundled price dataset's
    last row (``sp500``), or a prices file."""
    if prices.strip().lower() == "latest":
        return cached_latest_prices(tickers)
    bundled = {info.name: info for info in list_datasets() if info.kind == "prices"}
    if prices in bundled:
        return load_dataset(prices).iloc[-1]
    return read_keyed(prices, "prices")


def _render(result: Allocation, fmt: str) -> str:
    """The allocation as a table, JSON or CSV (the trade list)."""
    trades = result.trades
    if fmt == "json":
        rows = trades.reset_index().to_dict(orient="records")
        return dumps({**result.summary(), "trades": rows})
    if fmt == "csv":
        return escape_text_cells(trades).to_csv(float_format="%.10g").rstrip("\n")
    lines = [
        f"method {result.method} ({'optimal' if result.optimal else 'not proven optimal'})",
        f"leftover cash {result.leftover_cash:,.2f}   fees {result.fees:,.2f}   "
        f"L1 weight error {result.weight_error:.6f}",
        "",
    ]
    shown = trades[["price", "held", "trade", "shares", "target_weight", "weight"]]
    table = shown.to_string(float_format=lambda v: f"{v:,.4f}")
    return "\n".join([*lines, table])
