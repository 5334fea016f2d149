"""Objective comparison after costs: min-variance, CVaR and Kelly by SGD, and 1/N.

python scripts/backtest_objectives.py --start 2015-01-01 --cost-bps 10
"""

from __future__ import annotations

import argparse

from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.data import load_dataset, load_returns, to_returns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="sp500")
    parser.add_argument("--start", default="2015-01-01")
    parser.add_argument("--end", default=None)
    parser.add_argument("--cost-bps", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lookback", type=int, default=252)
    parser.add_argument("--rebalance-every", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="short window, few steps (for tests)")
    args = parser.parse_args()
    returns = load_returns(dataset=args.dataset, start=args.start, end=args.end)
    steps = ""
    if args.quick:
        returns = returns.iloc[: args.lookback + 2 * args.rebalance_every]
        steps = ":steps=200"
    index = to_returns(load_dataset("sp500-index")).iloc[:, 0].rename("sp500-index")
    common = returns.index.intersection(index.index)

    m = args.batch_size
    specs = [
        f"sgd:min-variance:m={m}{steps}",
        f"sgd:cvar:m={m}:alpha=0.95{steps}",
        f"sgd:kelly:m={m}{steps}",
        "equal-weight",
    ]
    result = run_backtest(
        returns.loc[common],
        specs,
        lookback=args.lookback,
        rebalance_every=args.rebalance_every,
        cost_bps=args.cost_bps,
        benchmark=index.loc[common],
    )
    columns = [
        "annual_return",
        "annual_volatility",
        "sharpe",
        "max_drawdown",
        "cvar_95",
        "avg_turnover",
        "total_cost",
    ]
    print(f"after {args.cost_bps:g} bps costs, {result.config['start']} .. {result.config['end']}")
    print(result.metrics[columns].to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
