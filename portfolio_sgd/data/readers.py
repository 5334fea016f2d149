"""Read wide or long tables of prices or returns from CSV or Parquet files.

Every problem with a file raises :class:`~portfolio_sgd.errors.DataError` with a one-line
message that names the file and, where there is one, the column and row at fault.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_sgd.data._format import date_label, name_list, one_line
from portfolio_sgd.data.csv_wide import read_csv_wide
from portfolio_sgd.data.enums import DataLayout, coerce_choice
from portfolio_sgd.data.parquet_wide import read_parquet_wide
from portfolio_sgd.data.parsing import parse_dates, resolve_dtype, to_float_frame
from portfolio_sgd.errors import DataError

__all__ = ["CSV_SUFFIXES", "PARQUET_SUFFIXES", "read_table"]

logger = logging.getLogger("portfolio_sgd.data")

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SEPARATORS = (",", "\t", ";", "|")
_NA_VALUES = ["", "NaN", "nan", "NAN", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "None", "-nan"]


def read_table(
    path: str | os.PathLike[str],
    *,
    layout: DataLayout | str = "wide",
    date_column: str | None = None,
    ticker_column: str = "ticker",
    value_column: str = "value",
    dtype: str | np.dtype = "float64",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read a table of prices or returns into a wide frame.

    The format follows the extension: CSV for ``.csv``, ``.csv.gz``, ``.txt`` and ``.tsv``
    (the delimiter is sniffed from the header: comma, tab, semicolon or pipe), Parquet for
    ``.parquet`` and ``.pq``. Empty cells and ``NaN`` are missing values.

    Parameters
    ----------
    path : path-like
        The file to read.
    layout : {"wide", "long"} or DataLayout
        ``wide``: the first column (or ``date_column``, or a Parquet ``DatetimeIndex``)
        holds the dates and every other column is one asset. ``long``: one row per
        (date, ticker, value); it is pivoted to wide, assets in order of first appearance.
    date_column : str, optional
        Name of the date column. Default: the first column (wide), or the column named
        ``date`` in any case, else the first column (long).
    ticker_column, value_column : str
        Column names used by the long layout (matched case-insensitively if no exact match).
    dtype : {"float64", "float32"}
        Dtype of the values.
    date_format : str, optional
        ``strftime`` format of the dates (e.g. ``"%d/%m/%Y"``). Without it, dates must be
        ISO 8601 or provably unambiguous (see :func:`~portfolio_sgd.data.parsing.parse_dates`);
        an ambiguous day/month order is an error, never a guess.

    Returns
    -------
    pandas.DataFrame
        Shape (T, N): a sorted ``DatetimeIndex`` named ``"Date"`` and one ``str`` column per
        asset. Missing values are NaN.

    Raises
    ------
    DataError
        Missing, empty or unreadable file; unknown extension; unparseable date; non-numeric
        cell; duplicate column (ticker); duplicate date; duplicate (date, ticker) pair.
    """
    layout = coerce_choice(DataLayout, layout, "layout")
    dtype = resolve_dtype(dtype)
    label = os.fspath(path)
    file = Path(path)
    if not file.exists():
        raise DataError(f"{label}: file not found")
    if file.is_dir():
        raise DataError(f"{label}: is a directory, not a file")
    if file.stat().st_size == 0:
        raise DataError(f"{label}: file is empty")
    name = file.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        if layout is DataLayout.WIDE:  # numbers only: one array, filled column by column
            fast = read_parquet_wide(file, label, date_column, dtype, date_format)
            if fast is not None:
                return _finish(fast, label)
        raw, index_dates = _read_parquet_raw(file, label)
    elif name.endswith(CSV_SUFFIXES):
        raw = _read_csv_raw(file, label, layout, date_column, ticker_column, dtype, date_format)
        if isinstance(raw, tuple):  # numbers only: one array, filled a block of rows at a time
            return _finish(raw[0], label)
        index_dates = None
    else:
        valid = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
        raise DataError(f"{label}: unsupported file type; expected one of {valid}")
    if layout is DataLayout.LONG:
        frame = _long_to_wide(
            raw, label, date_column, ticker_column, value_column, dtype, date_format
        )
    else:
        frame = _raw_to_wide(raw, index_dates, label, date_column, dtype, date_format)
    return _finish(frame, label)


