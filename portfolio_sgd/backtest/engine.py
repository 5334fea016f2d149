"""The walk-forward loop: rebalance, drift, pay costs, record.

See :mod:`portfolio_sgd.backtest` for the semantics.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError, DataError, InfeasibleConstraintError, PortfolioSGDWarning
from ..limits.parse import risk_limits_from
from ..measures.limit import RiskLimit
from ..measures.performance import infer_periods, performance_summary, turnover
from ..utils.progress import Progress
from .inputs import MIN_OUT_OF_SAMPLE_ROWS, check_settings, prepare_inputs
from .limit_records import at_rebalance, limit_summary
from .result import BacktestResult
from .specs import DEFAULT_STRATEGIES
from .strategies import Strategy, parse_strategies

__all__ = [
    "DEFAULT_STRATEGIES",
    "MIN_OUT_OF_SAMPLE_ROWS",
    "check_settings",
    "rebalance_rows",
    "run_backtest",
]


def rebalance_rows(n_rows: int, lookback: int, rebalance_every: int) -> list[int]:
    """Row positions of the rebalance dates: ``lookback, lookback + k, ...`` below ``n_rows``."""
    return list(range(lookback, n_rows, rebalance_every))


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
    limits: Mapping[str, float] | Sequence[RiskLimit | tuple[str, float]] | None = None,
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
    limits : mapping or sequence, optional
        Risk limits every ``sgd:`` strategy meets at each rebalance (``{"cvar": 0.02}``,
        as ``optimize(..., limits=...)``), reported in ``rebalances["limits"]``; a window
        on which no portfolio meets them is one ``ConfigError`` line naming its date.

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
    schedule = _Schedule(lookback, rebalance_every, expanding, cost_bps, warm_start, seed)
    chosen = risk_limits_from(limits)
    if chosen:  # every sgd: spec under the limits (Strategy objects keep their own)
        strategies = parse_strategies(strategies, constraints, warm_start, config, chosen)
    strats, bench = prepare_inputs(
        returns, strategies, benchmark, *schedule.checked, constraints, warm_start, config
    )
    rows = rebalance_rows(returns.shape[0], int(lookback), int(rebalance_every))
    walk = _walk(returns, strats, bench, rows, schedule, progress)
    record = _run_config(returns, strats, bench, len(rows), schedule, risk_free, constraints)
    result = _result(returns, walk, bench, lookback, risk_free, record)
    _warn_idle(result, strats)
    return result


IDLE_TURNOVER = 1e-6
"""One-way turnover below which a rebalance counts as no trade."""


def _warn_idle(result: BacktestResult, strats: list[Strategy]) -> None:
    """Warn (one line per strategy) when a cost-aware strategy never trades after its
    first purchase: its cost, even amortised, outweighs every change of its objective."""
    for s in strats:
        bps = getattr(s, "cost_bps", None)
        if not bps:
            continue
        later = result.rebalances.loc[result.rebalances["strategy"] == s.name, "turnover"]
        later = later.iloc[1:]
        if len(later) >= 2 and bool((later < IDLE_TURNOVER).all()):
            warnings.warn(
                f"strategy {s.name!r} never traded after its first purchase: its cost "
                f"({bps:g} bps amortised over {s.cost_horizon:g} periods) outweighs every "
                "change of its objective; lower the cost or raise horizon=",
                PortfolioSGDWarning,
                stacklevel=3,
            )


@dataclass(frozen=True)
class _Schedule:
    """When and how the walk rebalances (the arguments of :func:`run_backtest` of the same
    names)."""

    lookback: int
    rebalance_every: int
    expanding: bool
    cost_bps: float
    warm_start: bool
    seed: int

    @property
    def checked(self) -> tuple[int, int, float]:
        """``(lookback, rebalance_every, cost_bps)``, as the input checks take them."""
        return self.lookback, self.rebalance_every, self.cost_bps


@dataclass(frozen=True)
class _Walk:
    """What the walk-forward loop records (filled in place as it goes).

    Per strategy name: ``daily`` out-of-sample returns (T - lookback,), ``held`` drifted
    weights (None before the first rebalance) and ``clock`` seconds spent; per rebalance
    and strategy, in order: ``weight_rows`` (target weights) and ``records`` (the
    ``rebalances`` rows).
    """

    daily: dict[str, np.ndarray]
    held: dict[str, np.ndarray | None]
    clock: dict[str, float]
    weight_rows: list[np.ndarray]
    records: list[dict[str, Any]]


def _walk(
    returns: pd.DataFrame,
    strats: list[Strategy],
    bench: pd.Series | None,
    rows: list[int],
    schedule: _Schedule,
    progress: bool,
) -> _Walk:
    """Rebalance every strategy at each row of ``rows`` and hold it until the next one."""
    lookback, cost_rate = schedule.lookback, float(schedule.cost_bps) / 1e4
    values = returns.to_numpy(dtype=np.float64)
    bench_values = bench.to_numpy() if bench is not None else None
    n_rows = values.shape[0]
    walk = _Walk(
        daily={s.name: np.empty(n_rows - lookback) for s in strats},
        held={s.name: None for s in strats},
        clock={s.name: 0.0 for s in strats},
        weight_rows=[],
        records=[],
    )
    bar = Progress(progress, desc="rebalances", unit="rebalance", total=len(rows))
    for k, t in enumerate(rows):
        stop = rows[k + 1] if k + 1 < len(rows) else n_rows
        lo = 0 if schedule.expanding else t - lookback
        window = returns.iloc[lo:t]
        bwin = bench_values[lo:t] if bench_values is not None else None
        span = slice(t - lookback, stop - lookback)
        seed_k, date = int(schedule.seed) + k, returns.index[t]
        for s in strats:
            _rebalance(walk, s, window, bwin, values[t:stop], span, seed_k, cost_rate, date)
        bar.update(1)
    bar.close()
    return walk


def _rebalance(
    walk: _Walk,
    s: Strategy,
    window: pd.DataFrame,
    bwin: np.ndarray | None,
    block: np.ndarray,
    span: slice,
    seed: int,
    cost_rate: float,
    date: object,
) -> None:
    """Rebalance strategy ``s`` on ``window`` and hold it through ``block`` (its returns go
    to ``span`` of its daily series, the day's cost off the first); record it in ``walk``."""
    start = time.perf_counter()
    drifted = walk.held[s.name]
    try:
        decision = s.decide(window, drifted, bwin, seed=seed)
    except (ConfigError, InfeasibleConstraintError) as err:
        if not getattr(s, "limits", ()):
            raise
        raise at_rebalance(err, s.name, date) from err
    target = np.asarray(decision.weights, dtype=np.float64)
    turn = turnover(target, drifted)
    path, walk.held[s.name] = _hold(target, block)
    path[0] -= cost_rate * turn
    walk.daily[s.name][span] = path
    walk.clock[s.name] += time.perf_counter() - start
    walk.weight_rows.append(target)
    walk.records.append(
        {
            "date": date,
            "strategy": s.name,
            "turnover": turn,
            "cost": cost_rate * turn,
            "steps": decision.steps,
            "objective_value": decision.objective_value,
            "stop_reason": decision.stop_reason,
            "warm_start": decision.warm,
            "solve_time": decision.seconds,
            **({"limits": limit_summary(decision.limit_reports)} if decision.limit_reports else {}),
        }
    )


def _run_config(
    returns: pd.DataFrame,
    strats: list[Strategy],
    bench: pd.Series | None,
    n_rebalances: int,
    schedule: _Schedule,
    risk_free: float,
    constraints: Constraints | None,
) -> dict[str, Any]:
    """The settings a backtest records in :attr:`BacktestResult.config` (JSON-ready)."""
    oos = returns.index[schedule.lookback :]
    return {
        "strategies": [s.name for s in strats],
        "lookback": int(schedule.lookback),
        "rebalance_every": int(schedule.rebalance_every),
        "expanding": bool(schedule.expanding),
        "cost_bps": float(schedule.cost_bps),
        "cost_horizons": {
            s.name: float(s.cost_horizon)
            for s in strats
            if getattr(s, "cost_horizon", None) is not None
        },
        "warm_start": bool(schedule.warm_start),
        "seed": int(schedule.seed),
        "risk_free": float(risk_free),
        "benchmark": None if bench is None else str(bench.name),
        "n_assets": int(returns.shape[1]),
        "n_rebalances": n_rebalances,
        "start": _iso(oos[0]),
        "end": _iso(oos[-1]),
        "periods_per_year": infer_periods(returns.index),
        "constraints": (constraints or Constraints()).to_dict(),
    }


def _result(
    returns: pd.DataFrame,
    walk: _Walk,
    bench: pd.Series | None,
    lookback: int,
    risk_free: float,
    config: dict[str, Any],
) -> BacktestResult:
    """The :class:`BacktestResult` of a finished walk: frames, long weights, metrics."""
    daily = pd.DataFrame(walk.daily, index=returns.index[lookback:])
    daily.index.name = returns.index.name or "date"
    rebalances = pd.DataFrame.from_records(walk.records)
    tickers = [str(c) for c in returns.columns]
    weights = _long_weights(rebalances, np.vstack(walk.weight_rows), tickers)
    bench_oos = bench.iloc[lookback:] if bench is not None else None
    metrics = _metrics(
        daily, rebalances, walk.clock, bench_oos, risk_free, config["periods_per_year"]
    )
    return BacktestResult(
        returns=daily,
        weights=weights,
        rebalances=rebalances,
        metrics=metrics,
        benchmark=bench_oos,
        wall_time=walk.clock,
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
