"""The record of a walk-forward backtest: returns, equity, weights, costs, metrics."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ConfigError
from ..plotting.backtest import plot_backtest
from ..plotting.interactive_backtest import (
    cumulative_figure,
    drawdowns_figure,
    monthly_figure,
    rolling_figure,
    turnover_figure,
)
from ..plotting.notebook import backtest_html
from ..utils.atomic import atomic_directory
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps, to_jsonable

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


OUTPUT_FILES = (
    "equity.csv",
    "weights.csv",
    "rebalances.csv",
    "metrics.csv",
    "metrics.json",
    "benchmark.csv",
)
MANIFEST = "manifest.json"
"""Lists every file of an output folder with its SHA-256; written last."""


def _write_file(path: Path, data: bytes) -> None:
    """Write one output file (a separate function so tests can fail or pause it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` holds only a backtest output set (so it may be replaced).

    True for an empty folder, for one whose entries are all listed in its manifest, and
    for one (written before manifests) holding only :data:`OUTPUT_FILES` and PNG figures.
    """
    names = {p.name for p in folder.iterdir()}
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            listed = set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
        except (ValueError, KeyError, TypeError, OSError):
            return False
        return names <= listed | {MANIFEST}
    return all(n in OUTPUT_FILES or n.endswith(".png") for n in names)


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
        return to_jsonable(out)

    def output_files(self) -> dict[str, bytes]:
        """The output set as ``{file name: bytes}`` (without the manifest)."""
        equity = self.equity.copy()
        equity.index.name = "date"
        csv = {"float_format": "%.12g", "date_format": "%Y-%m-%d"}
        files = {
            "equity.csv": escape_text_cells(equity).to_csv(**csv),
            "weights.csv": escape_text_cells(self.weights).to_csv(index=False, **csv),
            "rebalances.csv": escape_text_cells(self.rebalances).to_csv(index=False, **csv),
            "metrics.csv": escape_text_cells(self.metrics).to_csv(float_format="%.10g"),
            "metrics.json": dumps(self.to_dict()) + "\n",
        }
        if self.benchmark is not None:
            bench = pd.DataFrame(
                {"return": self.benchmark, "equity": (1.0 + self.benchmark).cumprod()}
            )
            bench.index.name = "date"
            files["benchmark.csv"] = bench.to_csv(**csv)
        return {name: text.encode("utf-8") for name, text in files.items()}

    def save(
        self,
        directory: str | Path,
        extra: Mapping[str, Callable[[Path], None]] | None = None,
    ) -> list[Path]:
        """Write the output set into ``directory`` as one unit.

        ``equity.csv``, ``weights.csv``, ``rebalances.csv``, ``metrics.csv``,
        ``metrics.json`` (and ``benchmark.csv``), the ``extra`` files and last
        ``manifest.json`` (every file with its SHA-256) are written into a temporary
        sibling folder, which then replaces ``directory`` (see
        :func:`portfolio_sgd.utils.atomic.atomic_directory`): a reader sees the whole old set
        or the whole new set, never a mix. On any error or interrupt the old set is
        left untouched and the temporary folder removed.

        Parameters
        ----------
        directory : path-like
            The output folder. An existing one is replaced only if it holds nothing but
            an earlier output set (:func:`is_output_folder`).
        extra : mapping, optional
            ``{relative path: writer}``; ``writer(path)`` writes one more file (e.g. the
            figure) inside the set.

        Returns
        -------
        list of Path
            The files written (their final paths), manifest last.

        Raises
        ------
        ConfigError
            ``directory`` exists and holds other files, or is not a folder.
        """
        folder = Path(directory)
        files = self.output_files()
        try:
            with atomic_directory(folder, replaceable=is_output_folder) as tmp:
                for name, data in files.items():
                    _write_file(tmp / name, data)
                names = list(files)
                for rel, writer in (extra or {}).items():
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    writer(tmp / rel)
                    names.append(str(rel))
                digests = {n: hashlib.sha256((tmp / n).read_bytes()).hexdigest() for n in names}
                _write_file(tmp / MANIFEST, (dumps({"files": digests}) + "\n").encode("utf-8"))
        except FileExistsError as exc:
            raise ConfigError(f"cannot write the output folder: {exc}") from None
        return [folder / n for n in names] + [folder / MANIFEST]

    def plot_cumulative(self) -> Any:
        """Growth of 1 after costs per strategy and benchmark (plotly ``Figure``)."""
        return cumulative_figure(self)

    def plot_drawdowns(self) -> Any:
        """Drawdowns per strategy and benchmark (plotly ``Figure``)."""
        return drawdowns_figure(self)

    def plot_rolling(self, window: int = 126) -> Any:
        """Rolling annualised volatility and Sharpe ratio (plotly ``Figure``)."""
        return rolling_figure(self, window)

    def plot_turnover(self) -> Any:
        """Turnover per rebalance and cumulative costs (plotly ``Figure``)."""
        return turnover_figure(self)

    def plot_monthly_returns(self, strategy: str | None = None) -> Any:
        """Monthly returns of one strategy (default the first) as a heat map (plotly)."""
        return monthly_figure(self, strategy)

    def _repr_html_(self) -> str:
        return backtest_html(self)

    def plot(self, path: str | Path | None = None) -> Figure:
        """Equity curves, drawdowns and turnover in one figure; saved as PNG if ``path``."""
        return plot_backtest(self, path)
