"""Adjusted closes from Yahoo Finance (yfinance), kept in a local Parquet cache.

Cache layout: one Parquet file per ticker, ``<cache_dir>/yfinance/<TICKER>.parquet``, with
a ``Date`` index and one float64 column ``close`` (the adjusted close, as downloaded with
``auto_adjust=True``). The file's schema metadata, key ``portfolio_sgd``, records the date
range that was *requested* (``start``, ``end``, inclusive), so a ticker that listed late
is not downloaded again for the years before its listing. Files are written atomically.

A fetch first reads the cache, then downloads only the tickers that are missing and the
date ranges that the cache does not cover. Ranges are extended, never re-downloaded, so
dividends paid after a file was written are not back-adjusted into its old prices: pass
``refresh=True`` to download everything again. Today is never counted as covered, so a
fetch that reaches today downloads the latest day again on the next call.

A fetch is all or nothing: if any download fails, no cache file is written or changed.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_sgd.atomic import atomic_write_with
from portfolio_sgd.data._format import date_label, name_list, one_line
from portfolio_sgd.errors import DataError, FetchError

__all__ = ["CACHE_ENV", "Downloader", "default_cache_dir", "fetch_prices", "yfinance_download"]

logger = logging.getLogger("portfolio_sgd.data")

CACHE_ENV = "PORTFOLIO_SGD_CACHE"
EARLIEST = pd.Timestamp("1920-01-01")
_META_KEY = b"portfolio_sgd"
_DAY = pd.Timedelta(days=1)

Downloader = Callable[..., pd.DataFrame]
"""``downloader(tickers: list[str], *, start: str, end: str) -> DataFrame``.

``start`` is inclusive and ``end`` exclusive (ISO dates), as in ``yfinance.download``. The
result is shaped like yfinance's: MultiIndex columns (Price, Ticker) with a ``Close`` (or
``Adj Close``) level. A plain frame with one column per ticker is accepted too.
"""


def default_cache_dir() -> Path:
    """Return ``$PORTFOLIO_SGD_CACHE`` if set, else ``~/.cache/portfolio-sgd``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "portfolio-sgd"


def yfinance_download(tickers: Sequence[str], *, start: str, end: str) -> pd.DataFrame:
    """The default downloader: ``yfinance.download`` of daily auto-adjusted prices.

    Returns yfinance's frame unchanged: shape (T, 5 * N), MultiIndex columns (Price, Ticker).
    """
    try:
        import yfinance
    except ImportError as exc:  # pragma: no cover - yfinance is a dependency
        raise FetchError("yfinance is not installed; pip install yfinance") from exc
    return yfinance.download(
        list(tickers),
        start=start,
        end=end,
        auto_adjust=True,
        progress=False,
        group_by="column",
        threads=False,
    )


