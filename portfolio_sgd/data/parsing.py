"""Cell-level parsing used by the readers: dates, numbers and the value dtype."""

from __future__ import annotations

import re

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


def parse_dates(
    values: pd.Series | pd.Index, label: str, column: str, date_format: str | None = None
) -> pd.DatetimeIndex:
    """Parse a column of dates to a tz-naive ``DatetimeIndex``, naming the first bad cell.

    ISO 8601 (``2020-01-31``, ``2020/01/31``, ``20200131``, with or without a time) is
    the fast path. Other formats are never guessed: ``dd/mm/yyyy`` or ``mm/dd/yyyy`` (any
    of ``/ . -`` as separator) is accepted only when the column proves its order (a first
    number above 12 somewhere and never a second one, or the other way round); dates with
    an English month name and a 4-digit year are unambiguous too. Anything else needs
    ``date_format``.

    Parameters
    ----------
    values : pandas.Series or pandas.Index
        T cells: strings, YYYYMMDD integers or datetimes.
    label, column : str
        Source and column names used in error messages.
    date_format : str, optional
        A ``strftime`` format (e.g. ``"%d/%m/%Y"``) that every cell must match.

    Returns
    -------
    pandas.DatetimeIndex
        Shape (T,), named ``"Date"``.

    Raises
    ------
    DataError
        A missing or unparseable date (line and value named), or an ambiguous day/month
        order (asking for ``date_format``).
    """
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
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            # YYYYMMDD integers, never nanoseconds since 1970.
            series = _integer_text(series, label, column)
        text = series.astype(str).str.strip()
        parsed = _parse_text(text, label, column, date_format)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
    if parsed.isna().any():
        line = int(np.argmax(parsed.isna().to_numpy())) + 2
        raise DataError(f"{label}: column {column!r} line {line} has no date")
    return pd.DatetimeIndex(parsed, name="Date")


_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4})$")
_MONTH_NAME = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b"
)
_YEAR4 = re.compile(r"\b\d{4}\b")


def _integer_text(series: pd.Series, label: str, column: str) -> pd.Series:
    values = series.to_numpy()
    if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        raise DataError(f"{label}: column {column!r} holds numbers that are not YYYYMMDD dates")
    return series.astype("int64").astype(str)


def _parse_text(text: pd.Series, label: str, column: str, date_format: str | None) -> pd.Series:
    """Parse stripped date strings (T,) by ``date_format``, ISO 8601, or a proven order."""
    if date_format is not None:
        fmt, how = date_format, f"the date format {date_format!r}"
    else:
        try:
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        except (ValueError, TypeError) as exc:  # e.g. mixed UTC offsets
            raise DataError(f"{label}: column {column!r} has inconsistent dates: {exc}") from exc
        if not parsed.isna().any() and pd.api.types.is_datetime64_any_dtype(parsed.dtype):
            return parsed
        fmt, how = _infer_format(text, label, column), "ISO 8601 or a provable format"
    try:
        if fmt == "mixed":
            parsed = pd.to_datetime(text, format="mixed", errors="coerce")
        else:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{label}: invalid date format {fmt!r}: {exc}") from exc
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{label}: column {column!r} line {i + 2} has unparseable date {text.iloc[i]!r} "
            f"(expected {how})"
        )
    return parsed


def _infer_format(text: pd.Series, label: str, column: str) -> str:
    """The one format a non-ISO column can only mean, or a DataError asking for it."""
    parts = text.str.extract(_DMY)
    if not parts.isna().any().any():
        seps = set(parts[1]) | set(parts[3])
        if len(seps) != 1:
            raise DataError(f"{label}: column {column!r} mixes date separators {sorted(seps)}")
        sep = seps.pop()
        first, second = parts[0].astype(int), parts[2].astype(int)
        day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
        if day_first != month_first:
            order = ("%d", "%m") if day_first else ("%m", "%d")
            return f"{order[0]}{sep}{order[1]}{sep}%Y"
        example = text.iloc[0]
        why = "both orders occur" if day_first else "no day above 12 settles it"
        raise DataError(
            f"{label}: column {column!r} has dates like {example!r} whose day/month order is "
            f"ambiguous ({why}); give it, e.g. --date-format %d{sep}%m{sep}%Y (date_format=)"
        )
    named = text.str.contains(_MONTH_NAME) & text.str.contains(_YEAR4)
    if named.all():
        return "mixed"
    bad = pd.to_datetime(text, format="ISO8601", errors="coerce").isna().to_numpy()
    i = int(np.argmax(bad)) if bad.any() else 0
    raise DataError(
        f"{label}: column {column!r} line {i + 2} has unparseable date {text.iloc[i]!r}; "
        "dates must be ISO 8601 (YYYY-MM-DD) or be given a format, e.g. --date-format %d/%m/%Y"
    )


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
    with np.errstate(over="ignore"):
        array = values.to_numpy(dtype=dtype)
    if np.dtype(dtype) != np.float64 and np.isinf(array).any():
        _check_overflow(values, array, label, dtype)
    return pd.DataFrame(array, index=values.index, columns=values.columns, copy=False)


def _check_overflow(values: pd.DataFrame, array: np.ndarray, label: str, dtype: object) -> None:
    """Raise naming the first finite cell that became infinite when cast to ``dtype``."""
    for row, col in np.argwhere(np.isinf(array)):
        original = float(values.iat[row, col])
        if np.isfinite(original):
            raise DataError(
                f"{label}: column {str(values.columns[col])!r} row {date_label(values.index[row])} "
                f"has out-of-range value {original:g} (beyond {np.dtype(dtype).name})"
            )


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
