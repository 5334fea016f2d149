"""The one entry point from any data source to a validated returns matrix.

The source is exactly one of: a bundled ``dataset``, a ``prices_path`` file, a
``returns_path`` file (simple decimal returns), or ``tickers`` alone (Yahoo Finance through
the local cache; only what is missing is downloaded). With no source at all, the default
dataset ``sp500`` is used. Given with a dataset or a file, ``tickers`` selects those assets.

Steps: select assets; keep dates in [start, end] (on prices, before returns are computed,
so the first return is the day after the first price); apply the NaN policy; compute
returns; :func:`~portfolio_sgd.data.validation.validate_returns`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from portfolio_sgd.data._format import date_label, name_list
from portfolio_sgd.data.enums import (
    DataLayout,
    NanPolicy,
    ReturnsMethod,
    coerce_choice,
)
from portfolio_sgd.data.readers import read_table
from portfolio_sgd.data.registry import DEFAULT_DATASET, dataset_info, load_dataset
from portfolio_sgd.data.returns import apply_nan_policy, select_dates, simple_to_log, to_returns
from portfolio_sgd.data.validation import MIN_ROWS, validate_returns
from portfolio_sgd.data.yfinance_cache import Downloader, fetch_prices
from portfolio_sgd.errors import DataError

__all__ = ["load_returns"]

logger = logging.getLogger("portfolio_sgd.data")


def load_returns(
    *,
    dataset: str | None = None,
    prices_path: str | os.PathLike[str] | None = None,
    returns_path: str | os.PathLike[str] | None = None,
    tickers: Sequence[str] | None = None,
    start=None,
    end=None,
    layout: DataLayout | str = "wide",
    returns_method: ReturnsMethod | str = "simple",
    nan_policy: NanPolicy | str = "drop-assets",
    min_rows: int = MIN_ROWS,
    cache_dir: str | os.PathLike[str] | None = None,
    downloader: Downloader | None = None,
    dtype: str = "float64",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Load a validated matrix of asset returns from one source (see the module docstring:
    the sources, the default dataset, and the steps).

    Parameters
    ----------
    dataset, prices_path, returns_path : optional
        A bundled dataset name (:func:`list_datasets`), or a CSV/Parquet file of prices or
        of simple returns (:func:`read_table`; ``layout`` "wide" or "long").
    tickers : sequence of str, optional
        Assets to keep, or to download when no other source is given (``cache_dir`` and
        ``downloader`` go to :func:`fetch_prices`).
    start, end : str or datetime-like, optional
        Inclusive date window.
    returns_method : {"simple", "log"}
        Simple or log returns (simple returns read from a file are turned into log(1 + r)).
    nan_policy : {"drop-assets", "drop-rows", "raise"}
        Missing values in the window (see :func:`apply_nan_policy`).
    min_rows : int
        Least number of return rows accepted.
    dtype : {"float64", "float32"}
        Value type, applied when the file is read (no float64 copy for float32).
    date_format : str, optional
        ``strftime`` format of a file's dates, e.g. ``"%d/%m/%Y"``; without it they must
        be ISO 8601 or provably unambiguous (an ambiguous day/month order is an error).

    Returns
    -------
    pandas.DataFrame
        Shape (T, N), ``dtype`` returns with a sorted ``DatetimeIndex`` named ``"Date"`` and
        ``str`` ticker columns; no NaN, N >= 2, T >= ``min_rows``.

    Raises
    ------
    DataError
        Several sources; unknown tickers; empty window; missing values with ``"raise"``;
        anything :func:`read_table`, :func:`to_returns` or :func:`validate_returns` rejects.
    UnknownDatasetError, FetchError
        Unknown dataset; failed download.
    """
    layout = coerce_choice(DataLayout, layout, "layout")
    method = coerce_choice(ReturnsMethod, returns_method, "returns method")
    policy = coerce_choice(NanPolicy, nan_policy, "nan policy")
    selected = _ticker_list(tickers)
    if dtype not in ("float64", "float32"):
        raise DataError(f"dtype must be float64 or float32, got {dtype!r}")
    dataset, given = _one_source(dataset, prices_path, returns_path, selected)
    paths, window = (prices_path, returns_path), (start, end)
    label, kind, frame = _read_source(
        dataset, paths, selected, window, layout, dtype, date_format, cache_dir, downloader
    )
    if selected is not None and given:
        frame = _select_tickers(frame, selected, label)
    frame = select_dates(frame, start, end, source=label)
    frame = apply_nan_policy(frame, policy, source=label)
    returns = _to_returns(frame, kind, method, dtype, label)
    validate_returns(
        returns, source=label, min_rows=min_rows, simple=method is ReturnsMethod.SIMPLE
    )
    _log_loaded(label, returns, method)
    return returns


