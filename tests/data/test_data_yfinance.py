"""fetch_prices: the Parquet cache in front of yfinance, with a fake network boundary."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from portfolio_sgd.data import default_cache_dir, fetch_prices
from portfolio_sgd.errors import DataError, FetchError

START, END = "2022-01-03", "2022-06-30"


@pytest.fixture
def closes(make_prices) -> pd.DataFrame:
    """Business-day closes of three tickers, 2022-01-03 .. 2022-12-30 (260 rows)."""
    return make_prices(["AAA", "BBB", "CCC"], "2022-01-03", 260, seed=7)


def _cache_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_fake_matches_the_yfinance_shape(closes, yf_frame):
    frame = yf_frame(closes)
    assert frame.columns.names == ["Price", "Ticker"]
    assert list(frame.columns.get_level_values(0).unique()) == [
        "Close",
        "High",
        "Low",
        "Open",
        "Volume",
    ]
    assert ("Close", "AAA") in frame.columns and frame.index.name == "Date"


def test_fetch_downloads_once_then_reads_the_cache(tmp_path, closes, market):
    fake = market(closes)
    prices = fetch_prices(["AAA", "BBB"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    expected = closes.loc[START:END, ["AAA", "BBB"]]
    np.testing.assert_array_equal(prices.to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(prices.index.to_numpy(), expected.index.to_numpy())
    assert prices.index.name == "Date" and list(prices.columns) == ["AAA", "BBB"]
    assert all(dtype == np.float64 for dtype in prices.dtypes)
    # one call, yfinance conventions: a list of tickers, end exclusive
    assert fake.calls == [(["AAA", "BBB"], START, "2022-07-01")]
    # the cache: one Parquet file per ticker with the requested window in its metadata
    files = sorted(p.name for p in (tmp_path / "yfinance").iterdir())
    assert files == ["AAA.parquet", "BBB.parquet"]
    table = pq.read_table(tmp_path / "yfinance" / "AAA.parquet")
    meta = json.loads(table.schema.metadata[b"portfolio_sgd"])
    assert (meta["ticker"], meta["start"], meta["end"]) == ("AAA", START, END)
    cached = table.to_pandas()["close"]
    np.testing.assert_array_equal(cached.to_numpy(), expected["AAA"].to_numpy())
    assert _no_temp_files(tmp_path)
    # the second call, and any sub-window, is served without the downloader
    again = fetch_prices(["BBB", "AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    inner = fetch_prices(
        ["aaa"], start="2022-02-01", end="2022-02-28", cache_dir=tmp_path, downloader=fake
    )
    assert len(fake.calls) == 1
    pd.testing.assert_frame_equal(again[["AAA", "BBB"]], prices)
    np.testing.assert_array_equal(
        inner["AAA"].to_numpy(), closes.loc["2022-02-01":"2022-02-28", "AAA"].to_numpy()
    )


def test_only_missing_tickers_and_dates_are_downloaded(tmp_path, closes, market):
    fake = market(closes)
    fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    fake.calls.clear()
    prices = fetch_prices(
        ["AAA", "CCC"], start=START, end="2022-09-30", cache_dir=tmp_path, downloader=fake
    )
    # CCC: the whole window; AAA: only 2022-07-01 .. 2022-09-30
    assert sorted(fake.calls) == [
        (["AAA"], "2022-07-01", "2022-10-01"),
        (["CCC"], START, "2022-10-01"),
    ]
    expected = closes.loc[START:"2022-09-30", ["AAA", "CCC"]]
    np.testing.assert_array_equal(prices.to_numpy(), expected.to_numpy())
    # an earlier start downloads only the head
    fake.calls.clear()
    fetch_prices(["AAA"], start="2021-12-01", end=END, cache_dir=tmp_path, downloader=fake)
    assert fake.calls == [(["AAA"], "2021-12-01", START)]
    meta = json.loads(
        pq.read_schema(tmp_path / "yfinance" / "AAA.parquet").metadata[b"portfolio_sgd"]
    )
    assert (meta["start"], meta["end"]) == ("2021-12-01", "2022-09-30")


def test_gap_without_trading_days_is_fine_for_a_cached_ticker(tmp_path, closes, market):
    fake = market(closes)
    fetch_prices(["AAA"], start=START, end="2022-12-30", cache_dir=tmp_path, downloader=fake)
    # 2022-12-31 and 2023-01-01 are a weekend: the gap download is empty, not an error
    prices = fetch_prices(
        ["AAA"], start=START, end="2023-01-01", cache_dir=tmp_path, downloader=fake
    )
    assert fake.calls[-1] == (["AAA"], "2022-12-31", "2023-01-02")
    assert prices.index[-1] == pd.Timestamp("2022-12-30")


def test_network_failure_leaves_the_cache_intact(tmp_path, closes, market):
    fetch_prices(
        ["AAA", "BBB"], start=START, end=END, cache_dir=tmp_path, downloader=market(closes)
    )
    before = _cache_bytes(tmp_path)
    broken = market(closes, fail=ConnectionError("Failed to connect\nto query2.finance.yahoo.com"))
    with pytest.raises(FetchError) as err:
        fetch_prices(
            ["AAA", "CCC"], start=START, end="2022-12-30", cache_dir=tmp_path, downloader=broken
        )
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("download failed for AAA: ConnectionError: Failed to connect to")
    assert _cache_bytes(tmp_path) == before
    assert _no_temp_files(tmp_path)
    with pytest.raises(FetchError):
        fetch_prices(
            ["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=broken, refresh=True
        )
    assert _cache_bytes(tmp_path) == before


def test_unknown_ticker_is_named_and_nothing_is_written(tmp_path, closes, market):
    fake = market(closes)  # ZZZZ comes back as an all-NaN column, as yfinance does
    with pytest.raises(FetchError) as err:
        fetch_prices(["AAA", "ZZZZ"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    message = str(err.value)
    assert "ZZZZ" in message and "AAA" not in message.split("between")[0]
    assert _cache_bytes(tmp_path) == {}  # all or nothing: AAA is not cached either


def test_missing_column_and_empty_download(tmp_path, closes, yf_frame):
    def only_aaa(tickers, *, start, end):
        return yf_frame(closes.loc[start:end, ["AAA"]])

    with pytest.raises(FetchError, match="BBB"):
        fetch_prices(["AAA", "BBB"], start=START, end=END, cache_dir=tmp_path, downloader=only_aaa)

    def empty(tickers, *, start, end):
        return pd.DataFrame()

    with pytest.raises(FetchError, match="AAA, BBB"):
        fetch_prices(["AAA", "BBB"], start=START, end=END, cache_dir=tmp_path, downloader=empty)

    def none(tickers, *, start, end):
        return None

    with pytest.raises(FetchError, match="AAA"):
        fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=none)
    assert _cache_bytes(tmp_path) == {}


def test_window_before_listing_is_an_error(tmp_path, closes, market):
    fake = market(closes)
    with pytest.raises(FetchError, match="AAA.*2020-01-01 and 2020-12-31"):
        fetch_prices(
            ["AAA"], start="2020-01-01", end="2020-12-31", cache_dir=tmp_path, downloader=fake
        )


def test_refresh_downloads_again(tmp_path, closes, market):
    fake = market(closes)
    fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    revised = closes * 2.0  # e.g. a new dividend changed the adjusted history
    fresh = market(revised)
    prices = fetch_prices(
        ["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fresh, refresh=True
    )
    assert len(fresh.calls) == 1
    np.testing.assert_array_equal(
        prices["AAA"].to_numpy(), revised.loc[START:END, "AAA"].to_numpy()
    )
    cached = fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    pd.testing.assert_frame_equal(cached, prices)


def test_single_level_columns_are_accepted(tmp_path, closes, yf_frame):
    def flat(tickers, *, start, end):  # yfinance with multi_level_index=False, one ticker
        frame = yf_frame(closes.loc[start:end, list(tickers)])
        return frame.droplevel(1, axis=1)

    prices = fetch_prices(["BBB"], start=START, end=END, cache_dir=tmp_path, downloader=flat)
    np.testing.assert_array_equal(prices["BBB"].to_numpy(), closes.loc[START:END, "BBB"].to_numpy())


def test_tz_aware_index_and_ticker_grouping(tmp_path, closes, yf_frame):
    def by_ticker(tickers, *, start, end):  # group_by="ticker" puts the ticker first
        frame = yf_frame(closes.loc[start:end, list(tickers)]).swaplevel(0, 1, axis=1)
        frame.index = frame.index.tz_localize("America/New_York")
        return frame

    prices = fetch_prices(
        ["AAA", "CCC"], start=START, end=END, cache_dir=tmp_path, downloader=by_ticker
    )
    assert prices.index.tz is None
    np.testing.assert_array_equal(
        prices.to_numpy(), closes.loc[START:END, ["AAA", "CCC"]].to_numpy()
    )


def test_corrupt_cache_file_is_replaced(tmp_path, closes, market, caplog):
    folder = tmp_path / "yfinance"
    folder.mkdir()
    (folder / "AAA.parquet").write_bytes(b"garbage")
    fake = market(closes)
    with caplog.at_level(logging.WARNING, logger="portfolio_sgd.data"):
        prices = fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=fake)
    assert "unreadable cache file" in caplog.text
    assert len(fake.calls) == 1
    np.testing.assert_array_equal(prices["AAA"].to_numpy(), closes.loc[START:END, "AAA"].to_numpy())
    assert pq.read_table(folder / "AAA.parquet").num_rows == len(prices)


def test_interrupted_write_leaves_no_partial_file(tmp_path, closes, market, monkeypatch):
    fetch_prices(["AAA"], start=START, end=END, cache_dir=tmp_path, downloader=market(closes))
    before = _cache_bytes(tmp_path)

    def crash(table, where, **kwargs):
        Path(where).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        fetch_prices(
            ["AAA"], start=START, end="2022-09-30", cache_dir=tmp_path, downloader=market(closes)
        )
    assert _cache_bytes(tmp_path) == before
    assert _no_temp_files(tmp_path)


def test_end_defaults_to_today_and_today_is_never_cached(tmp_path, closes, market):
    fake = market(closes)
    today = pd.Timestamp.today().normalize()
    first = fetch_prices(["AAA"], start=START, cache_dir=tmp_path, downloader=fake)
    assert fake.calls == [(["AAA"], START, (today + pd.Timedelta(days=1)).date().isoformat())]
    second = fetch_prices(["AAA"], start=START, cache_dir=tmp_path, downloader=fake)
    # the second call asks again only for today (which may not have been final)
    assert fake.calls[1] == (["AAA"], today.date().isoformat(), fake.calls[0][2])
    pd.testing.assert_frame_equal(first, second)
    meta = json.loads(
        pq.read_schema(tmp_path / "yfinance" / "AAA.parquet").metadata[b"portfolio_sgd"]
    )
    assert meta["end"] == (today - pd.Timedelta(days=1)).date().isoformat()


def test_default_downloader_calls_yfinance_download(tmp_path, closes, yf_frame, monkeypatch):
    import yfinance

    seen = {}

    def fake_download(tickers, **kwargs):
        seen.update(kwargs, tickers=tickers)
        rows = closes.loc[kwargs["start"] : kwargs["end"], list(tickers)]
        return yf_frame(rows.loc[rows.index < pd.Timestamp(kwargs["end"])])

    monkeypatch.setattr(yfinance, "download", fake_download)
    prices = fetch_prices(["AAA", "BBB"], start=START, end=END, cache_dir=tmp_path)
    assert seen == {
        "tickers": ["AAA", "BBB"],
        "start": START,
        "end": "2022-07-01",
        "auto_adjust": True,
        "progress": False,
        "group_by": "column",
        "threads": False,
    }
    np.testing.assert_array_equal(
        prices.to_numpy(), closes.loc[START:END, ["AAA", "BBB"]].to_numpy()
    )


def test_default_downloader_exception_becomes_fetch_error(tmp_path, monkeypatch):
    import yfinance

    def broken(*args, **kwargs):
        raise RuntimeError("HTTP 429 Too Many Requests")

    monkeypatch.setattr(yfinance, "download", broken)
    with pytest.raises(FetchError, match="MSFT.*429"):
        fetch_prices(["MSFT"], start=START, end=END, cache_dir=tmp_path)


def test_default_cache_dir(monkeypatch, tmp_path, closes, market):
    monkeypatch.setenv("PORTFOLIO_SGD_CACHE", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    fetch_prices(["AAA"], start=START, end=END, downloader=market(closes))
    assert (tmp_path / "env-cache" / "yfinance" / "AAA.parquet").is_file()
    monkeypatch.delenv("PORTFOLIO_SGD_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "portfolio-sgd"


def test_ticker_and_window_arguments(tmp_path, closes, market):
    fake = market(closes)
    prices = fetch_prices("aaa, bbb aaa", start=START, end=END, cache_dir=tmp_path, downloader=fake)
    assert list(prices.columns) == ["AAA", "BBB"]
    with pytest.raises(DataError, match="no tickers"):
        fetch_prices([], cache_dir=tmp_path, downloader=fake)
    with pytest.raises(DataError, match="after end"):
        fetch_prices(["AAA"], start=END, end=START, cache_dir=tmp_path, downloader=fake)
    with pytest.raises(DataError, match="cannot parse start"):
        fetch_prices(["AAA"], start="yesterday-ish", cache_dir=tmp_path, downloader=fake)


def test_special_ticker_file_names(tmp_path, make_prices, market):
    closes = make_prices(["^GSPC", "BRK-B", "A/B"], "2022-01-03", 30)
    prices = fetch_prices(
        ["^GSPC", "BRK-B", "A/B"],
        start=START,
        end="2022-02-11",
        cache_dir=tmp_path,
        downloader=market(closes),
    )
    assert list(prices.columns) == ["^GSPC", "BRK-B", "A/B"]
    names = sorted(p.name for p in (tmp_path / "yfinance").iterdir())
    assert names == ["A%2FB.parquet", "BRK-B.parquet", "^GSPC.parquet"]