def fetch_prices(
    tickers: Sequence[str],
    *,
    start=None,
    end=None,
    cache_dir: str | os.PathLike[str] | None = None,
    downloader: Downloader | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """Return daily adjusted closes of ``tickers``, downloading only what the cache lacks.

    Parameters
    ----------
    tickers : sequence of str
        Yahoo Finance symbols (upper-cased; duplicates ignored). A single string may hold
        several, separated by commas or spaces.
    start, end : str, datetime-like or None
        Inclusive window. Default: 1920-01-01 (the full history) to today.
    cache_dir : path-like, optional
        Cache folder; default :func:`default_cache_dir`.
    downloader : callable, optional
        The network boundary (see :data:`Downloader`); default :func:`yfinance_download`.
    refresh : bool
        Ignore the cache and download the whole window again.

    Returns
    -------
    pandas.DataFrame
        Shape (T, N): float64 prices, a sorted ``DatetimeIndex`` named ``"Date"`` (every date
        on which some ticker traded), columns in the order given. NaN where a ticker did not
        trade (before its listing, or a holiday of its exchange).

    Raises
    ------
    FetchError
        One line naming the ticker(s): a download raised (network failure), returned
        nothing, or returned no price for a ticker (unknown symbol). The cache is unchanged.
    DataError
        No tickers, or an unparseable or inverted window.
    """
    symbols = _normalise_tickers(tickers)
    lo, hi = _window(start, end)
    today = pd.Timestamp.today().normalize()
    covered_hi = min(hi, today - _DAY)
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    download = downloader if downloader is not None else yfinance_download

    cached = {} if refresh else {t: _read_cache(_cache_file(folder, t)) for t in symbols}
    plan: dict[tuple[pd.Timestamp, pd.Timestamp], list[str]] = {}
    for ticker in symbols:
        entry = cached.get(ticker)
        for segment in _missing_segments(entry, lo, hi):
            plan.setdefault(segment, []).append(ticker)
    touched = {t for group in plan.values() for t in group}
    hits = [t for t in symbols if t not in touched]
    if hits:
        logger.info("using cached prices for %d ticker(s): %s", len(hits), name_list(hits))

    downloaded: dict[str, list[pd.Series]] = {}
    failed: list[str] = []
    for (seg_lo, seg_hi), group in plan.items():
        logger.info(
            "downloading %d ticker(s) from Yahoo Finance, %s..%s: %s",
            len(group),
            date_label(seg_lo),
            date_label(seg_hi),
            name_list(group),
        )
        try:
            raw = download(list(group), start=date_label(seg_lo), end=date_label(seg_hi + _DAY))
        except Exception as exc:  # any failure at the network boundary
            raise FetchError(
                f"download failed for {name_list(group)}: {type(exc).__name__}: {one_line(exc)}"
            ) from exc
        closes = _extract_close(raw, group)
        for ticker in group:
            series = closes[ticker].dropna() if ticker in closes.columns else None
            if series is not None and not series.empty:
                downloaded.setdefault(ticker, []).append(series)
            elif cached.get(ticker) is None:
                failed.append(ticker)  # a gap with no trading days is fine for a cached ticker
    if failed:
        raise FetchError(
            f"no data from Yahoo Finance for {name_list(failed)} between {date_label(lo)} and "
            f"{date_label(hi)} (unknown ticker, delisted, or no trading in that window)"
        )

    to_write: dict[str, tuple[pd.Series, pd.Timestamp, pd.Timestamp]] = {}
    columns: dict[str, pd.Series] = {}
    for ticker in symbols:
        entry = cached.get(ticker)
        series = entry[0] if entry is not None else _empty_series()
        if ticker in touched:
            parts = [part for part in (series, *downloaded.get(ticker, [])) if not part.empty]
            if parts:
                series = pd.concat(parts)
                series = series[~series.index.duplicated(keep="last")].sort_index()
            c_lo, c_hi = (lo, covered_hi) if entry is None else (entry[1], entry[2])
            to_write[ticker] = (series, min(c_lo, lo), max(c_hi, covered_hi))
        columns[ticker] = series.loc[(series.index >= lo) & (series.index <= hi)]
    empty = [t for t, s in columns.items() if s.empty]
    if empty:
        raise FetchError(
            f"no prices for {name_list(empty)} between {date_label(lo)} and {date_label(hi)}"
        )
    for ticker, (series, c_lo, c_hi) in to_write.items():
        _write_cache(_cache_file(folder, ticker), ticker, series, c_lo, c_hi)
    frame = pd.concat(columns, axis=1, sort=True).astype("float64")
    frame.index = pd.DatetimeIndex(frame.index, name="Date", freq=None)
    frame.columns = pd.Index(list(columns))
    return frame


def _normalise_tickers(tickers: Sequence[str] | str) -> list[str]:
    items = re.split(r"[,\s]+", tickers) if isinstance(tickers, str) else list(tickers)
    symbols = [str(t).strip().upper() for t in items if t is not None and str(t).strip()]
    if not symbols:
        raise DataError("no tickers given")
    return list(dict.fromkeys(symbols))


def _window(start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    bounds = []
    for value, default, what in ((start, EARLIEST, "start"), (end, None, "end")):
        if value is None:
            bounds.append(default if default is not None else pd.Timestamp.today().normalize())
            continue
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise DataError(f"cannot parse {what} date {value!r}") from exc
        if stamp is pd.NaT:
            raise DataError(f"cannot parse {what} date {value!r}")
        bounds.append((stamp.tz_localize(None) if stamp.tzinfo else stamp).normalize())
    lo, hi = bounds
    if lo > hi:
        raise DataError(f"start {date_label(lo)} is after end {date_label(hi)}")
    return lo, hi


def _missing_segments(
    entry: tuple[pd.Series, pd.Timestamp, pd.Timestamp] | None,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Inclusive date ranges inside [lo, hi] that the cache entry does not cover."""
    if entry is None:
        return [(lo, hi)]
    _, c_lo, c_hi = entry
    segments = []
    if lo < c_lo:
        segments.append((lo, min(hi, c_lo - _DAY)))
    if hi > c_hi:
        segments.append((max(lo, c_hi + _DAY), hi))
    return segments


def _extract_close(raw: Any, tickers: list[str]) -> pd.DataFrame:
    """The adjusted-close block of a yfinance frame: shape (T, K), upper-case ticker columns."""
    if not isinstance(raw, pd.DataFrame) or raw.empty:
        return pd.DataFrame()
    columns = raw.columns
    if isinstance(columns, pd.MultiIndex):
        close = None
        for field in ("Adj Close", "Close"):
            for level in range(columns.nlevels):
                if field in columns.get_level_values(level):
                    close = raw.xs(field, axis=1, level=level, drop_level=True)
                    break
            if close is not None:
                break
        if close is None:
            return pd.DataFrame()
        if isinstance(close.columns, pd.MultiIndex):
            close.columns = close.columns.get_level_values(0)
    elif len(tickers) == 1 and ("Close" in columns or "Adj Close" in columns):
        field = "Adj Close" if "Adj Close" in columns else "Close"
        close = raw[[field]].set_axis(tickers, axis=1)
    else:
        close = raw
    close = close.loc[:, ~pd.Index([str(c).strip().upper() for c in close.columns]).duplicated()]
    close = close.set_axis([str(c).strip().upper() for c in close.columns], axis=1)
    try:
        index = pd.DatetimeIndex(pd.to_datetime(close.index))
    except (TypeError, ValueError) as exc:
        raise FetchError(f"download for {name_list(tickers)} has unparseable dates") from exc
    if index.tz is not None:
        index = index.tz_localize(None)
    close = close.apply(pd.to_numeric, errors="coerce").astype("float64")
    return close.set_axis(index.normalize(), axis=0)


def _cache_file(folder: Path, ticker: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._^=-]", lambda m: f"%{ord(m.group()):02X}", ticker)
    return folder / "yfinance" / f"{safe}.parquet"


def _empty_series() -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([], name="Date"), dtype="float64", name="close")


def _read_cache(path: Path) -> tuple[pd.Series, pd.Timestamp, pd.Timestamp] | None:
    """Read one ticker's cache file; ``None`` if absent or unreadable (logged)."""
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[_META_KEY])
        frame = table.to_pandas()
        series = frame["close"].astype("float64")
        series.index = pd.DatetimeIndex(series.index, name="Date")
        return series, pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"])
    except Exception as exc:  # a corrupt or foreign file: download again
        logger.warning("ignoring unreadable cache file %s: %s", path, one_line(exc))
        return None


def _write_cache(
    path: Path, ticker: str, series: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp
) -> None:
    """Atomically write one ticker's prices with the covered window in the metadata."""
    frame = series.rename("close").to_frame()
    frame.index.name = "Date"
    table = pa.Table.from_pandas(frame, preserve_index=True)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps(
        {
            "ticker": ticker,
            "start": date_label(lo),
            "end": date_label(hi),
            "source": "yfinance",
            "auto_adjust": True,
            "format": 1,
        }
    ).encode()
    table = table.replace_schema_metadata(meta)
    atomic_write_with(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
