"""The record of a walk-forward backtest: returns, equity, weights, costs, metrics."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..atomic import atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

METRIC_KEYS = (
    "annual_return",
    "annual_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "cvar_95",
    "hit_rate",
    "avg_turnover",
    "total_cost",
    "total_return",
    "n_rebalances",
    "avg_steps",
    "wall_time",
)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


@dataclass(frozen=True)
class BacktestResult:
    """Everything a walk-forward backtest produced.

    Attributes
    ----------
    returns : DataFrame, shape (T - lookback, S)
        Daily portfolio returns after costs, one column per strategy (named by its spec
        string); the first row is the first out-of-sample day (row ``lookback``).
    weights : DataFrame, long, shape (K * S * N, 4)
        Target weights at every rebalance: ``date``, ``strategy``, ``ticker``, ``weight``.
    rebalances : DataFrame, long, shape (K * S, ...)
        Per rebalance and strategy: ``date``, ``strategy``, ``turnover``, ``cost``,
        ``steps`` (SGD), ``objective_value``, ``stop_reason``, ``warm_start``, ``solve_time``.
    metrics : DataFrame, shape (S [+ 1], M)
        One row per strategy (plus the benchmark's, last, if one was given).
    benchmark : Series, shape (T - lookback,), or None
        Benchmark returns over the out-of-sample period.
    wall_time : dict
        Seconds spent per strategy (deciding and simulating).
    config : dict
        The backtest settings.
    """

    returns: pd.DataFrame
    weights: pd.DataFrame
    rebalances: pd.DataFrame
    metrics: pd.DataFrame
    benchmark: pd.Series | None = None
    wall_time: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def strategies(self) -> list[str]:
        """Strategy names in column order."""
        return [str(c) for c in self.returns.columns]

    @property
    def equity(self) -> pd.DataFrame:
        """Equity curves ``cumprod(1 + r)`` (T - lookback, S), starting from 1 before day 1."""
        return (1.0 + self.returns).cumprod()

    @property
    def turnover(self) -> pd.DataFrame:
        """Turnover per rebalance, dates by strategies (K, S)."""
        return self.rebalances.pivot(index="date", columns="strategy", values="turnover")[
            self.strategies
        ]

    @property
    def steps(self) -> pd.DataFrame:
        """SGD steps per rebalance, dates by SGD strategies."""
        sgd = [s for s in self.strategies if s.startswith("sgd:")]
        frame = self.rebalances.pivot(index="date", columns="strategy", values="steps")
        return frame[sgd].astype(float)

    def weights_at(self, strategy: str) -> pd.DataFrame:
        """Target weights of one strategy as a wide frame, rebalance dates by tickers."""
        rows = self.weights[self.weights["strategy"] == strategy]
        return rows.pivot(index="date", columns="ticker", values="weight")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``{"strategies": {name: {metric: value}}, "benchmark", "config"}``."""
        names = self.strategies
        table = self.metrics.to_dict(orient="index")
        out: dict[str, Any] = {
            "strategies": {n: table[n] for n in names},
            "benchmark": None,
            "config": dict(self.config),
        }
        bench = self.config.get("benchmark")
        if bench is not None and bench in table:
            keep = ("avg_turnover", "total_cost", "n_rebalances", "avg_steps", "wall_time")
            out["benchmark"] = {
                "name": bench,
                "metrics": {k: v for k, v in table[bench].items() if k not in keep},
            }
        return _clean(out)

    def save(self, directory: str | Path) -> list[Path]:
        """Write ``equity.csv``, ``weights.csv``, ``rebalances.csv``, ``metrics.csv``,
        ``metrics.json`` (and ``benchmark.csv``) into ``directory``, each atomically.

        Returns
        -------
        list of Path
            The files written.
        """
        folder = Path(directory)
        equity = self.equity.copy()
        equity.index.name = "date"
        files: dict[str, str] = {
            "equity.csv": equity.to_csv(float_format="%.12g", date_format="%Y-%m-%d"),
            "weights.csv": self.weights.to_csv(
                index=False, float_format="%.12g", date_format="%Y-%m-%d"
            ),
            "rebalances.csv": self.rebalances.to_csv(
                index=False, float_format="%.12g", date_format="%Y-%m-%d"
            ),
            "metrics.csv": self.metrics.to_csv(float_format="%.10g"),
            "metrics.json": json.dumps(self.to_dict(), indent=2) + "\n",
        }
        if self.benchmark is not None:
            bench = pd.DataFrame(
                {"return": self.benchmark, "equity": (1.0 + self.benchmark).cumprod()}
            )
            bench.index.name = "date"
            files["benchmark.csv"] = bench.to_csv(float_format="%.12g", date_format="%Y-%m-%d")
        written = []
        for name, text in files.items():
            atomic_write_text(folder / name, text)
            written.append(folder / name)
        return written

    def plot(self, path: str | Path | None = None) -> Figure:
        """Equity curves, drawdowns and turnover in one figure; saved as PNG if ``path``."""
        from ..plotting.backtest import plot_backtest

        return plot_backtest(self, path)
