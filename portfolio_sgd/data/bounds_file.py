"""Per-asset bounds from a CSV file: one ``ticker,min,max`` row per asset (``--bounds``).

A header row is optional (a first row whose bounds are not numbers is taken as one). An
empty ``min`` or ``max`` cell leaves that bound at the default. Every problem is one line
naming it: a file that cannot be read, a row without three cells, a bound that is not a
number or is NaN, ``min > max``, a ticker listed twice. Tickers that are not columns of
the returns are refused later, when the bounds are resolved against them
(:meth:`portfolio_sgd.constraints.Constraints.bind`).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from ..errors import DataError

__all__ = ["read_bounds"]


def _cell(text: str, where: str) -> float | None:
    """A bound cell: a number, or None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number") from None
    if math.isnan(value):
        raise DataError(f"{where}: bound is NaN")
    return value


def _rows(path: str | Path) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read bounds file {path}: {exc}") from None
    if not rows:
        raise DataError(f"bounds file {path} is empty")
    return rows


def read_bounds(path: str | Path) -> tuple[dict[str, float], dict[str, float]]:
    """``(min by ticker, max by ticker)`` from a ``ticker,min,max`` CSV.

    Raises
    ------
    DataError
        One line naming the file, the row and the problem.
    """
    rows = _rows(path)
    first = rows[0]
    if len(first) == 3 and not _is_number(first[1]) and not _is_number(first[2]):
        rows = rows[1:]  # a header
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    for i, row in enumerate(rows, start=1):
        where = f"bounds file {path}, row {i}"
        if len(row) != 3 or not row[0].strip():
            raise DataError(f"{where}: expected ticker,min,max, got {','.join(row)!r}")
        ticker = row[0].strip()
        if ticker in lo or ticker in hi:
            raise DataError(f"{where}: ticker {ticker} is listed twice")
        low, high = _cell(row[1], where), _cell(row[2], where)
        if low is not None and high is not None and low > high:
            raise DataError(f"{where}: min {low:g} > max {high:g} for {ticker}")
        if low is not None:
            lo[ticker] = low
        if high is not None:
            hi[ticker] = high
    return lo, hi


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text.strip() == ""
    return True
