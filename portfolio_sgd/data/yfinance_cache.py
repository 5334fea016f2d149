"""Adjusted closes from Yahoo Finance (yfinance), kept in a local Parquet cache.

Cache layout (see :mod:`portfolio_sgd.data.price_cache`): one Parquet file per ticker with
the adjusted close (``auto_adjust=True``). Its metadata records the rows stored and the
window the downloads *answered* (``start``, ``end``, inclusive): from the requested start
(so a ticker that listed late is not downloaded again for the years before its listing) to
the requested end (at most yesterday). A download that fails, or answers nothing for a
cached ticker over more than a few weekdays after its cached prices, is an error and
changes nothing; prices that stop well before the requested end are reported (WARNING).

A fetch first reads the cache, then downloads only the tickers that are missing and the
date ranges that the cache does not cover. Ranges are extended, never re-downloaded, so
dividends paid after a file was written are not back-adjusted into its old prices: pass
``refresh=True`` to download everything again. Today is never counted as covered, so a
fetch that reaches today downloads the latest day again on the next call.

A fetch is all or nothing: if any download or any write fails, no cache file is changed.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import date_label, name_list, one_line
from portfolio_sgd.data.price_cache import (
    CacheEntry,
    cache_file,
    empty_series,
    read_cache,
    write_caches,
)
from portfolio_sgd.data.yahoo import yfinance_download
from portfolio_sgd.errors import DataError, FetchError

__all__ = ["CACHE_ENV", "Downloader", "default_cache_dir", "fetch_prices", "yfinance_download"]

logger = logging.getLogger("portfolio_sgd.data")

CACHE_ENV = "PORTFOLIO_SGD_CACHE"
EARLIEST = pd.Timestamp("1920-01-01")
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
        trade (before its listing, or a holiday of its exchange). A WARNING is logged for a
        ticker whose prices stop well before ``end``.

    Raises
    ------
    FetchError
        One line naming the ticker(s): a download raised (network failure: the message
        says the network is unreachable), returned nothing, returned no price for a ticker
        (unknown symbol), or returned no price for a cached ticker over a stretch of more
        than :data:`HOLIDAY_WEEKDAYS` weekdays. The cache is then byte-identical.
    DataError
        No tickers, or an unparseable or inverted window.
    OSError
        A cache file could not be written (e.g. disk full); no file was changed.
    """
    symbols = _normalise_tickers(tickers)
    lo, hi = _window(start, end)
    today = pd.Timestamp.today().normalize()
    covered_hi = min(hi, today - _DAY)
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    download = downloader if downloader is not None else yfinance_download

    cached = {} if refresh else {t: read_cache(cache_file(folder, t)) for t in symbols}
    plan: dict[tuple[pd.Timestamp, pd.Timestamp], list[str]] = {}
    for ticker in symbols:
        for segment in _missing_segments(cached.get(ticker), lo, hi):
            plan.setdefault(segment, []).append(ticker)
    touched = {t for group in plan.values() for t in group}
    hits = [t for t in symbols if t not in touched]
    if hits:
        logger.info("using cached prices for %d ticker(s): %s", len(hits), name_list(hits))
    downloaded = _download_segments(plan, download, cached, lo, hi)

    columns, to_write = _assemble(symbols, cached, downloaded, touched, lo, hi, covered_hi)
    empty = [t for t, s in columns.items() if s.empty]
    if empty:
        raise FetchError(
            f"no prices for {name_list(empty)} between {date_label(lo)} and {date_label(hi)}"
        )
    _warn_short(columns, covered_hi)
    write_caches({cache_file(folder, t): (t, *v) for t, v in to_write.items()})
    frame = pd.concat(columns, axis=1, sort=True).astype("float64")
    frame.index = pd.DatetimeIndex(frame.index, name="Date", freq=None)
    frame.columns = pd.Index(list(columns))
    return frame


def _assemble(
    symbols: list[str],
    cached: dict,
    downloaded: dict,
    touched: set[str],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    covered_hi: pd.Timestamp,
) -> tuple[dict[str, pd.Series], dict[str, tuple[pd.Series, pd.Timestamp, pd.Timestamp]]]:
    """Each ticker's prices in ``[lo, hi]``, and the cache entries to write (merged series
    with the window they cover) for the tickers that were downloaded."""
    to_write: dict[str, tuple[pd.Series, pd.Timestamp, pd.Timestamp]] = {}
    columns: dict[str, pd.Series] = {}
    for ticker in symbols:
        entry = cached.get(ticker)
        series = entry[0] if entry is not None else empty_series()
        if ticker in touched:
            parts = [part for part, _ in downloaded.get(ticker, []) if not part.empty]
            series = _merge(series, parts)
            to_write[ticker] = _coverage(entry, series, downloaded.get(ticker, []), lo, covered_hi)
        columns[ticker] = series.loc[(series.index >= lo) & (series.index <= hi)]
    return columns, to_write


