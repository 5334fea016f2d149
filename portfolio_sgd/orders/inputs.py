"""The allocation's input files: prices, holdings, lot sizes and target weights.

Each is a CSV keyed by ticker: a first column of tickers and one value column
(``price``, ``shares``, ``lot``, ``weight``; or the only other column). A prices file may
also be a wide price history (a ``Date`` column, one column per ticker), whose last row
is used. Target weights may also be the JSON that ``portfolio-sgd optimize --format json``
writes (its ``weights``). Every problem is one :class:`~portfolio_sgd.errors.DataError`
line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

VALUE_COLUMNS = {"prices": "price", "holdings": "shares", "lot sizes": "lot", "weights": "weight"}
"""The value column each kind of file is read by (else its only other column)."""


def read_keyed(path: str | Path, kind: str) -> pd.Series:
    """The values of a ticker-keyed CSV of ``kind`` (a key of :data:`VALUE_COLUMNS`).

    Raises
    ------
    DataError
        Unreadable, empty, no value column, duplicate or blank tickers, a value that is
        not a finite number.
    """
    frame = _read_csv(path, kind)
    if kind == "prices" and "date" in [str(c).strip().lower() for c in frame.columns]:
        return _last_prices(frame, path)
    wanted = VALUE_COLUMNS[kind]
    columns = {str(c).strip().lower(): c for c in frame.columns}
    value = columns.get(wanted, frame.columns[1] if frame.shape[1] == 2 else None)
    if value is None:
        raise DataError(f"{kind} file {path}: needs a ticker column and a '{wanted}' column")
    tickers = frame.iloc[:, 0].astype(str).str.strip()
    return _numbers(pd.Series(frame[value].to_numpy(), index=tickers.to_numpy()), path, kind)


def read_weights(path: str | Path) -> pd.Series:
    """Target weights from a weights CSV or the JSON of ``optimize --format json``."""
    if Path(path).suffix.lower() != ".json":
        return read_keyed(path, "weights")
    try:
        weights = json.loads(Path(path).read_text())["weights"]
        series = pd.Series({str(k): v for k, v in dict(weights).items()}, dtype=object)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"weights file {path}: not the JSON of optimize ({exc})") from None
    return _numbers(series, path, "weights")


def _read_csv(path: str | Path, kind: str) -> pd.DataFrame:
    """The raw table (strings), at least two columns and one row."""
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{kind} file {path}: cannot read it ({exc})") from None
    if frame.shape[1] < 2 or frame.empty:
        raise DataError(f"{kind} file {path}: needs a ticker column, a value column and a row")
    return frame


def _last_prices(frame: pd.DataFrame, path: str | Path) -> pd.Series:
    """The last row of a wide price history (the date column dropped)."""
    dates = [c for c in frame.columns if str(c).strip().lower() == "date"]
    last = frame.drop(columns=dates).iloc[-1]
    return _numbers(
        pd.Series(last.to_numpy(), index=[str(c).strip() for c in last.index]), path, "prices"
    )


def _numbers(values: pd.Series, path: str | Path, kind: str) -> pd.Series:
    """``values`` as floats by ticker; :class:`DataError` for a missing or bad number or
    ticker."""
    index = pd.Index([str(t).strip() for t in values.index])
    if index.duplicated().any() or (index == "").any() or (index == "nan").any():
        bad = index[index.duplicated()][0] if index.duplicated().any() else "(blank)"
        raise DataError(f"{kind} file {path}: ticker {bad} is blank or repeated")
    numbers = pd.to_numeric(pd.Series(values.to_numpy()), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(f"{kind} file {path}: {index[k]}: {values.iloc[k]!r} is not a number")
    return pd.Series(numbers, index=index)