def _read_header(file: Path, label: str) -> tuple[list[str], str]:
    """Return the stripped column names of a CSV file and its delimiter."""
    opener = gzip.open if file.name.lower().endswith(".gz") else open
    try:
        with opener(file, "rt", encoding="utf-8-sig", newline="") as handle:
            line = ""
            for line in handle:
                if line.strip():
                    break
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataError(f"{label}: cannot read file: {one_line(exc)}") from exc
    if not line.strip():
        raise DataError(f"{label}: file is empty")
    sep = max(_SEPARATORS, key=line.count) if any(s in line for s in _SEPARATORS) else ","
    names = [n.strip() for n in next(csv.reader([line], delimiter=sep))]
    return names, sep


def _read_csv_raw(
    file: Path,
    label: str,
    layout: DataLayout,
    date_column: str | None,
    ticker_column: str,
    dtype: str | np.dtype = "float64",
    date_format: str | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame]:
    """Read a CSV file with pandas' C parser; clean numeric columns come back as numbers.

    Column types are inferred (faster than a per-column dtype map on wide files); a
    column holding a non-numeric cell comes back as text and is reported later. A wide
    table of numbers comes back finished, as a 1-tuple (:mod:`.csv_wide`).
    """
    names, sep = _read_header(file, label)
    _check_duplicate_columns(names, label)
    kwargs: dict[str, Any] = {
        "sep": sep,
        "header": 0,
        "names": names,
        "encoding": "utf-8-sig",
        "index_col": False,
        "low_memory": False,
    }
    if layout is DataLayout.WIDE:
        date_name = date_column if date_column is not None else names[0]
        if date_name not in names:
            raise DataError(
                f"{label}: no date column {date_name!r}; "
                f"columns are {name_list(names, 8, quote=True)}"
            )
        kwargs["dtype"] = {date_name: str}
        fast = read_csv_wide(file, label, kwargs, date_name, str(dtype), date_format)
        if fast is not None:
            return (fast,)
    else:
        # Tickers such as "NA" or "NULL" must stay tickers, not become missing values.
        ticker_name = _match_column(names, ticker_column)
        if ticker_name is not None:
            kwargs["dtype"] = {ticker_name: str}
            kwargs["keep_default_na"] = False
            kwargs["na_values"] = {n: _NA_VALUES for n in names if n != ticker_name}
    try:
        return pd.read_csv(file, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{label}: file is empty") from exc
    except (ValueError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"{label}: cannot parse CSV: {one_line(exc)}") from exc


def _read_parquet_raw(file: Path, label: str) -> tuple[pd.DataFrame, pd.Index | None]:
    """Read a Parquet file; also return its pandas index if it stored a named one."""
    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{label}: cannot read Parquet file: {one_line(exc)}") from exc
    _check_duplicate_columns([str(n) for n in table.column_names], label)
    raw = table.to_pandas()
    raw.columns = [str(c).strip() for c in raw.columns]
    index = raw.index if not isinstance(raw.index, pd.RangeIndex) else None
    if index is not None and index.nlevels > 1:
        raise DataError(f"{label}: a MultiIndex is not supported; write a plain table")
    return raw, index


def _raw_to_wide(
    raw: pd.DataFrame,
    index_dates: pd.Index | None,
    label: str,
    date_column: str | None,
    dtype: str | np.dtype,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Split the date column (or stored index) from the values of a wide table."""
    names = list(raw.columns)
    if date_column is not None and date_column in names:
        date_name, dates = date_column, raw[date_column]
        values = raw.drop(columns=[date_column])
    elif index_dates is not None and date_column in (None, index_dates.name):
        date_name, dates, values = str(index_dates.name or "index"), index_dates.to_series(), raw
    elif date_column is not None:
        raise DataError(
            f"{label}: no date column {date_column!r}; columns are {name_list(names, 8, quote=True)}"
        )
    elif not names:
        raise DataError(f"{label}: has no columns")
    else:
        date_name, dates, values = names[0], raw[names[0]], raw.iloc[:, 1:]
    index = parse_dates(dates, label, date_name, date_format)
    if values.shape[1] == 0:
        raise DataError(f"{label}: has no asset columns besides the date column {date_name!r}")
    empty = [i + 2 for i, n in enumerate(values.columns) if n == ""]
    if empty:
        raise DataError(f"{label}: column {empty[0]} has an empty name")
    values = values.set_axis(index, axis=0)
    return to_float_frame(values, label, dtype)


def _long_to_wide(
    raw: pd.DataFrame,
    label: str,
    date_column: str | None,
    ticker_column: str,
    value_column: str,
    dtype: str | np.dtype,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Pivot a long (date, ticker, value) table to wide; duplicate pairs are an error."""
    if not isinstance(raw.index, pd.RangeIndex):
        raw = raw.reset_index()
    names = [str(c) for c in raw.columns]
    date_name = _match_column(names, date_column or "date", default_first=date_column is None)
    if date_name is None:
        raise DataError(
            f"{label}: no date column {date_column!r}; columns are {name_list(names, 8, quote=True)}"
        )
    ticker_name = _match_column(names, ticker_column)
    value_name = _match_column(names, value_column)
    for wanted, found in ((ticker_column, ticker_name), (value_column, value_name)):
        if found is None:
            raise DataError(
                f"{label}: long layout needs a column {wanted!r}; columns are {name_list(names, 8, quote=True)}"
            )
    dates = parse_dates(raw[date_name], label, date_name, date_format)
    tickers = raw[ticker_name]
    missing = tickers.isna().to_numpy() | (tickers.astype(str).str.strip() == "").to_numpy()
    if missing.any():
        row = date_label(dates[int(np.argmax(missing))])
        raise DataError(f"{label}: column {ticker_name!r} row {row} has no ticker")
    tickers = tickers.astype(str).str.strip().to_numpy()
    values = raw[[value_name]].set_axis(dates, axis=0)
    values = to_float_frame(values, label, dtype, tickers=tickers)
    long = pd.DataFrame({"date": dates, "ticker": tickers, "value": values.iloc[:, 0].to_numpy()})
    dup = long.duplicated(["date", "ticker"]).to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise DataError(
            f"{label}: duplicate (date, ticker) pair ({date_label(dates[i])}, {tickers[i]!r})"
        )
    wide = long.pivot(index="date", columns="ticker", values="value")
    return wide[list(pd.unique(tickers))].astype(dtype)


def _finish(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Name the axes, reject duplicate or unsorted dates and check it is not empty.

    Unsorted rows are an error rather than silently sorted: a file out of date order is
    usually a sign of a broken export, and returns computed from it would be wrong.
    """
    frame.index.name = "Date"
    frame.columns = pd.Index([str(c) for c in frame.columns])
    if frame.shape[0] == 0:
        raise DataError(f"{label}: has no data rows")
    dup = frame.index.duplicated()
    if dup.any():
        first = frame.index[int(np.argmax(dup))]
        times = int((frame.index == first).sum())
        raise DataError(f"{label}: duplicate date {date_label(first)} (appears {times} times)")
    if not frame.index.is_monotonic_increasing:
        pos = int(
            np.argmax(np.diff(frame.index.values.astype("datetime64[ns]").astype(np.int64)) < 0)
        )
        raise DataError(
            f"{label}: dates are not sorted: {date_label(frame.index[pos + 1])} (row {pos + 2}) "
            f"comes after {date_label(frame.index[pos])}"
        )
    return frame


def _check_duplicate_columns(names: list[str], label: str) -> None:
    dupes = [name for name, count in Counter(names).items() if count > 1]
    if dupes:
        raise DataError(f"{label}: duplicate column(s) {name_list(dupes, quote=True)}")


def _match_column(names: list[str], wanted: str, default_first: bool = False) -> str | None:
    """Exact match, else case-insensitive match, else the first column if allowed."""
    if wanted in names:
        return wanted
    lowered = {n.lower(): n for n in reversed(names)}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    return names[0] if default_first and names else None
