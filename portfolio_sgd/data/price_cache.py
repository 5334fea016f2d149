"""The per-ticker Parquet files of the Yahoo Finance cache: read, verify, write atomically.

One file per ticker, ``<cache_dir>/yfinance/<TICKER>.parquet``: a ``Date`` index and one
float64 column ``close``. The schema metadata (key ``portfolio_sgd``) holds the window the
downloads answered (``start``, ``end``, inclusive) and a description of exactly the rows
stored (``rows``, ``first``, ``last``); a file whose rows do not match its metadata is
ignored (and downloaded again), never trusted.

Writes are all or nothing across tickers: every file is first written and fsynced to a
temporary file next to it, and only when all succeeded are they renamed into place (one
atomic ``os.replace`` each). A failure (disk full) removes the temporary files and leaves
every cache file byte-identical; a kill leaves each file wholly old or wholly new.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_sgd.data._format import date_label, one_line

__all__ = ["CacheEntry", "cache_file", "empty_series", "read_cache", "write_caches"]

logger = logging.getLogger("portfolio_sgd.data")

META_KEY = b"portfolio_sgd"
CacheEntry = tuple[pd.Series, pd.Timestamp, pd.Timestamp]
"""(close prices (T,), first covered date, last covered date)."""


def cache_file(folder: Path, ticker: str) -> Path:
    """Path of one ticker's file (characters outside ``A-Za-z0-9._^=-`` are %-escaped)."""
    safe = re.sub(r"[^A-Za-z0-9._^=-]", lambda m: f"%{ord(m.group()):02X}", ticker)
    return folder / "yfinance" / f"{safe}.parquet"


def empty_series() -> pd.Series:
    """An empty float64 price series with a ``Date`` index."""
    return pd.Series([], index=pd.DatetimeIndex([], name="Date"), dtype="float64", name="close")


def read_cache(path: Path) -> CacheEntry | None:
    """Read one ticker's cache file; ``None`` if absent, unreadable or inconsistent (logged)."""
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[META_KEY])
        frame = table.to_pandas()
        series = frame["close"].astype("float64")
        series.index = pd.DatetimeIndex(series.index, name="Date")
        _check_rows(series, meta)
        return series, pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"])
    except Exception as exc:  # a corrupt, foreign or inconsistent file: download again
        logger.warning("ignoring unreadable cache file %s: %s", path, one_line(exc))
        return None


def _check_rows(series: pd.Series, meta: dict) -> None:
    """Raise ValueError unless the stored rows are what the metadata describes."""
    if "rows" not in meta:  # format 1 files predate the row description
        return
    first = date_label(series.index[0]) if len(series) else None
    last = date_label(series.index[-1]) if len(series) else None
    if (meta["rows"], meta["first"], meta["last"]) != (len(series), first, last):
        raise ValueError(
            f"metadata describes {meta['rows']} rows {meta['first']}..{meta['last']}, "
            f"the file holds {len(series)} rows {first}..{last}"
        )
    if not series.index.is_monotonic_increasing or series.index.has_duplicates:
        raise ValueError("dates are not sorted and unique")


def _table(ticker: str, series: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> pa.Table:
    frame = series.rename("close").to_frame()
    frame.index.name = "Date"
    table = pa.Table.from_pandas(frame, preserve_index=True)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(
        {
            "ticker": ticker,
            "start": date_label(lo),
            "end": date_label(hi),
            "rows": len(series),
            "first": date_label(series.index[0]) if len(series) else None,
            "last": date_label(series.index[-1]) if len(series) else None,
            "source": "yfinance",
            "auto_adjust": True,
            "format": 2,
        }
    ).encode()
    return table.replace_schema_metadata(meta)


def write_caches(files: dict[Path, tuple[str, pd.Series, pd.Timestamp, pd.Timestamp]]) -> None:
    """Write several tickers' files, all or nothing.

    Parameters
    ----------
    files : dict
        ``path -> (ticker, prices (T,), covered start, covered end)``.

    Raises
    ------
    OSError
        A write failed; no cache file was changed and no temporary file is left.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, (ticker, series, lo, hi) in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            staged.append((Path(name), path))
            pq.write_table(_table(ticker, series, lo, hi), name, compression="zstd")
            with open(name, "rb") as handle:
                os.fsync(handle.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
