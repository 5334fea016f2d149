"""The greedy order, for problems above the MILP's stated size.

1. Trade each asset down to its target rounded down to whole lots (sells free cash;
   assets above target are sold only down to the lot at or below the target).
2. While the cash allows, buy the one lot that lowers the objective most (L1 weight
   error plus fees over ``V``); stop when no lot lowers it.

Each step is a vectorised scan over the N assets; the number of steps is at most the
number of lots bought after step 1 (about one per asset).
"""

from __future__ import annotations

import numpy as np

from .problem import OrderProblem


def solve_greedy(problem: OrderProblem) -> np.ndarray:
    """Lots traded (N,) by the greedy rule (feasible: cash ``>= 0``, no short position)."""
    p, lot, v, f = problem.prices, problem.lots, problem.value, problem.fee_rate
    goal = problem.targets * v / p  # target shares
    trades = np.maximum(np.floor((goal - problem.holdings) / lot), problem.min_lots)
    trades = _fit_cash(problem, trades)
    step_cost = p * lot * (1.0 + f)
    gap = p * (problem.holdings + lot * trades) - problem.targets * v  # value off target
    cash = problem.cash_left(trades)
    while True:
        gain = np.abs(gap) - np.abs(gap + p * lot) - f * p * lot
        gain[step_cost > cash + 1e-9] = -np.inf
        best = int(np.argmax(gain))
        if not gain[best] > 0:
            return trades
        trades[best] += 1
        gap[best] += p[best] * lot[best]
        cash -= step_cost[best]


def _fit_cash(problem: OrderProblem, trades: np.ndarray) -> np.ndarray:
    """``trades`` with buys removed one lot at a time (the largest buy value first) until
    the cash is ``>= 0``."""
    trades = trades.copy()
    value = problem.prices * problem.lots
    while problem.cash_left(trades) < 0:
        bought = np.where(trades > 0, value * trades, -np.inf)
        trades[int(np.argmax(bought))] -= 1
    return trades
