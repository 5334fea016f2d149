"""Which rows each rank holds, and loading only those rows from a file.

The T scenarios are split into P contiguous, balanced row ranges: rank r holds rows
``[T r // P, T (r + 1) // P)``. A rank reads only its range:

- ``.npy``: a copy-on-write memory map of the range (no copy in the file's dtype);
- ``.parquet``/``.pq``: the row groups that overlap the range (pyarrow), then sliced (so
  a rank's peak memory is its shard plus at most two row groups: write big files with
  row groups no larger than a shard);
- ``.csv``: ``skiprows``/``nrows`` (the rows before the range are skipped, not parsed;
  the row count comes from one pass that counts lines).

A sharded file is a *wide* table of returns (one column per asset, an optional first
column of dates or labels) without missing values: a NaN policy such as dropping
assets is a decision about the whole file, which no rank sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Shard:
    """One rank's rows ``[offset, offset + rows)`` of ``total`` scenarios, and the values.

    Attributes
    ----------
    values : ndarray, shape (rows, N)
    tickers : list of str
    offset, total : int
    """

    values: np.ndarray
    tickers: list[str]
    offset: int
    total: int

    @property
    def rows(self) -> int:
        """Number of rows this rank holds."""
        return int(self.values.shape[0])


def row_range(n_rows: int, rank: int, world_size: int) -> tuple[int, int]:
    """Rank ``rank``'s contiguous row range ``[lo, hi)`` of ``n_rows`` among ``world_size``."""
    return n_rows * rank // world_size, n_rows * (rank + 1) // world_size


def shard_array(
    values: np.ndarray, tickers: list[str], rank: int, world_size: int, dtype: np.dtype
) -> Shard:
    """This rank's rows of a (T, N) array or memory map (a private copy in ``dtype``)."""
    lo, hi = row_range(values.shape[0], rank, world_size)
    local = np.array(values[lo:hi], dtype=dtype, order="C", copy=True)
    return Shard(local, list(tickers), lo, int(values.shape[0]))


def load_shard(path: str | Path, rank: int, world_size: int, dtype: np.dtype) -> Shard:
    """Read only this rank's rows of a returns file (.npy, .parquet/.pq or .csv).

    Raises
    ------
    DataError
        For a missing file, an unknown suffix, fewer rows than ranks, non-numeric or
        missing values.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"returns file {str(file)!r} does not exist")
    suffix = file.suffix.lower()
    if suffix == ".npy":
        return _npy_shard(file, rank, world_size, dtype)
    if suffix in PARQUET_SUFFIXES:
        return _parquet_shard(file, rank, world_size, dtype)
    if suffix == ".csv":
        return _csv_shard(file, rank, world_size, dtype)
    raise DataError(f"cannot shard {file.name!r}: sharded loading reads .npy, .parquet or .csv")


def _npy_shard(file: Path, rank: int, world_size: int, dtype: np.dtype) -> Shard:
    """The rows of a copy-on-write memory map: no copy when the file has the dtype (a
    C-order row range is contiguous), so the shard's pages are the file's, read as used."""
    data = np.load(file, mmap_mode="c")
    if data.ndim != 2:
        raise DataError(f"{file.name}: a .npy returns file must be 2-D, got {data.ndim}-D")
    tickers = [f"asset_{i}" for i in range(data.shape[1])]
    _check_rows(data.shape[0], world_size, file)
    lo, hi = row_range(data.shape[0], rank, world_size)
    if data.dtype == dtype and data.flags.c_contiguous:
        return _checked(Shard(data[lo:hi], tickers, lo, int(data.shape[0])), file)
    return _checked(shard_array(data, tickers, rank, world_size, dtype), file)


def _parquet_shard(file: Path, rank: int, world_size: int, dtype: np.dtype) -> Shard:
    meta = pq.ParquetFile(file)
    total = int(meta.metadata.num_rows)
    _check_rows(total, world_size, file)
    lo, hi = row_range(total, rank, world_size)
    starts = np.cumsum(
        [0] + [meta.metadata.row_group(i).num_rows for i in range(meta.num_row_groups)]
    )
    groups = [i for i in range(meta.num_row_groups) if starts[i] < hi and starts[i + 1] > lo]
    table = meta.read_row_groups(groups, use_pandas_metadata=False)
    frame = table.slice(lo - int(starts[groups[0]]), hi - lo).to_pandas()
    return _checked(_frame_shard(frame, lo, total, dtype, file), file)


def _csv_shard(file: Path, rank: int, world_size: int, dtype: np.dtype) -> Shard:
    with file.open("rb") as handle:
        total = sum(1 for line in handle if line.strip()) - 1  # minus the header
    _check_rows(total, world_size, file)
    lo, hi = row_range(total, rank, world_size)
    frame = pd.read_csv(file, skiprows=range(1, 1 + lo), nrows=hi - lo)
    return _checked(_frame_shard(frame, lo, total, dtype, file), file)


def _frame_shard(frame: pd.DataFrame, lo: int, total: int, dtype: np.dtype, file: Path) -> Shard:
    """A shard from a wide frame: a non-numeric first column (dates) is dropped."""
    if frame.shape[1] > 1 and not pd.api.types.is_numeric_dtype(frame.iloc[:, 0]):
        frame = frame.iloc[:, 1:]
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(f"{file.name}: column {bad[0]!r} is not numeric")
    values = np.ascontiguousarray(frame.to_numpy(dtype=dtype))
    return Shard(values, [str(c) for c in frame.columns], lo, total)


def _check_rows(total: int, world_size: int, file: Path) -> None:
    if total < world_size:
        raise DataError(f"{file.name}: {total} rows cannot be split across {world_size} ranks")


def _checked(shard: Shard, file: Path) -> Shard:
    if not np.isfinite(shard.values).all():
        raise DataError(
            f"{file.name}: rows {shard.offset}..{shard.offset + shard.rows - 1} contain NaN "
            "or inf (a sharded file must be complete)"
        )
    return shard
