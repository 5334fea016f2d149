"""A backtest's inputs, checked and prepared: settings, returns, strategies, benchmark.

Every refusal happens here, before the walk-forward loop of
:mod:`portfolio_sgd.backtest.engine` starts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..constraints import Constraints
from ..data.inputs import align_benchmark as shared_align
from ..data.validation import MIN_ROWS
from ..engine.config import EngineConfig
from ..errors import ConfigError, DataError
from ..objectives.registry import needs_benchmark
from .strategies import SGDStrategy, Strategy, parse_strategies

MIN_OUT_OF_SAMPLE_ROWS = 20
"""Fewest rows after the lookback a backtest accepts: about a trading month, so that the
annualised metrics rest on more than a handful of days (annualising one day's return
raises it to the 252nd power)."""


def check_settings(lookback: int, rebalance_every: int, cost_bps: float) -> None:
    """Raise :class:`ConfigError` for ``lookback < 2``, ``rebalance_every < 1`` or a negative cost."""
    if int(rebalance_every) < 1:
        raise ConfigError(f"the rebalance period must be at least 1 row, got {rebalance_every}")
    if int(lookback) < 2:
        raise ConfigError(f"lookback must be at least 2 rows, got {lookback}")
    if not (math.isfinite(cost_bps) and cost_bps >= 0):
        raise ConfigError(f"cost must be a non-negative number of bps, got {cost_bps}")


def check_inputs(
    returns: pd.DataFrame, lookback: int, rebalance_every: int, cost_bps: float
) -> None:
    """:func:`check_settings`, then the returns and how many rows the lookback leaves."""
    check_settings(lookback, rebalance_every, cost_bps)
    if not isinstance(returns, pd.DataFrame):
        raise DataError("returns must be a pandas DataFrame (T, N) with tickers as columns")
    n_rows, n_assets = returns.shape
    if n_assets < 2:
        raise DataError(f"need at least 2 assets, got {n_assets}")
    if not np.isfinite(returns.to_numpy(dtype=np.float64)).all():
        raise DataError("returns contain NaN or inf; clean them or choose a NaN policy")
    if int(lookback) >= n_rows:
        raise ConfigError(
            f"lookback ({lookback} rows) must be smaller than the number of rows of returns "
            f"({n_rows}); shorten --lookback or widen --start/--end"
        )
    if n_rows - int(lookback) < MIN_OUT_OF_SAMPLE_ROWS:
        raise ConfigError(
            f"lookback {lookback} leaves {n_rows - int(lookback)} out-of-sample row(s) of "
            f"{n_rows}; a backtest needs at least {MIN_OUT_OF_SAMPLE_ROWS} to annualise its "
            f"returns: use a lookback of at most {n_rows - MIN_OUT_OF_SAMPLE_ROWS} or widen "
            "--start/--end"
        )


def check_batch_sizes(strategies: list[Strategy], lookback: int) -> None:
    """Refuse an SGD strategy on windows shorter than :data:`MIN_ROWS` (as ``optimize``
    does), or whose explicit batch size exceeds its first window.

    The same error as ``optimize`` gives for a batch size above the rows of returns (a
    default batch size is clipped to the window instead, as ``optimize`` does).
    """
    for s in strategies:
        if isinstance(s, SGDStrategy) and int(lookback) < MIN_ROWS:
            raise ConfigError(
                f"lookback {lookback} rows is shorter than the {MIN_ROWS} rows an SGD "
                f"optimisation needs (strategy {s.name!r}); use --lookback {MIN_ROWS} or more"
            )
        m = getattr(s, "batch_size", None)
        if m is not None and int(m) > int(lookback):
            raise DataError(
                f"only {lookback} rows of returns in each lookback window, fewer than the batch "
                f"size {int(m)} of strategy {s.name!r}"
            )


def with_cost_horizon(strategy: Strategy, rebalance_every: int) -> Strategy:
    """A cost-aware strategy with its cost horizon set: the rebalance interval unless its
    spec gave one (``horizon=``); other strategies unchanged."""
    if getattr(strategy, "cost_bps", None) is None or strategy.cost_horizon is not None:
        return strategy
    return dataclasses.replace(strategy, cost_horizon=float(rebalance_every))


def align_benchmark(benchmark: pd.Series | None, index: pd.Index) -> pd.Series | None:
    """The benchmark as a float Series on ``index``; None stays None.

    The shared check of :func:`portfolio_sgd.data.inputs.align_benchmark` (a DataFrame's first
    column is used; an array is taken by position).
    """
    if benchmark is None:
        return None
    values = shared_align(benchmark, index, len(index))
    name = getattr(benchmark, "name", None)
    if isinstance(benchmark, pd.DataFrame):
        name = benchmark.columns[0]
    return pd.Series(values, index=index, name=name if name is not None else "benchmark")


def prepare_inputs(
    returns: pd.DataFrame,
    strategies: str | Iterable[str | Strategy],
    benchmark: pd.Series | None,
    lookback: int,
    rebalance_every: int,
    cost_bps: float,
    constraints: Constraints | None,
    warm_start: bool,
    config: EngineConfig | None,
) -> tuple[list[Strategy], pd.Series | None]:
    """Check the inputs, parse the strategies and align the benchmark to the returns' dates.

    Raises the errors listed in :func:`~portfolio_sgd.backtest.run_backtest`, and a
    :class:`DataError` for a tracking strategy without a benchmark.
    """
    check_inputs(returns, lookback, rebalance_every, cost_bps)
    strats = parse_strategies(strategies, constraints, warm_start, config)
    check_batch_sizes(strats, int(lookback))
    strats = [with_cost_horizon(s, int(rebalance_every)) for s in strats]
    bench = align_benchmark(benchmark, returns.index)
    tracking = [
        s.name
        for s in strats
        if needs_benchmark(getattr(getattr(s, "spec", None), "objective", None))
    ]
    if tracking and bench is None:
        raise DataError(f"strategy {tracking[0]!r} needs a benchmark series")
    return strats, bench
