"""The latest close of each ticker from the Yahoo Finance cache (no download)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..data.price_cache import cache_file, read_cache
from ..data.yfinance_cache import default_cache_dir
from ..errors import DataError


def cached_latest_prices(tickers: Sequence[str], cache_dir: str | None = None) -> pd.Series:
    """The last cached close of each ticker (by ticker).

    Raises
    ------
    DataError
        For a ticker with no cached prices (``portfolio-sgd fetch TICKER`` fills the cache).
    """
    folder = default_cache_dir() if cache_dir is None else Path(cache_dir)
    prices = {}
    for ticker in tickers:
        entry = read_cache(cache_file(folder, str(ticker).upper()))
        closes = None if entry is None else entry[0].dropna()
        if closes is None or closes.empty:
            raise DataError(
                f"no cached price for {ticker}: run `portfolio-sgd fetch {ticker}` or pass "
                "--prices FILE"
            )
        prices[str(ticker)] = float(closes.iloc[-1])
    return pd.Series(prices)
