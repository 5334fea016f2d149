"""Cell-level parsing used by the readers: dates, numbers and the value dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import date_label
from portfolio_sgd.errors import DataError

__all__ = ["VALUE_DTYPES", "parse_dates", "resolve_dtype", "to_float_frame"]

VALUE_DTYPES = ("float64", "float32")


def resolve_dtype(dtype: str | np.dtype | type) -> str:
    """Return ``"float64"`` or ``"float32"`` for a dtype-like, else raise DataError."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in VALUE_DTYPES:
        raise DataError(f"unsupported dtype {dtype!r}; valid choices: {', '.join(VALUE_DTYPES)}")
    return name


def parse_dates(values: pd.Series | pd.Index, label: str, column: str) -> pd.DatetimeIndex:
    """Parse a column of dates to a tz-naive ``DatetimeIndex``, naming the first bad cell."""
    series = pd.Series(values).reset_index(drop=True)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        parsed = series.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = series
    else:
        missing = series.isna().to_numpy()
        if missing.any():
            line = int(np.argmax(missing)) + 2
            raise DataError(f"{label}: column {column!r} line {line} has no date")
        if pd.api.types.is_numeric_dtype(series.dtype):
            # YYYYMMDD integers, never nanoseconds since 1970.
            series = series.astype("int64").astype(str)
        text = series.astype(str).str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if parsed.isna().any():
            parsed = pd.to_datetime(text, format="mixed", errors="coerce")
        bad = parsed.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(
                f"{label}: column {column!r} line {i + 2} has unparseable date {series.iloc[i]!r}"
            )
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
    if parsed.isna().any():
        line = int(np.argmax(parsed.isna().to_numpy())) + 2
        raise DataError(f"{label}: column {column!r} line {line} has no date")
    return pd.DatetimeIndex(parsed, name="Date")


def to_float_frame(
    values: pd.DataFrame, label: str, dtype: str | np.dtype, tickers: np.ndarray | None = None
) -> pd.DataFrame:
    """Cast every column to ``dtype``; name the first non-numeric cell if there is one."""
    numeric = [
        pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)
        for dt in values.dtypes
    ]
    if not all(numeric):
        values = values.copy()
        for position in np.flatnonzero(~np.asarray(numeric)):
            values.isetitem(position, _column_to_float(values, position, label, tickers))
    # One contiguous (T, N) block: fast to build, fast for every later step.
    array = values.to_numpy(dtype=dtype)
    return pd.DataFrame(array, index=values.index, columns=values.columns, copy=False)


def _column_to_float(
    values: pd.DataFrame, position: int, label: str, tickers: np.ndarray | None
) -> pd.Series:
    """Convert one non-numeric column to float64, or raise naming its first bad cell."""
    column = values.iloc[:, position]
    if pd.api.types.is_bool_dtype(column.dtype):
        coerced = pd.Series(np.nan, index=column.index)
    else:
        coerced = pd.to_numeric(column.astype(object), errors="coerce")
    bad = (coerced.isna() & column.notna()).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        where = f"row {date_label(values.index[i])}"
        if tickers is not None:
            where += f" (ticker {tickers[i]!r})"
        raise DataError(
            f"{label}: column {values.columns[position]!r} {where} "
            f"has non-numeric value {column.iloc[i]!r}"
        )
    return coerced.astype("float64")
