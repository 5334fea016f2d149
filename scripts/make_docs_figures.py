"""Regenerate the README figures in docs/, one PNG per analyst notebook.

Each figure is drawn by the package's own plotting functions from the same settings as the
notebook's default parameters, on the bundled data:

- ``docs/quickstart_weights.png``  (01_quickstart): SGD vs exact weights, four objectives;
- ``docs/batch_size_error.png``    (02_batch_size_and_estimation_error): error vs batch size;
- ``docs/backtest.png``            (03_backtest): walk-forward equity, drawdown, turnover.

Usage::

    python scripts/make_docs_figures.py [--out docs] [--only quickstart,risk,backtest]

Takes a few minutes on a laptop CPU (the batch-size sweep dominates).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from portfolio_sgd.backtest import run_backtest  # noqa: E402
from portfolio_sgd.constraints import Constraints  # noqa: E402
from portfolio_sgd.data import load_dataset, load_returns, to_returns  # noqa: E402
from portfolio_sgd.estimation.batch_size import batch_size_sweep  # noqa: E402
from portfolio_sgd.estimators.sgd_portfolio import optimize  # noqa: E402
from portfolio_sgd.plotting import (  # noqa: E402
    plot_backtest,
    plot_sweep,
    plot_weights_comparison,
)
from portfolio_sgd.reference.exact import relative_gap, solve_exact  # noqa: E402

FIGURES = ("quickstart", "risk", "backtest")


def quickstart_figure(path: Path) -> None:
    """SGD vs exact weights for mean-variance, min-variance, CVaR and Kelly (notebook 01)."""
    returns = load_returns(dataset="sp500", start="2012-01-01")
    objectives = {
        "mean-variance": {"risk_aversion": 10.0},
        "min-variance": {},
        "cvar": {"alpha": 0.95},
        "kelly": {},
    }
    panels = {}
    for name, params in objectives.items():
        sgd = optimize(returns, objective=name, seed=0, **params)
        exact = solve_exact(name, returns.to_numpy(), Constraints(), **params)
        gap = relative_gap(sgd.objective_value, exact.value)
        panels[f"{name} (relative gap {gap:.1e})"] = pd.DataFrame(
            {"SGD": sgd.weights, "exact": exact.weights}, index=returns.columns
        )
    span = f"{returns.index[0].year}–{returns.index[-1].year}"
    plot_weights_comparison(panels, title=f"SGD vs exact weights, sp500 {span}", path=path)


def risk_figure(path: Path) -> None:
    """Excess objective and gradient noise against the batch size (notebook 02)."""
    returns = load_returns(dataset="sp500", start="2012-01-01")
    report = batch_size_sweep(
        returns,
        objective="min-variance",
        batch_sizes=[8, 32, 128, 512],
        seeds=8,
        steps=1200,
        split_date="2020-01-01",
        seed=0,
    )
    plot_sweep(report, path=path)


def backtest_figure(path: Path) -> None:
    """Walk-forward backtest of SGD, the exact solver and equal weight vs the index (notebook 03)."""
    returns = load_returns(dataset="sp500", start="2018-01-01")
    benchmark = to_returns(load_dataset("sp500-index")).iloc[:, 0].loc[returns.index]
    result = run_backtest(
        returns,
        ["sgd:min-variance:m=64", "exact:min-variance", "equal-weight"],
        lookback=252,
        rebalance_every=21,
        cost_bps=10,
        benchmark=benchmark,
        seed=0,
    )
    plot_backtest(result, path=path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="output folder (default: docs)")
    parser.add_argument(
        "--only", default=",".join(FIGURES), help=f"comma-separated subset of {', '.join(FIGURES)}"
    )
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}")
    out = Path(args.out)
    jobs = {
        "quickstart": (quickstart_figure, out / "quickstart_weights.png"),
        "risk": (risk_figure, out / "batch_size_error.png"),
        "backtest": (backtest_figure, out / "backtest.png"),
    }
    for name in wanted:
        func, path = jobs[name]
        start = time.perf_counter()
        func(path)
        print(f"wrote {path} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
