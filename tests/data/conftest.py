"""Shared fixtures for the data-layer tests: the curated originals and a fake yfinance."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]


def _shared_data_dir() -> Path | None:
    candidates = [os.environ.get("PORTFOLIO_SGD_SHARED_DATA", "")]
    candidates += [str(REPO.parent / "shared" / "data"), str(REPO / "shared" / "data")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "sp500_dataset.csv.gz").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the curated originals (``../shared/data``); skip the test if absent."""
    folder = _shared_data_dir()
    if folder is None:
        pytest.skip(
            "needs the original downloads that data/ was made from (data/README.md): set "
            "PORTFOLIO_SGD_SHARED_DATA to their folder"
        )
    return folder


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the user's real cache: point PORTFOLIO_SGD_CACHE at a temp folder."""
    monkeypatch.setenv("PORTFOLIO_SGD_CACHE", str(tmp_path_factory.mktemp("default-cache")))


def yfinance_frame(closes: pd.DataFrame) -> pd.DataFrame:
    """Build a frame shaped like ``yfinance.download(..., group_by="column")`` output.

    Parameters
    ----------
    closes : pandas.DataFrame
        Shape (T, K): close prices, one column per ticker (NaN for a failed ticker).

    Returns
    -------
    pandas.DataFrame
        Shape (T, 5 K): MultiIndex columns named ("Price", "Ticker"), fields Close, High,
        Low, Open, Volume (sorted, as yfinance sorts them), index named "Date".
    """
    fields = {
        "Close": closes,
        "High": closes * 1.01,
        "Low": closes * 0.99,
        "Open": closes * 1.001,
        "Volume": (closes * 0 + 1e6),
    }
    frame = pd.concat(fields, axis=1, names=["Price", "Ticker"])
    frame.index = pd.DatetimeIndex(closes.index, name="Date")
    return frame.sort_index(axis=1, level=0, sort_remaining=False)


class FakeMarket:
    """A fake ``downloader``: serves slices of known close prices, records every call.

    ``downloader(tickers, start=..., end=...)`` returns the yfinance-shaped frame of rows
    with ``start <= date < end`` (end exclusive, as yfinance). Unknown tickers come back as
    all-NaN columns, as yfinance returns failed symbols.
    """

    def __init__(self, closes: pd.DataFrame, fail: Exception | None = None) -> None:
        self.closes = closes
        self.fail = fail
        self.calls: list[tuple[list[str], str, str]] = []

    def __call__(self, tickers: Sequence[str], *, start: str, end: str) -> pd.DataFrame:
        self.calls.append((list(tickers), start, end))
        if self.fail is not None:
            raise self.fail
        rows = self.closes.loc[
            (self.closes.index >= pd.Timestamp(start)) & (self.closes.index < pd.Timestamp(end))
        ]
        out = pd.DataFrame(index=rows.index)
        for ticker in tickers:
            out[ticker] = rows[ticker] if ticker in rows.columns else np.nan
        if out.empty:
            return pd.DataFrame()
        return yfinance_frame(out)


def business_prices(
    tickers: Sequence[str], start: str, periods: int, seed: int = 0
) -> pd.DataFrame:
    """Random-walk positive prices on business days: shape (periods, len(tickers))."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(start, periods=periods, name="Date")
    steps = rng.normal(0.0005, 0.01, size=(periods, len(tickers)))
    prices = 100.0 * np.exp(np.cumsum(steps, axis=0))
    return pd.DataFrame(prices, index=index, columns=list(tickers))


@pytest.fixture
def market() -> Callable[..., FakeMarket]:
    """Factory: ``market(closes, fail=None)`` -> FakeMarket."""
    return FakeMarket


@pytest.fixture
def yf_frame() -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The :func:`yfinance_frame` builder."""
    return yfinance_frame


@pytest.fixture
def make_prices() -> Callable[..., pd.DataFrame]:
    """The :func:`business_prices` builder."""
    return business_prices
