"""Gap of the default SGD optimiser to the exact optimum, per objective and panel.

Usage: ``python scripts/accuracy_table.py [--panels sp500,ff49,etf-mix] [--dtype float64]``

Prints a Markdown table: relative gap ``(f(w_sgd) - f(w*)) / |f(w*)|`` against cvxpy +
Clarabel, L1 distance of the weights, SGD steps and wall time, exact solve time.
"""

from __future__ import annotations

import argparse

from portfolio_sgd import compare_with_exact, optimize
from portfolio_sgd.data import load_returns

ETF_MIX = "SPY,QQQ,IWM,EFA,EEM,XLF,XLE,XLK,GLD,VNQ,XLU,GDX,TLT,AGG,BND,LQD,HYG,IEF,TIP,MUB,SHY"
PANELS = {
    "sp500": dict(dataset="sp500"),
    "ff49": dict(dataset="ff49-daily", start="2000-01-01"),
    "etf-mix": dict(dataset="us-etfs", tickers=ETF_MIX.split(",")),
}
OBJECTIVES = ["mean-variance", "min-variance", "kelly", "cvar"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", default=",".join(PANELS))
    parser.add_argument("--objectives", default=",".join(OBJECTIVES))
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    args = parser.parse_args()
    print("| panel | T x N | objective | gap | L1 to w* | SGD steps | SGD s | exact s |")
    print("|---|---|---|---|---|---|---|---|")
    optimize(load_returns(dataset="sp500").iloc[:300], steps=5)  # warm-up: torch imports
    for panel in args.panels.split(","):
        returns = load_returns(**PANELS[panel])
        r = returns.to_numpy()
        for objective in args.objectives.split(","):
            res = optimize(returns, objective=objective, dtype=args.dtype, seed=0)
            cmp = compare_with_exact(res, returns)
            gap, l1, exact_s = cmp["relative_gap"], cmp["l1_distance"], cmp["solve_time"]
            print(
                f"| {panel} | {r.shape[0]} x {r.shape[1]} | {objective} | {gap:.1e} | {l1:.1e} "
                f"| {res.steps} | {res.wall_time:.2f} | {exact_s:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
