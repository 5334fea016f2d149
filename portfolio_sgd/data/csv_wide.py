"""Read a wide CSV table of numbers into one (T, N) array, a block of rows at a time.

``pandas.read_csv`` of a whole file holds its parser buffers, the parsed frame and then
the float block at once: about five times the data for a wide file of returns. For the
common case, a plain (uncompressed) wide table whose value columns are all numeric, this
path reads :data:`CHUNK_ROWS` rows at a time with the same parser and options and fills
one preallocated C-ordered array of the target dtype, so the peak is the result plus one
block. The array is sized by the file's line count (an upper bound on its rows). Every
other case (a text cell, a gzip file, a value beyond float32, ...) returns None and the
general reader runs, with its error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_sgd.data.parsing import parse_dates

__all__ = ["CHUNK_ROWS", "read_csv_wide"]

CHUNK_ROWS = 4_096
"""Rows parsed at a time."""


def read_csv_wide(
    file: Path,
    label: str,
    kwargs: dict[str, Any],
    date_name: str,
    dtype: str,
    date_format: str | None,
) -> pd.DataFrame | None:
    """The wide frame of a numeric CSV table, or None when the general reader must run.

    Parameters
    ----------
    file : Path
        An uncompressed CSV file (its header already read and checked).
    label : str
        Name of the file in error messages.
    kwargs : dict
        The general reader's ``pandas.read_csv`` options (``sep``, ``names``, ...).
    date_name : str
        The date column (present in ``kwargs["names"]``).
    dtype : str
        ``"float64"`` or ``"float32"``.
    date_format : str, optional
        As in :func:`~portfolio_sgd.data.readers.read_table`.

    Returns
    -------
    pandas.DataFrame or None
        Shape (T, N): a ``DatetimeIndex`` of the parsed dates and one column per asset,
        values a C-ordered ``dtype`` array (NaN for empty cells).
    """
    if file.name.lower().endswith(".gz"):
        return None
    value_names = [n for n in kwargs["names"] if n != date_name]
    if not value_names or any(n == "" for n in value_names):
        return None
    values = np.empty((_line_count(file), len(value_names)), dtype=dtype)
    dates: list[np.ndarray] = []
    filled = 0
    options = {**kwargs, "chunksize": CHUNK_ROWS, "low_memory": True}
    try:
        with pd.read_csv(file, **options) as reader:
            for chunk in reader:
                block = chunk[value_names]
                if not all(k.kind in "fiu" for k in block.dtypes):
                    return None  # a text cell: the general reader names it
                if not _put(values, filled, block, dtype):
                    return None
                dates.append(chunk[date_name].to_numpy(dtype=object))
                filled += len(chunk)
    except (ValueError, UnicodeDecodeError, OSError, EOFError, pd.errors.ParserError):
        return None
    if filled == 0:
        return None
    index = parse_dates(pd.Series(np.concatenate(dates)), label, date_name, date_format)
    return pd.DataFrame(values[:filled], index=index, columns=pd.Index(value_names), copy=False)


def _put(values: np.ndarray, start: int, block: pd.DataFrame, dtype: str) -> bool:
    """Write ``block`` into ``values[start:]``; False where float32 would overflow."""
    source = block.to_numpy(dtype=np.float64)
    stop = start + source.shape[0]
    if stop > values.shape[0]:
        return False
    with np.errstate(over="ignore"):
        values[start:stop] = source
    if dtype != "float64":
        return not bool((np.isinf(values[start:stop]) & np.isfinite(source)).any())
    return True


def _line_count(file: Path, block: int = 1 << 24) -> int:
    """Newlines in ``file`` plus one: at least its number of data rows."""
    count = 1
    with open(file, "rb") as handle:
        while chunk := handle.read(block):
            count += chunk.count(b"\n")
    return count
