"""Read one part's rows of a wide returns file (.parquet/.pq, .csv, .npy), never the whole.

:func:`read_rows` is what a rank of a sharded run calls: part p of P reads a contiguous
piece of the file in file order (Parquet: its row range, by row groups; CSV: its byte
range; ``.npy``: its row range of a read-only memory map, copied), keeps the asset
columns asked for, cuts its rows to the date window and checks them for NaN/inf. The
pieces of all parts, concatenated in part order, are the file's rows: the same values
that :func:`portfolio_sgd.data.read_table` reads in one process. What a part cannot see
(the global row count, the date order across parts, an error on another part) is the
caller's to agree on (:mod:`portfolio_sgd.distributed.shard`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from portfolio_sgd.data.readers import PARQUET_SUFFIXES
from portfolio_sgd.data.row_block import RowBlock, chosen_columns, finish_block, row_range
from portfolio_sgd.data.shard_csv import read_csv_rows
from portfolio_sgd.data.shard_parquet import read_parquet_rows
from portfolio_sgd.errors import DataError

__all__ = ["SHARD_SUFFIXES", "read_rows"]

SHARD_SUFFIXES = (".npy", ".csv", *PARQUET_SUFFIXES)
"""File types a part can read its rows of."""


def read_rows(
    path: str | os.PathLike[str],
    part: int,
    parts: int,
    dtype: np.dtype,
    *,
    tickers: Sequence[str] | None = None,
    start: object = None,
    end: object = None,
    date_format: str | None = None,
) -> RowBlock:
    """Part ``part`` of ``parts``'s rows of a returns file, windowed and checked.

    Parameters
    ----------
    path : path-like
        A wide returns file: ``.parquet``/``.pq``, ``.csv`` (first column: dates) or a
        2-D ``.npy`` array (assets named ``asset_0``, ...; no dates).
    part, parts : int
        This part and the number of parts (rank and world size).
    dtype : numpy dtype
        float64 or float32 (the values are read into it, no float64 copy for float32).
    tickers : sequence of str, optional
        Asset columns to keep (as the single-process loader matches them).
    start, end : optional
        Inclusive date window; each part keeps its rows inside it (possibly none).
    date_format : str, optional
        ``strftime`` format of the dates.

    Returns
    -------
    RowBlock
        Shape (rows, N).

    Raises
    ------
    DataError
        A missing file, an unknown suffix, or anything the format's reader or
        :func:`~portfolio_sgd.data.row_block.finish_block` rejects.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{os.fspath(path)}: file not found")
    suffix = file.suffix.lower()
    chosen = None if tickers is None else list(tickers)
    if suffix in PARQUET_SUFFIXES:
        block = read_parquet_rows(file, part, parts, dtype, chosen, date_format)
    elif suffix == ".csv":
        block = read_csv_rows(file, part, parts, dtype, chosen, date_format)
    elif suffix == ".npy":
        block = _npy_rows(file, part, parts, dtype, chosen)
    else:
        raise DataError(
            f"{file.name}: a sharded run reads {', '.join(SHARD_SUFFIXES)} files, not {suffix!r}"
        )
    return finish_block(block, start, end, file.name)


def _npy_rows(
    file: Path, part: int, parts: int, dtype: np.dtype, tickers: list[str] | None
) -> RowBlock:
    """This part's rows of a read-only memory map, copied into ``dtype``."""
    data = np.load(file, mmap_mode="r")
    if data.ndim != 2:
        raise DataError(f"{file.name}: a .npy returns file must be 2-D, got {data.ndim}-D")
    names = [f"asset_{i}" for i in range(data.shape[1])]
    chosen = chosen_columns(names, tickers, file.name)
    columns = [names.index(c) for c in chosen]
    lo, hi = row_range(int(data.shape[0]), part, parts)
    if len(columns) == len(names):
        values = np.array(data[lo:hi], dtype=dtype, order="C", copy=True)
    else:  # fancy indexing copies already
        values = np.ascontiguousarray(data[lo:hi, columns].astype(dtype, copy=False))
    return RowBlock(values, chosen, None)