def _one_source(
    dataset: str | None,
    prices_path: object,
    returns_path: object,
    selected: list[str] | None,
) -> tuple[str | None, bool]:
    """``(dataset, given)``: the default dataset when nothing is given, and whether a
    dataset or a file was given (else ``tickers`` alone means a download)."""
    sources = {"dataset": dataset, "prices_path": prices_path, "returns_path": returns_path}
    given = [name for name, value in sources.items() if value is not None]
    if len(given) > 1:
        raise DataError(f"give exactly one data source, got {' and '.join(given)}")
    if not given and selected is None:
        return DEFAULT_DATASET, True
    return dataset, bool(given)


def _read_source(
    dataset: str | None,
    paths: tuple[str | os.PathLike[str] | None, str | os.PathLike[str] | None],
    selected: list[str] | None,
    window: tuple[object, object],
    layout: DataLayout,
    dtype: str,
    date_format: str | None,
    cache_dir: str | os.PathLike[str] | None,
    downloader: Downloader | None,
) -> tuple[str, str, pd.DataFrame]:
    """``(label, kind, frame)`` of the one source: a download, a dataset or a file
    (``paths``: the prices and returns files; ``window``: the start and end dates)."""
    (prices_path, returns_path), (start, end) = paths, window
    if dataset is None and prices_path is None and returns_path is None:
        frame = fetch_prices(
            selected, start=start, end=end, cache_dir=cache_dir, downloader=downloader
        )
        return "yfinance", "prices", frame
    if dataset is not None:
        info = dataset_info(dataset)
        return info.name, info.kind, load_dataset(info.name, dtype=dtype)
    path = prices_path if prices_path is not None else returns_path
    kind = "prices" if prices_path is not None else "returns"
    frame = read_table(path, layout=layout, dtype=dtype, date_format=date_format)
    return os.fspath(path), kind, frame


def _log_loaded(label: str, returns: pd.DataFrame, method: ReturnsMethod) -> None:
    """Log what was loaded: the source, the shape and the date range."""
    logger.info(
        "%s: %d %s returns x %d assets, %s..%s",
        label,
        returns.shape[0],
        method.value,
        returns.shape[1],
        date_label(returns.index[0]),
        date_label(returns.index[-1]),
    )


def _to_returns(
    frame: pd.DataFrame, kind: str, method: ReturnsMethod, dtype: str, label: str
) -> pd.DataFrame:
    """Returns (T, N) in ``dtype`` with a ``Date`` index and ``str`` columns."""
    if kind == "prices":
        returns = to_returns(frame, method, source=label)
    else:
        returns = simple_to_log(frame, source=label) if method is ReturnsMethod.LOG else frame
    returns = returns.astype(dtype)
    returns.index = pd.DatetimeIndex(returns.index, name="Date", freq=None)
    returns.columns = pd.Index([str(c) for c in returns.columns])
    return returns


def _ticker_list(tickers: Sequence[str] | str | None) -> list[str] | None:
    if tickers is None:
        return None
    items = tickers.replace(",", " ").split() if isinstance(tickers, str) else list(tickers)
    names = [str(t).strip() for t in items if str(t).strip()]
    if not names:
        raise DataError("the ticker list is empty")
    return list(dict.fromkeys(names))


def _select_tickers(frame: pd.DataFrame, tickers: list[str], label: str) -> pd.DataFrame:
    """Columns ``tickers`` of ``frame``, matched exactly, else case-insensitively."""
    exact = set(frame.columns)
    folded = {str(c).upper(): c for c in frame.columns}
    chosen, unknown = [], []
    for ticker in tickers:
        if ticker in exact:
            chosen.append(ticker)
        elif ticker.upper() in folded:
            chosen.append(folded[ticker.upper()])
        else:
            unknown.append(ticker)
    if unknown:
        raise DataError(
            f"{label}: unknown ticker(s) {name_list(unknown, quote=True)}; "
            f"available: {name_list(list(frame.columns), limit=10)}"
        )
    return frame.loc[:, list(dict.fromkeys(chosen))]
