"""Batch size against out-of-sample risk over a walk-forward backtest.

For each mini-batch size m, re-optimise a min-variance portfolio by SGD every month on
the past year and report the realised (out-of-sample) volatility, the distance of the
weights to the exact solver's, and the SGD steps per rebalance.

    python scripts/backtest_batch_size.py --start 2015-01-01 --batch-sizes 16,64,128
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.data import load_returns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="sp500")
    parser.add_argument("--start", default="2015-01-01")
    parser.add_argument("--end", default=None)
    parser.add_argument(
        "--batch-sizes", default=None, help="comma-separated m values (default 16,64,128)"
    )
    parser.add_argument("--lookback", type=int, default=252)
    parser.add_argument("--rebalance-every", type=int, default=21)
    parser.add_argument(
        "--quick", action="store_true", help="short window, 2 rebalances, m=64,128 (for tests)"
    )
    args = parser.parse_args()
    returns = load_returns(dataset=args.dataset, start=args.start, end=args.end)
    if args.quick:
        returns = returns.iloc[: args.lookback + 2 * args.rebalance_every]
    default_sizes = "64,128" if args.quick else "16,64,128"
    sizes = [int(m) for m in (args.batch_sizes or default_sizes).split(",")]
    specs = [f"sgd:min-variance:m={m}" for m in sizes] + ["exact:min-variance"]
    result = run_backtest(
        returns, specs, lookback=args.lookback, rebalance_every=args.rebalance_every
    )

    exact = result.weights_at("exact:min-variance")
    rows = []
    for m, spec in zip(sizes, specs, strict=False):
        dist = (result.weights_at(spec) - exact).abs().sum(axis=1)  # L1 distance per rebalance
        rows.append(
            {
                "batch_size": m,
                "oos_volatility": result.metrics.loc[spec, "annual_volatility"],
                "l1_to_exact": dist.mean(),
                "steps_per_rebalance": result.metrics.loc[spec, "avg_steps"],
                "seconds": result.wall_time[spec],
            }
        )
    table = pd.DataFrame(rows).set_index("batch_size")
    print(
        f"out-of-sample {result.config['start']} .. {result.config['end']}, "
        f"{result.config['n_rebalances']} rebalances"
    )
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    exact_vol = result.metrics.loc["exact:min-variance", "annual_volatility"]
    print(f"exact min-variance out-of-sample volatility: {exact_vol:.4g}")
    assert np.isfinite(table.to_numpy()).all()


if __name__ == "__main__":
    main()
