"""One part's rows of a wide returns file: the block a rank reads, and what all readers share.

A file of T rows read by P parts (ranks) is cut into P contiguous pieces in file order
(by rows for ``.npy`` and Parquet, by bytes for CSV). Each part reads only its piece
into a :class:`RowBlock`; concatenating the blocks in part order gives the file's rows.
The helpers here pick the asset columns (``tickers``) and cut a block to a date window
the way the single-process loader does (:func:`portfolio_sgd.data.load_returns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import date_label
from portfolio_sgd.data.loading import _select_tickers
from portfolio_sgd.data.returns import _timestamp
from portfolio_sgd.errors import DataError

__all__ = ["CHECK_ROWS", "RowBlock", "chosen_columns", "finish_block", "row_range"]

CHECK_ROWS = 65_536
"""Rows checked for NaN/inf at a time (bounds the mask's memory)."""


@dataclass(frozen=True)
class RowBlock:
    """A part's rows of a file: values, asset names and (for tables) dates.

    Attributes
    ----------
    values : ndarray, shape (rows, N)
        C-ordered, in the requested dtype.
    tickers : list of str
        The N asset names.
    dates : DatetimeIndex, shape (rows,), or None
        The rows' dates (None for a ``.npy`` file).
    """

    values: np.ndarray
    tickers: list[str]
    dates: pd.DatetimeIndex | None

    @property
    def rows(self) -> int:
        """Number of rows in the block."""
        return int(self.values.shape[0])


def row_range(n_rows: int, part: int, parts: int) -> tuple[int, int]:
    """Part ``part``'s contiguous range ``[lo, hi)`` of ``n_rows`` among ``parts``."""
    return n_rows * part // parts, n_rows * (part + 1) // parts


def chosen_columns(names: list[str], tickers: Sequence[str] | None, label: str) -> list[str]:
    """The asset columns to read: all of ``names``, or ``tickers`` matched as the
    single-process loader matches them (exactly, else case-insensitively)."""
    if tickers is None:
        return list(names)
    frame = pd.DataFrame(columns=pd.Index(names))
    return [str(c) for c in _select_tickers(frame, list(tickers), label).columns]


def finish_block(block: RowBlock, start: object, end: object, label: str) -> RowBlock:
    """``block`` cut to the inclusive date window ``[start, end]``, checked for NaN/inf.

    The dates must be sorted inside the block (checked here); the order across parts is
    the caller's to check. A window that misses the block leaves zero rows (another
    part may hold the window).

    Raises
    ------
    DataError
        Unsorted or duplicate dates, an unparseable bound, ``start > end``, a window on
        a file without dates, or a NaN/inf value (named by column and date or row).
    """
    lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
    if lo is not None and hi is not None and lo > hi:
        raise DataError(f"start {date_label(lo)} is after end {date_label(hi)}")
    values, dates = block.values, block.dates
    if dates is not None:
        _check_sorted(dates, label)
        first = 0 if lo is None else int(dates.searchsorted(lo, side="left"))
        last = len(dates) if hi is None else int(dates.searchsorted(hi, side="right"))
        values, dates = values[first:last], dates[first:last]
    elif lo is not None or hi is not None:
        raise DataError(f"{label}: a .npy file has no dates; --start/--end need a table")
    _check_finite(values, block.tickers, dates, label)
    return RowBlock(values, block.tickers, dates)


def _check_sorted(dates: pd.DatetimeIndex, label: str) -> None:
    steps = np.diff(dates.values.astype("datetime64[ns]").astype(np.int64))
    if (steps <= 0).any():
        pos = int(np.argmax(steps <= 0))
        what = "duplicate date" if steps[pos] == 0 else "dates are not sorted:"
        raise DataError(f"{label}: {what} {date_label(dates[pos + 1])}")


def _check_finite(
    values: np.ndarray, tickers: list[str], dates: pd.DatetimeIndex | None, label: str
) -> None:
    """Raise on the first NaN/inf, scanning :data:`CHECK_ROWS` rows at a time."""
    for start in range(0, values.shape[0], CHECK_ROWS):
        bad = ~np.isfinite(values[start : start + CHECK_ROWS])
        if bad.any():
            row, col = np.unravel_index(int(np.argmax(bad)), bad.shape)
            row += start
            where = date_label(dates[row]) if dates is not None else f"{row}"
            raise DataError(
                f"{label}: column {tickers[col]!r} row {where} is {values[row, col]} "
                "(a sharded run reads complete files: no NaN policy applies)"
            )
