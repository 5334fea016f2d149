"""Issue 11: a failed or partial download never damages the cache or pretends it worked.

The network is faked at its lowest boundary, curl_cffi's ``Session`` (what yfinance 1.x
sends its requests through): it raises the DNS error that yfinance gets with no network,
and yfinance then behaves exactly as offline (it logs the failure and returns an empty
frame, with pandas deprecation warnings on the way).
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.data import fetch_prices
from portfolio_sgd.errors import FetchError

DNS = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)


@pytest.fixture
def offline(monkeypatch):
    """No network: every curl_cffi request raises yfinance's real offline error."""
    from curl_cffi import requests as curl_requests
    from curl_cffi.requests.exceptions import DNSError

    def unreachable(self, *args, **kwargs):
        raise DNSError(DNS)

    for method in ("request", "get", "post"):
        monkeypatch.setattr(curl_requests.Session, method, unreachable)


@pytest.fixture
def aapl(make_prices) -> pd.DataFrame:
    """AAPL closes on business days 2015-01-01 .. 2017-12-29."""
    return make_prices(["AAPL"], "2015-01-01", len(pd.bdate_range("2015-01-01", "2017-12-29")))


def cache_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def meta(folder: Path, ticker: str) -> dict:
    schema = pq.read_schema(folder / "yfinance" / f"{ticker}.parquet")
    return json.loads(schema.metadata[b"portfolio_sgd"])


def fill(folder: Path, closes: pd.DataFrame, market, start="2015-01-01", end="2016-12-31"):
    fetch_prices(
        list(closes.columns), start=start, end=end, cache_dir=folder, downloader=market(closes)
    )


def test_offline_fetch_beyond_the_cache_fails_and_leaves_it_byte_identical(
    tmp_path, aapl, market, offline
):
    fill(tmp_path, aapl, market)
    before = cache_bytes(tmp_path)
    assert meta(tmp_path, "AAPL")["last"] == "2016-12-30"
    result = CliRunner().invoke(
        main,
        [
            "fetch",
            "AAPL",
            "--start",
            "2015-01-01",
            "--end",
            "2017-06-30",
            "--cache-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: download failed for AAPL: network unreachable")
    assert "Could not resolve host: query2.finance.yahoo.com" in lines[-1]
    assert "unknown ticker" not in lines[-1]
    # nothing from yfinance or pandas reaches the terminal: only our info lines and the error
    assert all(line.startswith(("info: ", "Error: ")) for line in lines), lines
    assert cache_bytes(tmp_path) == before
    assert (meta(tmp_path, "AAPL")["end"], meta(tmp_path, "AAPL")["last"]) == (
        "2016-12-31",
        "2016-12-30",
    )


def test_offline_fetch_of_a_new_ticker_says_the_network_is_unreachable(tmp_path, offline):
    with pytest.raises(FetchError, match="network unreachable") as err:
        fetch_prices(["MSFT"], start="2015-01-01", end="2015-06-30", cache_dir=tmp_path)
    assert "delisted" not in str(err.value)
    assert not (tmp_path / "yfinance").exists()


def test_empty_answer_for_new_dates_of_a_cached_ticker_is_an_error(tmp_path, aapl, market):
    fill(tmp_path, aapl, market)
    before = cache_bytes(tmp_path)

    def nothing(tickers, *, start, end):  # an offline downloader that does not raise
        return pd.DataFrame()

    with pytest.raises(FetchError, match=r"AAPL 2017-01-01\.\.2017-06-30.*cache is unchanged"):
        fetch_prices(
            ["AAPL"], start="2015-01-01", end="2017-06-30", cache_dir=tmp_path, downloader=nothing
        )
    assert cache_bytes(tmp_path) == before


def test_metadata_describes_exactly_the_rows_stored(tmp_path, aapl, market):
    fill(tmp_path, aapl, market)
    fetch_prices(
        ["AAPL"], start="2014-06-01", end="2017-03-31", cache_dir=tmp_path, downloader=market(aapl)
    )
    stored = pq.read_table(tmp_path / "yfinance" / "AAPL.parquet").to_pandas()["close"]
    expected = aapl.loc["2015-01-01":"2017-03-31", "AAPL"]
    pd.testing.assert_series_equal(stored, expected, check_names=False, check_freq=False)
    info = meta(tmp_path, "AAPL")
    assert (info["rows"], info["first"], info["last"]) == (
        len(expected),
        "2015-01-01",
        "2017-03-31",
    )
    assert (info["start"], info["end"]) == ("2014-06-01", "2017-03-31")


def test_a_file_whose_rows_disagree_with_its_metadata_is_not_trusted(
    tmp_path, aapl, market, caplog
):
    fill(tmp_path, aapl, market)
    path = tmp_path / "yfinance" / "AAPL.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 100), path)  # rows lost, metadata still claims 2016-12-30
    fake = market(aapl)
    prices = fetch_prices(
        ["AAPL"], start="2015-01-01", end="2016-12-31", cache_dir=tmp_path, downloader=fake
    )
    assert "unreadable cache file" in caplog.text and "holds 100 rows" in caplog.text
    assert len(fake.calls) == 1 and prices.index[-1] == pd.Timestamp("2016-12-30")
    assert meta(tmp_path, "AAPL")["rows"] == len(aapl.loc[:"2016-12-30"])


def test_disk_full_changes_no_file_and_leaves_no_temporary(
    tmp_path, make_prices, market, monkeypatch
):
    closes = make_prices(["AAA", "BBB"], "2022-01-03", 260)
    fill(tmp_path, closes, market, start="2022-01-03", end="2022-06-30")
    before = cache_bytes(tmp_path)
    real = pq.write_table
    writes = []

    def full_on_second(table, where, **kwargs):
        writes.append(where)
        if len(writes) == 2:
            Path(where).write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", full_on_second)
    with pytest.raises(OSError, match="No space left"):
        fetch_prices(
            ["AAA", "BBB"],
            start="2022-01-03",
            end="2022-12-30",
            cache_dir=tmp_path,
            downloader=market(closes),
        )
    assert len(writes) == 2  # AAA was written (to a temporary) before BBB failed
    assert cache_bytes(tmp_path) == before  # ... and AAA's file was not replaced


def test_prices_that_stop_early_are_reported(tmp_path, make_prices, market, caplog):
    closes = make_prices(["OLD"], "2022-01-03", 60)  # the last price is on 2022-03-25
    prices = fetch_prices(
        ["OLD"], start="2022-01-03", end="2022-06-30", cache_dir=tmp_path, downloader=market(closes)
    )
    assert prices.index[-1] == pd.Timestamp("2022-03-25")
    assert "OLD: no prices after 2022-03-25 (asked up to 2022-06-30)" in caplog.text
