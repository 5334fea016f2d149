"""Cost-aware strategies: the drifted holdings as ``previous_weights`` at each rebalance.

A strategy spec's ``cost=BPS`` makes the optimiser pay ``BPS / 1e4`` per unit traded away
from the drifted holdings (the objective gains ``sum c |w - w_drifted|``), and
``turnover=D`` caps the one-way turnover ``1/2 sum |w - w_drifted| <= D`` at each
rebalance. The first rebalance buys from cash: every long-only portfolio then trades the
same amount, so it is optimised without either term.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..constraints import Constraints


def trading_constraints(
    constraints: Constraints,
    drifted: np.ndarray | None,
    cost_bps: float | None,
    max_turnover: float | None,
    cost_horizon: float | None = None,
) -> Constraints:
    """``constraints`` with the holdings, cost and cap of one rebalance (unchanged without).

    The objective is a per-period quantity (a day's variance, a day's mean return) while a
    trade's cost is paid once and the position is held for about ``cost_horizon`` periods
    (the rebalance interval by default): the cost enters the objective amortised,
    ``c / cost_horizon`` per unit traded. Unamortised, 10 bps outweighs a day's variance
    and a cost-aware strategy never trades after its first purchase.
    """
    if drifted is None or (cost_bps is None and max_turnover is None):
        return constraints
    held = np.asarray(drifted, dtype=np.float64)
    changes: dict[str, object] = {"previous_weights": held / held.sum()}
    if cost_bps is not None:
        changes["transaction_costs"] = float(cost_bps) / 1e4 / float(cost_horizon or 1.0)
    if max_turnover is not None:
        changes["max_turnover"] = float(max_turnover)
    return dataclasses.replace(constraints, **changes)
