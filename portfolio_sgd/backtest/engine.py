"""The walk-forward loop: rebalance, drift, pay costs, record.

See :mod:`portfolio_sgd.backtest` for the semantics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..config import EngineConfig
from ..constraints import Constraints
from ..data.validation import MIN_ROWS
from ..errors import ConfigError, DataError
from ..metrics import infer_periods, performance_summary, turnover
from .result import BacktestResult
from .strategies import SGDStrategy, Strategy, parse_strategies

MIN_OUT_OF_SAMPLE_ROWS = 20
"""Fewest rows after the lookback a backtest accepts: about a trading month, so that the
annualised metrics rest on more than a handful of days (annualising one day's return
raises it to the 252nd power)."""

DEFAULT_STRATEGIES = (
    "sgd:min-variance:m=64",
    "sgd:min-variance:m=128",
    "exact:min-variance",
    "equal-weight",
)


def rebalance_rows(n_rows: int, lookback: int, rebalance_every: int) -> list[int]:
    """Row positions of the rebalance dates: ``lookback, lookback + k, ...`` below ``n_rows``."""
    return list(range(lookback, n_rows, rebalance_every))


def check_settings(lookback: int, rebalance_every: int, cost_bps: float) -> None:
    """Raise :class:`ConfigError` for ``lookback < 2``, ``rebalance_every < 1`` or a negative cost."""
    if int(rebalance_every) < 1:
        raise ConfigError(f"the rebalance period must be at least 1 row, got {rebalance_every}")
    if int(lookback) < 2:
        raise ConfigError(f"lookback must be at least 2 rows, got {lookback}")
    if not (math.isfinite(cost_bps) and cost_bps >= 0):
        raise ConfigError(f"cost must be a non-negative number of bps, got {cost_bps}")


def _check(returns: pd.DataFrame, lookback: int, rebalance_every: int, cost_bps: float) -> None:
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


def _check_batch_sizes(strategies: list[Strategy], lookback: int) -> None:
    """Refuse an SGD strategy on windows shorter than :data:`MIN_ROWS` (as ``optimize``
    does), or whose explicit batch size exceeds its first window.

    The same error as ``optimize`` gives for a batch size above the rows of returns (a
    default batch size is clipped to the window instead, as ``optimize`` does).
    """
    for s in strategies:
        if isinstance(s, SGDStrategy) and not _window_long_enough(lookback):
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


def _window_long_enough(lookback: int) -> bool:
    """Whether a window of ``lookback`` rows is long enough to optimise on."""
    return int(lookback) >= MIN_ROWS


def _align(benchmark: pd.Series | None, index: pd.Index) -> pd.Series | None:
    if benchmark is None:
        return None
    from ..inputs import align_benchmark

    values = align_benchmark(benchmark, index, len(index))
    name = getattr(benchmark, "name", None)
    if isinstance(benchmark, pd.DataFrame):
        name = benchmark.columns[0]
    return pd.Series(values, index=index, name=name if name is not None else "benchmark")


def _hold(weights: np.ndarray, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Portfolio returns (n,) of holding ``weights`` (N,) through ``block`` (n, N), and the
    drifted weights after the last row: ``w <- w * (1 + r) / sum(w * (1 + r))``."""
    out = np.empty(block.shape[0])
    w = weights
    for i, r in enumerate(block):
        out[i] = float(w @ r)
        grown = w * (1.0 + r)
        total = grown.sum()
        if not total > 0:
            raise DataError("a portfolio lost all its value; the drift is undefined")
        w = grown / total
    return out, w


