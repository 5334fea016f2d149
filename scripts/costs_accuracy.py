"""Accuracy with trading costs and turnover limits: SGD against the exact reference.

Holdings 20% in each of the first five sp500 stocks, the last 1500 days; for each
objective and trading setting prints the relative gap to ``solve_exact`` (cvxpy +
Clarabel with the same cost term), the certified gap, steps, time and turnover.

    python scripts/costs_accuracy.py min-variance,mean-variance,cvar
"""

from __future__ import annotations

import sys
import time

import numpy as np

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.reference.exact import solve_exact


def main() -> None:
    objectives = (sys.argv[1] if len(sys.argv) > 1 else "min-variance,mean-variance").split(",")
    returns = load_returns(dataset="sp500").iloc[-1500:]
    held = np.zeros(returns.shape[1])
    held[:5] = 0.2
    settings = [
        {"transaction_costs": 0.001},
        {"transaction_costs": 0.0002, "max_turnover": 0.2},
        {"max_turnover": 0.15, "max_asset_turnover": 0.1},
        {"transaction_costs": 0.0002, "market_impact": 0.002},
    ]
    print("objective settings relative_gap certified_gap converged steps seconds turnover")
    for objective in objectives:
        for extra in settings:
            cons = Constraints(previous_weights=held, **extra)
            began = time.perf_counter()
            res = optimize(returns, objective, cons, seed=0)
            seconds = time.perf_counter() - began
            exact = solve_exact(objective, returns, cons)
            gap = (res.objective_value - exact.value) / abs(exact.value)
            print(
                objective,
                extra,
                f"{gap:.2e}",
                f"{res.relative_gap_bound:.1e}",
                res.converged,
                res.steps,
                f"{seconds:.1f}",
                f"{res.trading['turnover']:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
