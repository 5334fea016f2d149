"""Data layer: bundled datasets, file readers, Yahoo Finance cache, returns and validation.

Typical use::

    from portfolio_sgd.data import load_returns
    returns = load_returns(dataset="sp500", start="2010-01-01")   # (T, N) simple returns

Every deliberate failure raises :class:`~portfolio_sgd.errors.DataError` (or a subclass:
``UnknownDatasetError``, ``FetchError``) with a one-line message naming the source, and
the column and row where there is one. Messages are logged to ``portfolio_sgd.data``.
"""

from __future__ import annotations

from portfolio_sgd.data.benchmark import benchmark_returns, select_benchmark
from portfolio_sgd.data.enums import DataLayout, InvalidChoiceError, NanPolicy, ReturnsMethod
from portfolio_sgd.data.loading import load_returns
from portfolio_sgd.data.readers import read_table
from portfolio_sgd.data.registry import (
    DEFAULT_DATASET,
    DatasetInfo,
    dataset_info,
    list_datasets,
    load_dataset,
)
from portfolio_sgd.data.returns import apply_nan_policy, select_dates, simple_to_log, to_returns
from portfolio_sgd.data.validation import MAX_ABS_RETURN, MIN_ROWS, validate_returns
from portfolio_sgd.data.yfinance_cache import (
    CACHE_ENV,
    Downloader,
    default_cache_dir,
    fetch_prices,
    yfinance_download,
)

__all__ = [
    "CACHE_ENV",
    "DEFAULT_DATASET",
    "DataLayout",
    "DatasetInfo",
    "Downloader",
    "InvalidChoiceError",
    "MAX_ABS_RETURN",
    "MIN_ROWS",
    "NanPolicy",
    "ReturnsMethod",
    "apply_nan_policy",
    "benchmark_returns",
    "dataset_info",
    "default_cache_dir",
    "fetch_prices",
    "list_datasets",
    "load_dataset",
    "load_returns",
    "read_table",
    "select_benchmark",
    "select_dates",
    "simple_to_log",
    "to_returns",
    "validate_returns",
    "yfinance_download",
]
