"""Checks that a returns matrix is fit for optimisation.

One implementation serves the CLI (through :func:`validate_returns` on a DataFrame) and
the Python API (through :func:`portfolio_sgd.data.inputs.validate_returns_input` on a
DataFrame, a NumPy array or a torch tensor): :func:`check_return_values` works on a NumPy
array or a torch tensor alike, so a tensor on the GPU is checked where it is, with a few
column reductions and no host copy of the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from portfolio_sgd.data._format import date_label, name_list
from portfolio_sgd.errors import DataError

__all__ = [
    "MAX_ABS_RETURN",
    "MIN_ROWS",
    "check_return_values",
    "check_shape",
    "validate_returns",
]

MIN_ROWS = 30
"""Least number of return rows that the CLI (and the API's input check) accept."""

MAX_ABS_RETURN = 100.0
"""Largest |return| accepted in one period (10000%): anything larger is a data error."""


def validate_returns(
    returns: pd.DataFrame, *, source: str = "returns", min_rows: int = 2, simple: bool = True
) -> None:
    """Raise :class:`~portfolio_sgd.errors.DataError` unless ``returns`` is usable.

    Parameters
    ----------
    returns : pandas.DataFrame
        Shape (T, N): one row per date (any sorted, unique index), one column per asset.
    source : str
        Where the data came from (file or dataset name); it starts every error message.
    min_rows : int
        Least number of rows T accepted.
    simple : bool
        The values are simple returns, so a value below -1 (a loss of more than 100%) is
        rejected. False for log returns.

    Raises
    ------
    DataError
        With ``source`` and the offending column/date for: not a DataFrame; empty; duplicate
        tickers; fewer than 2 assets; fewer than ``min_rows`` rows; non-numeric column;
        unsorted or duplicate dates; non-finite values (NaN, inf); a value beyond
        :data:`MAX_ABS_RETURN` in absolute value; a simple return below -1; constant columns.
    """
    if not isinstance(returns, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(returns).__name__}")
    names = [str(c) for c in returns.columns]
    check_shape(returns.shape, names, source=source, min_rows=min_rows)
    for name, dtype in returns.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise DataError(f"{source}: column {str(name)!r} is not numeric (dtype {dtype})")
    check_return_values(
        returns.to_numpy(), names, returns.index, source=source, min_rows=min_rows, simple=simple
    )


def check_shape(
    shape: tuple[int, ...], tickers: Sequence[str], *, source: str = "returns", min_rows: int = 2
) -> None:
    """Reject an empty matrix, duplicate tickers, fewer than 2 assets or ``min_rows`` rows.

    Parameters
    ----------
    shape : (int, int)
        (T, N) of the returns.
    tickers : sequence of str
        The N column names.
    """
    n_rows, n_assets = shape
    if n_rows == 0 or n_assets == 0:
        raise DataError(f"{source}: no data ({n_rows} rows x {n_assets} assets)")
    names = [str(t) for t in tickers]
    if len(set(names)) != len(names):
        dup = pd.Index(names).duplicated()
        shown = ", ".join(repr(c) for c in dict.fromkeys(pd.Index(names)[dup]))
        raise DataError(f"{source}: duplicate ticker(s) {shown}")
    if n_assets < 2:
        raise DataError(
            f"{source}: only 1 asset ({names[0]!r}), need at least 2 to build a portfolio"
        )
    if n_rows < min_rows:
        raise DataError(f"{source}: only {n_rows} rows, need at least {min_rows}")


def check_return_values(
    values: Any,
    tickers: Sequence[str],
    index: pd.Index | None,
    *,
    source: str = "returns",
    min_rows: int = 2,
    simple: bool = True,
) -> None:
    """The one set of checks on a (T, N) matrix of returns, NumPy or torch.

    Parameters
    ----------
    values : numpy.ndarray or torch.Tensor
        Shape (T, N), a real numeric dtype. A tensor stays on its device: only per-column
        minima and maxima (2 N numbers) come back to the host, plus one cell when a check
        fails.
    tickers : sequence of str
        N column names, used in messages.
    index : pandas.Index or None
        T row labels (dates); None for unlabelled arrays (rows are then named by number).
    source, min_rows, simple
        As in :func:`validate_returns`.

    Raises
    ------
    DataError
        One line naming ``source`` and the column and row at fault (see
        :func:`validate_returns`).
    """
    if values.ndim != 2:
        raise DataError(f"{source}: returns must be 2-D (T, N), got shape {tuple(values.shape)}")
    names = [str(t) for t in tickers]  # a list: a pandas Index costs more than the checks
    check_shape(tuple(values.shape), names, source=source, min_rows=min_rows)
    if index is not None:
        _check_index(index, source)
    lo, hi = _column_range(values)

    def row_name(row: int) -> str:
        return date_label(index[row]) if index is not None else f"row {row}"

    finite = np.isfinite(lo) & np.isfinite(hi)
    if not finite.all():
        row, col, value, count = _first_cell(values, lambda v: ~_isfinite(v), count=True)
        tail = f" ({count} non-finite cells in all)" if count is not None else ""
        raise DataError(
            f"{source}: column {names[col]!r} has non-finite value {value} on {row_name(row)}{tail}"
        )
    big = np.maximum(hi, -lo) > MAX_ABS_RETURN
    if big.any():
        row, col, value, _ = _first_cell(values, lambda v: abs(v) > MAX_ABS_RETURN)
        raise DataError(
            f"{source}: column {names[col]!r} has out-of-range value {value:g} on "
            f"{row_name(row)}; a return beyond +-{MAX_ABS_RETURN:g} ({MAX_ABS_RETURN:.0%}) "
            "per period is a data error"
        )
    if simple and (lo < -1.0).any():
        row, col, value, _ = _first_cell(values, lambda v: v < -1.0)
        raise DataError(
            f"{source}: column {names[col]!r} has simple return {value:g} on {row_name(row)}; "
            "a simple return cannot be below -1 (a loss of more than 100%)"
        )
    constant = hi == lo
    if constant.any():
        shown = name_list([n for n, c in zip(names, constant, strict=True) if c], quote=True)
        raise DataError(f"{source}: constant column(s) with zero variance: {shown}")


def _check_index(index: pd.Index, source: str) -> None:
    """Unique, increasing dates (``is_unique`` and ``is_monotonic_increasing`` are cached
    on the index, so a frame validated again costs nothing; the culprit is found only on
    failure)."""
    if not index.is_unique:
        dup_rows = index.duplicated()
        raise DataError(f"{source}: duplicate date {date_label(index[int(np.argmax(dup_rows))])}")
    if not index.is_monotonic_increasing:
        i = int(np.argmax(~_increasing(index))) + 1
        raise DataError(
            f"{source}: dates are not sorted: {date_label(index[i])} comes after {date_label(index[i - 1])}"
        )


def _isfinite(values: Any) -> Any:
    return np.isfinite(values) if isinstance(values, np.ndarray) else values.isfinite()


def _column_range(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (min, max) as float64 host arrays (N,); NaN anywhere gives NaN."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind not in "fiu":
            raise DataError(f"values must be numeric, got dtype {values.dtype}")
        with np.errstate(invalid="ignore"):
            return (
                values.min(axis=0).astype(np.float64),
                values.max(axis=0).astype(np.float64),
            )
    lo, hi = values.aminmax(dim=0)  # torch: one reduction; NaN propagates
    both = torch.stack([lo, hi]).detach().to("cpu", dtype=torch.float64).numpy()
    return both[0], both[1]


def _first_cell(
    values: Any, bad: Callable[[Any], Any], count: bool = False
) -> tuple[int, int, float, int | None]:
    """(row, column, value, count) of the first bad cell in row-major order."""
    mask = bad(values)
    if isinstance(values, np.ndarray):
        row, col = np.argwhere(mask)[0]
        total = int(mask.sum()) if count else None
        return int(row), int(col), float(values[row, col]), total
    rows, cols = mask.nonzero(as_tuple=True)
    row, col = int(rows[0]), int(cols[0])
    return row, col, float(values[row, col]), (int(rows.numel()) if count else None)


def _increasing(index: pd.Index) -> np.ndarray:
    """Boolean (T - 1,): whether each step of the index goes up."""
    values = index.to_numpy()
    try:
        return values[1:] > values[:-1]
    except TypeError:  # mixed types that do not compare
        return np.zeros(len(values) - 1, dtype=bool)
