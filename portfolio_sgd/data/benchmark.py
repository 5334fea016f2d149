"""Choose a benchmark for a returns matrix without ever cutting the user's rows silently.

The rule (issue 11): a *default* benchmark that does not have a value on every date of the
returns is dropped with a warning (or, when the caller needs one, e.g. the tracking
objective, it is an error asking for an explicit benchmark); the returns are never cut by a
default. An *explicit* benchmark may restrict the returns to the dates both share (with a
warning), but leaving fewer than ``min_rows`` rows is an error that names both ranges.
"""

from __future__ import annotations

import logging

import pandas as pd

from portfolio_sgd.data._format import date_label
from portfolio_sgd.data.registry import dataset_info, list_datasets, load_dataset
from portfolio_sgd.data.returns import to_returns
from portfolio_sgd.data.validation import MIN_ROWS
from portfolio_sgd.errors import DataError

__all__ = ["benchmark_returns", "select_benchmark"]

logger = logging.getLogger("portfolio_sgd.data")


def benchmark_returns(name: str) -> pd.Series:
    """Simple returns of the first column of a bundled dataset (prices are converted).

    Raises
    ------
    DataError
        ``name`` is not a bundled dataset (the message lists them).
    """
    known = sorted(info.name for info in list_datasets())
    if name not in known:
        raise DataError(
            f"benchmark {name!r} is neither a column of the data nor a dataset ({', '.join(known)})"
        )
    frame = load_dataset(name)
    series_frame = to_returns(frame, source=name) if dataset_info(name).kind == "prices" else frame
    return series_frame.iloc[:, 0].dropna().rename(name)


def _span(index: pd.Index) -> str:
    return f"{date_label(index[0])}..{date_label(index[-1])}" if len(index) else "no dates"


def select_benchmark(
    returns: pd.DataFrame,
    name: str | None,
    *,
    default: bool = False,
    required: bool = False,
    min_rows: int = MIN_ROWS,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Split a benchmark off the returns: a column of them, or a bundled dataset.

    Parameters
    ----------
    returns : pandas.DataFrame
        Shape (T, N) returns with a ``DatetimeIndex``.
    name : str or None
        A column of ``returns`` or a bundled dataset name; None for no benchmark.
    default : bool
        ``name`` was chosen by the program, not by the user: if it lacks a value on some
        date of ``returns`` it is dropped with a WARNING (or, with ``required``, raises),
        and ``returns`` is never cut.
    required : bool
        The caller cannot work without a benchmark (tracking error).
    min_rows : int
        Least number of rows an explicit benchmark may leave.

    Returns
    -------
    (returns, benchmark)
        ``returns`` (T', N') without the benchmark column and restricted to the dates the
        benchmark covers (T' = T for a default), and the benchmark's simple returns (T',),
        or None.

    Raises
    ------
    DataError
        Unknown benchmark; ``required`` and no benchmark, or a default that does not cover
        the returns; an explicit benchmark sharing fewer than ``min_rows`` dates (both date
        ranges are named).
    """
    if name is None:
        if required:
            raise DataError("a benchmark is required; pass one with --benchmark")
        return returns, None
    if name in returns.columns:
        return returns.drop(columns=[name]), returns[name].rename(name)
    bench = benchmark_returns(name)
    if returns.index.difference(bench.index).empty:
        return returns, bench.loc[returns.index]
    ranges = f"benchmark {name!r} ({_span(bench.index)}), returns ({_span(returns.index)})"
    if default:
        if required:
            raise DataError(
                f"the default benchmark {name!r} ({_span(bench.index)}) does not cover the "
                f"returns ({_span(returns.index)}); pass --benchmark with a column of the "
                "data or a dataset that covers them"
            )
        logger.warning(
            "the default benchmark %r (%s) does not cover the returns (%s): no benchmark "
            "is used; pass --benchmark to choose one",
            name,
            _span(bench.index),
            _span(returns.index),
        )
        return returns, None
    common = returns.index.intersection(bench.index)
    if len(common) < min_rows:
        raise DataError(
            f"{ranges} share only {len(common)} dates, need at least {min_rows}; "
            "choose a benchmark that covers the returns"
        )
    logger.warning(
        "benchmark %r has values on %d of the %d return dates: using the common dates %s",
        name,
        len(common),
        len(returns.index),
        _span(common),
    )
    return returns.loc[common], bench.loc[common]
