"""Checks that a returns matrix is fit for optimisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import date_label, name_list
from portfolio_sgd.errors import DataError

__all__ = ["validate_returns"]


def validate_returns(returns: pd.DataFrame, *, source: str = "returns", min_rows: int = 2) -> None:
    """Raise :class:`~portfolio_sgd.errors.DataError` unless ``returns`` is usable.

    Parameters
    ----------
    returns : pandas.DataFrame
        Shape (T, N): one row per date (any sorted, unique index), one column per asset.
    source : str
        Where the data came from (file or dataset name); it starts every error message.
    min_rows : int
        Least number of rows T accepted.

    Raises
    ------
    DataError
        With ``source`` and the offending column/date for: not a DataFrame; empty; duplicate
        tickers; fewer than 2 assets; fewer than ``min_rows`` rows; non-numeric column;
        unsorted or duplicate dates; non-finite values (NaN, inf); constant columns.
    """
    if not isinstance(returns, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(returns).__name__}")
    n_rows, n_assets = returns.shape
    if n_rows == 0 or n_assets == 0:
        raise DataError(f"{source}: no data ({n_rows} rows x {n_assets} assets)")
    dup = returns.columns.duplicated()
    if dup.any():
        names = ", ".join(repr(str(c)) for c in dict.fromkeys(returns.columns[dup]))
        raise DataError(f"{source}: duplicate ticker(s) {names}")
    if n_assets < 2:
        raise DataError(
            f"{source}: only 1 asset ({str(returns.columns[0])!r}), need at least 2 to build a portfolio"
        )
    if n_rows < min_rows:
        raise DataError(f"{source}: only {n_rows} rows, need at least {min_rows}")
    for name, dtype in returns.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise DataError(f"{source}: column {str(name)!r} is not numeric (dtype {dtype})")
    index = returns.index
    dup_rows = index.duplicated()
    if dup_rows.any():
        raise DataError(f"{source}: duplicate date {date_label(index[int(np.argmax(dup_rows))])}")
    if not index.is_monotonic_increasing:
        i = int(np.argmax(~_increasing(index))) + 1
        raise DataError(
            f"{source}: dates are not sorted: {date_label(index[i])} comes after {date_label(index[i - 1])}"
        )
    values = returns.to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        count = int((~finite).sum())
        raise DataError(
            f"{source}: column {str(returns.columns[col])!r} has non-finite value {values[row, col]} "
            f"on {date_label(index[row])} ({count} non-finite cells in all)"
        )
    constant = values.max(axis=0) == values.min(axis=0)
    if constant.any():
        shown = name_list(list(returns.columns[constant]), quote=True)
        raise DataError(f"{source}: constant column(s) with zero variance: {shown}")


def _increasing(index: pd.Index) -> np.ndarray:
    """Boolean (T - 1,): whether each step of the index goes up."""
    values = index.to_numpy()
    try:
        return values[1:] > values[:-1]
    except TypeError:  # mixed types that do not compare
        return np.zeros(len(values) - 1, dtype=bool)
