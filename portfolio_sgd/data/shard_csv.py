"""One part's rows of a wide CSV file, read from its byte range.

The bytes after the header are cut into P equal ranges; part p owns the lines that
start in its range (it seeks to the range, moves to the next line start, and stops at
the line start where part p + 1 begins), so every line belongs to exactly one part and
no part reads another's bytes beyond one line. The range is parsed
:data:`BLOCK_BYTES` at a time (whole lines, with the header's delimiter and the same
pandas parser as the single-process reader) into one array sized by the range's line
count: a part's peak is its rows plus one block. The header is the file's first line;
the first column holds the dates.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import name_list, one_line
from portfolio_sgd.data.parsing import parse_dates
from portfolio_sgd.data.readers import _read_header
from portfolio_sgd.data.row_block import RowBlock, chosen_columns
from portfolio_sgd.errors import DataError

__all__ = ["BLOCK_BYTES", "read_csv_rows"]

BLOCK_BYTES = 16_777_216
"""Bytes of whole lines parsed at a time."""


def read_csv_rows(
    file: Path,
    part: int,
    parts: int,
    dtype: np.dtype,
    tickers: list[str] | None = None,
    date_format: str | None = None,
) -> RowBlock:
    """Part ``part`` of ``parts``'s rows of an uncompressed wide CSV table of numbers.

    Parameters
    ----------
    file : Path
    part, parts : int
    dtype : numpy dtype
        float64 or float32.
    tickers : list of str, optional
        The asset columns to read (default all but the first, the dates).
    date_format : str, optional
        As in :func:`portfolio_sgd.data.read_table`.

    Returns
    -------
    RowBlock
        Shape (rows, N): the lines that start in this part's byte range (empty cells NaN).

    Raises
    ------
    DataError
        A compressed or header-only file, duplicate columns, an unknown ticker, a text
        cell (named by column and date), or a bad date.
    """
    label = file.name
    if file.name.lower().endswith(".gz"):
        raise DataError(f"{label}: a compressed CSV cannot be split by bytes; decompress it")
    names, sep = _read_header(file, label)
    if len(set(names)) != len(names) or len(names) < 2:
        raise DataError(f"{label}: needs a date column and uniquely named asset columns")
    chosen = chosen_columns(names[1:], tickers, label)
    first, stop = _byte_range(file, part, parts)
    values = np.empty((_line_count(file, first, stop), len(chosen)), dtype=dtype)
    options = {"sep": sep, "header": None, "names": names, "usecols": [names[0], *chosen]}
    options.update(dtype={names[0]: str}, index_col=False, encoding="utf-8", low_memory=False)
    filled, dates = 0, []
    for text in _blocks(file, first, stop):
        frame = _parse(text, options, label)
        block = frame[chosen]
        _check_numbers(block, frame[names[0]], label)
        with np.errstate(over="ignore"):  # beyond float32: inf, reported as such later
            values[filled : filled + len(block)] = block.to_numpy(dtype=np.float64)
        dates.append(frame[names[0]].to_numpy(dtype=object))
        filled += len(block)
    if not dates:
        return RowBlock(values[:0], chosen, pd.DatetimeIndex([]))
    index = parse_dates(pd.Series(np.concatenate(dates)), label, names[0], date_format)
    return RowBlock(values[:filled], chosen, index)


def _parse(text: bytes, options: dict, label: str) -> pd.DataFrame:
    """The frame of whole CSV lines ``text``."""
    try:
        return pd.read_csv(io.BytesIO(text), **options)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"{label}: cannot parse CSV: {one_line(exc)}") from exc


def _byte_range(file: Path, part: int, parts: int) -> tuple[int, int]:
    """``[first, stop)``: the bytes of the lines that start in this part's range."""
    with file.open("rb") as handle:
        line = handle.readline()
        while line and not line.strip():
            line = handle.readline()
        data = handle.tell()
        size = file.stat().st_size
        bounds = [data + (size - data) * p // parts for p in (part, part + 1)]
        return _line_start(handle, bounds[0], data), _line_start(handle, bounds[1], data)


def _line_start(handle: io.BufferedReader, byte: int, data: int) -> int:
    """The first line start at or after ``byte`` (``data``: where the data lines begin)."""
    if byte <= data:
        return data
    handle.seek(byte - 1)
    handle.readline()  # the rest of the line holding byte - 1
    return handle.tell()


def _line_count(file: Path, first: int, stop: int) -> int:
    """Newlines in ``[first, stop)`` plus one: at least the number of rows there."""
    return sum(block.count(b"\n") for block in _blocks(file, first, stop)) + 1


def _blocks(file: Path, first: int, stop: int) -> Iterator[bytes]:
    """The bytes ``[first, stop)`` in pieces of about :data:`BLOCK_BYTES`, cut after a
    newline (the last piece: whatever is left)."""
    with file.open("rb") as handle:
        handle.seek(first)
        carry = b""
        left = stop - first
        while left > 0:
            chunk = handle.read(min(BLOCK_BYTES, left))
            left -= len(chunk)
            text = carry + chunk
            cut = text.rfind(b"\n") + 1 if left > 0 else len(text)
            carry = text[cut:]
            if text[:cut].strip():
                yield text[:cut]
            if not chunk:
                break


def _check_numbers(block: pd.DataFrame, dates: pd.Series, label: str) -> None:
    """Raise on the first column of ``block`` that holds text (named by cell and date)."""
    text = [str(c) for c, kind in block.dtypes.items() if kind.kind not in "fiu"]
    if not text:
        return
    column = block[text[0]]
    bad = pd.to_numeric(column, errors="coerce").isna() & column.notna()
    row = int(np.argmax(bad.to_numpy()))
    raise DataError(
        f"{label}: column {text[0]!r} row {dates.iloc[row]} holds text {column.iloc[row]!r}, "
        f"not a number (text columns: {name_list(text, 4, quote=True)})"
    )
