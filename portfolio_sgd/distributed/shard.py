"""Which rows each rank holds, and loading only those rows from a file.

Rank r of P reads one contiguous piece of the file, in file order, with
:func:`portfolio_sgd.data.shard_reader.read_rows` (Parquet: its rows ``[T r // P,
T (r + 1) // P)`` by row groups; CSV: the lines that start in its byte range; ``.npy``:
its rows of a memory map). No rank reads the whole file. Each rank keeps the asset
columns asked for (``--tickers``) and its rows inside the date window (``--start`` /
``--end``); the ranks then agree, in one gather of a few numbers each, on:

- errors: an error on any rank (a NaN, a text cell, a bad date) is raised on every rank
  with the same message, the lowest failing rank's (marked ``echoed_by_rank0`` on the
  other ranks, so that the CLI prints one ``Error:`` line, on rank 0);
- the global row count T and this rank's offset (the rows before it);
- the date order across ranks, and at least :data:`~portfolio_sgd.data.MIN_ROWS` rows.

A sharded file is a *wide* table of returns without missing values: a NaN policy such
as dropping assets is a decision about the whole file, which no rank sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data._format import date_label
from ..data.row_block import row_range
from ..data.shard_reader import SHARD_SUFFIXES, read_rows
from ..data.validation import MIN_ROWS
from ..errors import DataError
from .context import DistContext

__all__ = ["SHARD_SUFFIXES", "Shard", "ShardSource", "load_shard", "row_range", "shard_array"]


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


@dataclass(frozen=True)
class ShardSource:
    """A returns file that each rank reads its piece of, and the selection on it.

    Attributes
    ----------
    path : str or Path
        A ``.parquet``/``.pq``, ``.csv`` or ``.npy`` file.
    tickers : sequence of str, optional
        Asset columns to keep.
    start, end : optional
        Inclusive date window.
    date_format : str, optional
        ``strftime`` format of the dates.
    """

    path: str | Path
    tickers: Sequence[str] | None = None
    start: object = None
    end: object = None
    date_format: str | None = None


def shard_array(
    values: np.ndarray, tickers: list[str], rank: int, world_size: int, dtype: np.dtype
) -> Shard:
    """This rank's rows of a (T, N) array or memory map (a private copy in ``dtype``)."""
    lo, hi = row_range(values.shape[0], rank, world_size)
    local = np.array(values[lo:hi], dtype=dtype, order="C", copy=True)
    return Shard(local, list(tickers), lo, int(values.shape[0]))


def load_shard(source: ShardSource | str | Path, ctx: DistContext, dtype: np.dtype) -> Shard:
    """Read this rank's rows of a returns file; every rank of ``ctx`` must call it.

    Raises
    ------
    DataError
        On every rank alike, for an error on any rank (see the module docstring), dates
        out of order across ranks, or fewer than ``MIN_ROWS`` rows in all.
    """
    if not isinstance(source, ShardSource):
        source = ShardSource(source)
    error, block = None, None
    try:
        block = read_rows(
            source.path,
            ctx.rank,
            ctx.world_size,
            dtype,
            tickers=source.tickers,
            start=source.start,
            end=source.end,
            date_format=source.date_format,
        )
        summary = _summary(block)
    except DataError as exc:
        error, summary = str(exc), None
    reports = ctx.gather_objects((error, summary))
    try:
        _agree(reports, Path(source.path).name, ctx.world_size)
    except DataError as exc:
        exc.echoed_by_rank0 = not ctx.is_main  # type: ignore[attr-defined]
        raise
    counts = [r[1][0] for r in reports]  # type: ignore[index]
    offset = sum(counts[: ctx.rank])
    return Shard(block.values, block.tickers, offset, sum(counts))  # type: ignore[union-attr]


def _summary(block) -> tuple[int, object, object]:  # noqa: ANN001
    """``(rows, first date, last date)`` of a block (dates None when it has none)."""
    if block.dates is None or block.rows == 0:
        return block.rows, None, None
    return block.rows, block.dates[0], block.dates[-1]


def _agree(reports: list, label: str, world_size: int) -> None:
    """Raise the lowest rank's error, dates out of order across ranks, or too few rows."""
    errors = [r[0] for r in reports if r[0] is not None]
    if errors:
        raise DataError(errors[0])
    spans = [r[1] for r in reports if r[1][0] > 0]
    for before, after in zip(spans, spans[1:], strict=False):
        if before[2] is not None and after[1] is not None and after[1] <= before[2]:
            what = "duplicate date" if after[1] == before[2] else "dates are not sorted:"
            raise DataError(f"{label}: {what} {date_label(after[1])}")
    total = sum(r[1][0] for r in reports)
    if total < max(MIN_ROWS, world_size):
        raise DataError(
            f"{label}: only {total} rows, need at least {max(MIN_ROWS, world_size)} "
            f"to shard across {world_size} ranks"
        )
