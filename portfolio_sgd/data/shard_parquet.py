"""One part's rows of a wide Parquet file, read by row groups from the file's metadata.

Part p of P owns rows ``[T p // P, T (p + 1) // P)``. It decodes only the row groups
that overlap that range, a batch of :data:`BATCH_ROWS` rows at a time, and copies its
own rows of each batch into one preallocated array: its peak is its rows plus one batch
and one row group's column chunks (the groups are read one at a time: pyarrow buffers
every row group it is handed, measured at 2.3 x the rows' size when given all). A file
with fewer row groups than parts still splits by rows, but each part then decodes its
row group up to its last row: write big files with many row groups (e.g.
``pyarrow.parquet.write_table(table, path, row_group_size=65_536)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_sgd.data._format import one_line
from portfolio_sgd.data.parquet_wide import _layout
from portfolio_sgd.data.parsing import parse_dates
from portfolio_sgd.data.row_block import RowBlock, chosen_columns, row_range
from portfolio_sgd.errors import DataError

__all__ = ["BATCH_ROWS", "read_parquet_rows"]

BATCH_ROWS = 65_536
"""Rows decoded at a time."""


def read_parquet_rows(
    file: Path,
    part: int,
    parts: int,
    dtype: np.dtype,
    tickers: list[str] | None = None,
    date_format: str | None = None,
) -> RowBlock:
    """Part ``part`` of ``parts``'s rows of a wide Parquet table of numbers.

    Parameters
    ----------
    file : Path
    part, parts : int
    dtype : numpy dtype
        float64 or float32.
    tickers : list of str, optional
        The asset columns to read (default all).
    date_format : str, optional
        As in :func:`portfolio_sgd.data.read_table`.

    Returns
    -------
    RowBlock
        Shape (rows, N), rows ``row_range(T, part, parts)`` of the file (nulls as NaN).
        A table of floating-point columns only (no date column or stored index) has no
        dates: every column is an asset.

    Raises
    ------
    DataError
        An unreadable file, a table that is not a date column and numeric asset
        columns, an unknown ticker, or a bad date.
    """
    label = file.name
    try:
        source = pq.ParquetFile(file)
        layout = _layout(source.schema_arrow, None)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{label}: cannot read Parquet file: {one_line(exc)}") from exc
    if layout is None:
        raise DataError(
            f"{label}: a sharded Parquet file must be wide: a date column (or stored index) "
            "and numeric asset columns"
        )
    date_field, date_name, value_fields = layout
    dated = not pa.types.is_floating(source.schema_arrow.field(date_field).type)
    if not dated:  # numbers only (no stored index): every column is an asset
        value_fields = list(source.schema_arrow.names)
    names = chosen_columns(value_fields, tickers, label)
    lo, hi = row_range(int(source.metadata.num_rows), part, parts)
    values = np.empty((hi - lo, len(names)), dtype=dtype)
    dates = _fill(source, values, lo, [date_field if dated else names[0], *names])
    pa.default_memory_pool().release_unused()  # mimalloc keeps freed batches otherwise
    if not dated:
        return RowBlock(values, names, None)
    if not len(dates):
        return RowBlock(values, names, pd.DatetimeIndex([]))
    return RowBlock(values, names, parse_dates(pd.Series(dates), label, date_name, date_format))


def _fill(source: pq.ParquetFile, values: np.ndarray, lo: int, columns: list[str]) -> np.ndarray:
    """Copy rows ``[lo, lo + len(values))`` of ``columns[1:]`` into ``values``; return
    those rows of ``columns[0]`` (the dates), shape (rows,)."""
    hi = lo + values.shape[0]
    sizes = [source.metadata.row_group(i).num_rows for i in range(source.num_row_groups)]
    starts = np.cumsum([0, *sizes])
    groups = [i for i in range(len(sizes)) if starts[i] < hi and starts[i + 1] > lo]
    dates: list[np.ndarray] = []
    if not groups:
        return np.empty(0, dtype=object)
    for group in groups:  # one row group at a time: pyarrow buffers what it is given
        pos = int(starts[group])
        batches = source.iter_batches(
            batch_size=BATCH_ROWS, row_groups=[group], columns=columns, use_pandas_metadata=False
        )
        for batch in batches:
            first, last = max(pos, lo), min(pos + batch.num_rows, hi)
            if last > first:
                piece = batch.slice(first - pos, last - first)
                for j in range(values.shape[1]):
                    column = piece.column(j + 1).cast(pa.float64(), safe=False)
                    values[first - lo : last - lo, j] = column.to_numpy(zero_copy_only=False)
                dates.append(piece.column(0).to_numpy(zero_copy_only=False))
            pos += batch.num_rows
            if pos >= hi:
                break
        pa.default_memory_pool().release_unused()
    return np.concatenate(dates)