HOLIDAY_WEEKDAYS = 5
"""An empty answer for at most this many weekdays is a market closure, not a failure."""

Segment = tuple[pd.Timestamp, pd.Timestamp]


def _weekdays(lo: pd.Timestamp, hi: pd.Timestamp) -> int:
    """Number of Monday..Friday dates in the inclusive range [lo, hi]."""
    if hi < lo:
        return 0
    return int(np.busday_count(lo.date(), (hi + _DAY).date()))


def _download_segments(
    plan: dict[Segment, list[str]],
    download: Downloader,
    cached: dict[str, Any],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
) -> dict[str, list[tuple[pd.Series, Segment]]]:
    """Run every planned download; raise FetchError (writing nothing) on any failure.

    Returns each ticker's downloaded close series with the segment it answers.
    """
    downloaded: dict[str, list[tuple[pd.Series, Segment]]] = {}
    failed: list[str] = []
    gaps: list[str] = []
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
        except FetchError:
            raise
        except Exception as exc:  # any failure at the network boundary
            hint = " (network unreachable?)" if isinstance(exc, OSError) else ""
            raise FetchError(
                f"download failed for {name_list(group)}: {type(exc).__name__}: "
                f"{one_line(exc)}{hint}"
            ) from exc
        closes = _extract_close(raw, group)
        for ticker in group:
            series = closes[ticker].dropna() if ticker in closes.columns else None
            if series is not None and not series.empty:
                downloaded.setdefault(ticker, []).append((series, (seg_lo, seg_hi)))
            elif cached.get(ticker) is None:
                failed.append(ticker)
            elif seg_lo > cached[ticker][2] and _weekdays(seg_lo, seg_hi) > HOLIDAY_WEEKDAYS:
                gaps.append(f"{ticker} {date_label(seg_lo)}..{date_label(seg_hi)}")
            else:  # nothing before the listing, or a weekend/holiday: an answer
                downloaded.setdefault(ticker, []).append((empty_series(), (seg_lo, seg_hi)))
    if failed:
        raise FetchError(
            f"no data from Yahoo Finance for {name_list(failed)} between {date_label(lo)} and "
            f"{date_label(hi)} (unknown ticker, delisted, or no trading in that window)"
        )
    if gaps:
        raise FetchError(
            f"no data from Yahoo Finance for {name_list(gaps)} (a failed download, or no "
            "trading after the cached prices); the cache is unchanged"
        )
    return downloaded


def _merge(series: pd.Series, parts: list[pd.Series]) -> pd.Series:
    parts = [p for p in (series, *parts) if not p.empty]
    if not parts:
        return series
    merged = pd.concat(parts)
    return merged[~merged.index.duplicated(keep="last")].sort_index()


def _coverage(
    entry: CacheEntry | None,
    series: pd.Series,
    answers: list[tuple[pd.Series, Segment]],
    lo: pd.Timestamp,
    covered_hi: pd.Timestamp,
) -> tuple[pd.Series, pd.Timestamp, pd.Timestamp]:
    """(series, start, end): the window the cache may claim after these downloads.

    Every segment in ``answers`` was answered by Yahoo (with prices, or with nothing over
    a stretch no longer than a market closure, or before the listing), so the claimed
    window grows by exactly those segments (never past yesterday). The rows themselves
    are described separately in the file's metadata (``rows``, ``first``, ``last``).
    """
    c_lo, c_hi = (entry[1], entry[2]) if entry is not None else (None, None)
    for _, (seg_lo, seg_hi) in answers:
        seg_hi = min(seg_hi, covered_hi)
        c_lo = seg_lo if c_lo is None else min(c_lo, seg_lo)
        c_hi = seg_hi if c_hi is None else max(c_hi, seg_hi)
    if c_lo is None or c_hi is None:
        c_lo, c_hi = lo, covered_hi
    return series, c_lo, c_hi


def _warn_short(columns: dict[str, pd.Series], covered_hi: pd.Timestamp) -> None:
    """WARNING for each ticker whose prices stop well before the requested end."""
    for ticker, series in columns.items():
        last = series.index[-1]
        if _weekdays(last + _DAY, covered_hi) > HOLIDAY_WEEKDAYS:
            logger.warning(
                "%s: no prices after %s (asked up to %s): delisted, or not yet available",
                ticker,
                date_label(last),
                date_label(covered_hi),
            )


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
    entry: CacheEntry | None,
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
