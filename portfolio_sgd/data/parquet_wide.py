"""Read a wide Parquet table of numbers straight into one (T, N) array, a few columns at a time.

The general reader (:func:`portfolio_sgd.data.readers.read_table`) converts the whole Arrow
table to pandas and then to one block: two to three copies of the data at once. For the
common case, a wide table whose value columns are all numeric, this path fills one
preallocated C-ordered array of the target dtype from Arrow column chunks of at most
:data:`CHUNK_BYTES`, so the peak is the result plus one chunk. Every other case (text
columns, a MultiIndex, an unknown date column, ...) returns None and the general reader
runs, with its error messages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_sgd.data._format import date_label
from portfolio_sgd.data.parsing import parse_dates
from portfolio_sgd.errors import DataError

__all__ = ["CHUNK_BYTES", "read_parquet_wide"]

CHUNK_BYTES = 32_000_000
"""Most bytes of Arrow data decoded at once (a group of whole columns)."""


def read_parquet_wide(
    file: Path, label: str, date_column: str | None, dtype: str, date_format: str | None
) -> pd.DataFrame | None:
    """The wide frame of a numeric Parquet table, or None when the general reader must run.

    Parameters
    ----------
    file : Path
        A readable Parquet file (opening errors are left to the general reader).
    label : str
        Name of the file in error messages.
    date_column, dtype, date_format
        As in :func:`~portfolio_sgd.data.readers.read_table` (``dtype`` resolved).

    Returns
    -------
    pandas.DataFrame or None
        Shape (T, N): a ``DatetimeIndex`` of the parsed dates and one column per asset
        (names stripped), values a C-ordered writeable ``dtype`` array (NaN for nulls);
        None when the table is not a plain wide table of numbers.
    """
    try:
        source = pq.ParquetFile(file)
        schema = source.schema_arrow
    except (pa.ArrowException, OSError):
        return None
    layout = _layout(schema, date_column)
    if layout is None:
        return None
    date_field, date_name, value_fields = layout
    dates = source.read(columns=[date_field], use_pandas_metadata=False).column(0).to_pandas()
    index = parse_dates(dates, label, date_name, date_format)
    values = np.empty((len(index), len(value_fields)), dtype=dtype)
    step = max(1, CHUNK_BYTES // max(8 * len(index), 1))
    for start in range(0, len(value_fields), step):
        names = value_fields[start : start + step]
        chunk = source.read(columns=names, use_pandas_metadata=False)
        for offset, column in enumerate(chunk.columns):
            _fill(values, start + offset, column, index, label, names[offset], dtype)
        del chunk
    pa.default_memory_pool().release_unused()  # mimalloc keeps freed chunks otherwise
    columns = pd.Index(value_fields)
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


def _layout(schema: pa.Schema, date_column: str | None) -> tuple[str, str, list[str]] | None:
    """``(date field, date name for messages, value fields)``, or None outside the fast path.

    The same choice as the general reader: ``date_column`` when it is a column, else the
    stored pandas index (named ``date_column`` or any name), else the first column.
    """
    fields = list(schema.names)
    if len(set(fields)) != len(fields) or any(f != f.strip() for f in fields):
        return None
    meta = schema.pandas_metadata or {}
    stored = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
    if len(stored) > 1 or len(meta.get("index_columns", [])) > 1:
        return None
    plain = [f for f in fields if f not in stored]
    if stored:
        index_name = _index_name(meta, stored[0])
    if date_column is not None and date_column in plain:
        date_field, date_name = date_column, date_column
    elif stored and date_column in (None, index_name):
        date_field, date_name = stored[0], str(index_name or "index")
    elif date_column is None and plain:
        date_field, date_name = plain[0], plain[0]
    else:
        return None
    values = [f for f in plain if f != date_field]
    numeric = all(_is_number(schema.field(f).type) for f in values)
    if not values or not numeric or not all(values):
        return None
    return date_field, date_name, values


def _index_name(meta: dict, field: str) -> str | None:
    """The pandas name of the stored index column ``field`` (None when unnamed)."""
    for column in meta.get("columns", []):
        if column.get("field_name") == field:
            return column.get("name")
    return None


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_floating(kind) or pa.types.is_integer(kind)


def _fill(
    values: np.ndarray,
    j: int,
    column: pa.ChunkedArray,
    index: pd.DatetimeIndex,
    label: str,
    name: str,
    dtype: str,
) -> None:
    """Write one Arrow column into ``values[:, j]`` (nulls as NaN); name a float32 overflow."""
    source = column.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    with np.errstate(over="ignore"):
        values[:, j] = source
    if dtype != "float64":
        overflow = np.isinf(values[:, j]) & np.isfinite(source)
        if overflow.any():
            row = int(np.argmax(overflow))
            raise DataError(
                f"{label}: column {name!r} row {date_label(index[row])} "
                f"has out-of-range value {float(source[row]):g} (beyond {dtype})"
            )