def run_backtest(
    returns: pd.DataFrame,
    strategies: str | Iterable[str | Strategy] = DEFAULT_STRATEGIES,
    *,
    lookback: int = 252,
    rebalance_every: int = 21,
    expanding: bool = False,
    cost_bps: float = 0.0,
    benchmark: pd.Series | None = None,
    warm_start: bool = True,
    seed: int = 0,
    risk_free: float = 0.0,
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    progress: bool = False,
) -> BacktestResult:
    """Walk-forward backtest of several strategies on the same returns.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
        Simple returns, dates by tickers.
    strategies : str or iterable
        Spec strings (see :mod:`portfolio_sgd.backtest.strategies`) or Strategy objects.
    lookback : int
        Rows per estimation window; the first rebalance is at row ``lookback``.
    rebalance_every : int
        Rows between rebalances (>= 1).
    expanding : bool
        Use all rows ``[0, t)`` instead of the rolling ``[t - lookback, t)``.
    cost_bps : float
        Cost per unit of turnover in basis points, subtracted from the rebalance day's return.
    benchmark : Series, shape (T,), optional
        Reported alongside the strategies, never traded.
    warm_start : bool
        SGD strategies start from the drifted previous weights (``False``: cold start).
    seed : int
        Base seed; rebalance ``k`` uses ``seed + k``.
    risk_free : float
        Annual risk-free rate for Sharpe and Sortino.
    constraints : Constraints, optional
        Feasible set of the optimising strategies (default long-only, fully invested).
    config : EngineConfig, optional
        Engine settings of SGD strategies given as spec strings (``device``, ``dtype``,
        ``tol``, ...; default :data:`~portfolio_sgd.backtest.strategies.BACKTEST_ENGINE`).
    progress : bool
        Show a tqdm bar over rebalances on stderr.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ConfigError
        ``lookback >= T``, fewer than :data:`MIN_OUT_OF_SAMPLE_ROWS` rows after the
        lookback, ``rebalance_every < 1``, a negative cost, a bad strategy spec.
    DataError
        Non-finite returns, a benchmark missing some dates, or an SGD batch size (given
        explicitly) larger than the lookback window.
    """
    _check(returns, lookback, rebalance_every, cost_bps)
    strats = parse_strategies(strategies, constraints, warm_start, config)
    _check_batch_sizes(strats, int(lookback))
    bench = _align(benchmark, returns.index)
    tracking = [
        s.name for s in strats if getattr(getattr(s, "spec", None), "objective", None) == "tracking"
    ]
    if tracking and bench is None:
        raise DataError(f"strategy {tracking[0]!r} needs a benchmark series")
    values = returns.to_numpy(dtype=np.float64)
    bench_values = bench.to_numpy() if bench is not None else None
    n_rows = values.shape[0]
    rows = rebalance_rows(n_rows, int(lookback), int(rebalance_every))
    cost_rate = float(cost_bps) / 1e4
    tickers = [str(c) for c in returns.columns]
    daily = {s.name: np.empty(n_rows - lookback) for s in strats}
    held: dict[str, np.ndarray | None] = {s.name: None for s in strats}
    clock = {s.name: 0.0 for s in strats}
    weight_rows: list[np.ndarray] = []
    records: list[dict[str, Any]] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(rows), desc="rebalances", unit="rebalance", leave=False)
    for k, t in enumerate(rows):
        stop = rows[k + 1] if k + 1 < len(rows) else n_rows
        lo = 0 if expanding else t - lookback
        window = returns.iloc[lo:t]
        bwin = bench_values[lo:t] if bench_values is not None else None
        for s in strats:
            start = time.perf_counter()
            drifted = held[s.name]
            decision = s.decide(window, drifted, bwin, seed=int(seed) + k)
            target = np.asarray(decision.weights, dtype=np.float64)
            turn = turnover(target, drifted)
            path, held[s.name] = _hold(target, values[t:stop])
            path[0] -= cost_rate * turn
            daily[s.name][t - lookback : stop - lookback] = path
            clock[s.name] += time.perf_counter() - start
            weight_rows.append(target)
            records.append(
                {
                    "date": returns.index[t],
                    "strategy": s.name,
                    "turnover": turn,
                    "cost": cost_rate * turn,
                    "steps": decision.steps,
                    "objective_value": decision.objective_value,
                    "stop_reason": decision.stop_reason,
                    "warm_start": decision.warm,
                    "solve_time": decision.seconds,
                }
            )
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    oos = returns.index[lookback:]
    daily_df = pd.DataFrame(daily, index=oos)
    daily_df.index.name = returns.index.name or "date"
    rebalances = pd.DataFrame.from_records(records)
    weights = _long_weights(rebalances, np.vstack(weight_rows), tickers)
    bench_oos = bench.iloc[lookback:] if bench is not None else None
    config = {
        "strategies": [s.name for s in strats],
        "lookback": int(lookback),
        "rebalance_every": int(rebalance_every),
        "expanding": bool(expanding),
        "cost_bps": float(cost_bps),
        "warm_start": bool(warm_start),
        "seed": int(seed),
        "risk_free": float(risk_free),
        "benchmark": None if bench is None else str(bench.name),
        "n_assets": len(tickers),
        "n_rebalances": len(rows),
        "start": _iso(oos[0]),
        "end": _iso(oos[-1]),
        "periods_per_year": infer_periods(returns.index),
        "constraints": (constraints or Constraints()).to_dict(),
    }
    metrics = _metrics(
        daily_df, rebalances, clock, bench_oos, risk_free, config["periods_per_year"]
    )
    return BacktestResult(
        returns=daily_df,
        weights=weights,
        rebalances=rebalances,
        metrics=metrics,
        benchmark=bench_oos,
        wall_time=clock,
        config=config,
    )


def _iso(value: object) -> str:
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def _long_weights(rebalances: pd.DataFrame, w: np.ndarray, tickers: list[str]) -> pd.DataFrame:
    n = len(tickers)
    return pd.DataFrame(
        {
            "date": np.repeat(rebalances["date"].to_numpy(), n),
            "strategy": np.repeat(rebalances["strategy"].to_numpy(), n),
            "ticker": np.tile(tickers, len(rebalances)),
            "weight": w.reshape(-1),
        }
    )


def _metrics(
    daily: pd.DataFrame,
    rebalances: pd.DataFrame,
    clock: dict[str, float],
    bench: pd.Series | None,
    risk_free: float,
    periods: int,
) -> pd.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for name in daily.columns:
        rec = rebalances[rebalances["strategy"] == name]
        steps = rec["steps"].dropna()
        row = performance_summary(daily[name], risk_free=risk_free, periods=periods)
        later = rec["turnover"].iloc[1:]
        row["avg_turnover"] = float(later.mean()) if len(later) else 0.0
        row["total_cost"] = float(rec["cost"].sum())
        row["n_rebalances"] = len(rec)
        row["avg_steps"] = float(steps.mean()) if len(steps) else float("nan")
        row["wall_time"] = float(clock[name])
        rows[name] = row
    if bench is not None:
        row = performance_summary(bench, risk_free=risk_free, periods=periods)
        row.update(avg_turnover=float("nan"), total_cost=float("nan"), n_rebalances=0)
        row.update(avg_steps=float("nan"), wall_time=float("nan"))
        rows[str(bench.name)] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "strategy"
    return frame
