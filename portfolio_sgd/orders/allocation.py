"""Whole-share orders toward target weights: :func:`allocate` and :class:`Allocation`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .greedy import solve_greedy
from .milp import solve_milp
from .problem import OrderProblem, order_problem

MILP_MAX_ASSETS = 2000
"""Above this many assets ``method="auto"`` uses the greedy order instead of the MILP."""


@dataclass(frozen=True)
class Allocation:
    """The orders and what they leave.

    Attributes
    ----------
    trades : DataFrame, one row per ticker
        ``price``, ``lot``, ``held`` (shares), ``trade`` (shares, negative: sell),
        ``shares`` (after), ``target_weight``, ``weight`` (after) and ``trade_value``.
    leftover_cash : float
        Cash after the trades and fees.
    fees : float
    weight_error : float
        ``sum |weight - target_weight|`` (leftover cash included: targets sum to 1).
    objective : float
        ``weight_error + fees / V``, the quantity minimised.
    method : {"milp", "greedy"}
    optimal : bool
        True when the MILP proved the order optimal.
    """

    trades: pd.DataFrame
    leftover_cash: float
    fees: float
    weight_error: float
    objective: float
    method: str
    optimal: bool

    def summary(self) -> dict[str, object]:
        """The scalars, for JSON."""
        return {
            "leftover_cash": self.leftover_cash,
            "fees": self.fees,
            "weight_error": self.weight_error,
            "objective": self.objective,
            "method": self.method,
            "optimal": self.optimal,
        }


def allocate(
    targets: pd.Series,
    prices: pd.Series,
    capital: float,
    *,
    holdings: pd.Series | None = None,
    lots: pd.Series | None = None,
    fee_bps: float = 0.0,
    method: str = "auto",
    time_limit: float = 60.0,
) -> Allocation:
    """Integer share orders that track ``targets`` (weights by ticker) most closely.

    Parameters
    ----------
    targets, prices : Series, by ticker
        Target weights (``>= 0``, sum 1) and prices (every target and held ticker).
    capital : float
        Cash to invest, on top of the holdings' value.
    holdings, lots : Series, optional
        Shares held now (default none) and lot sizes (default 1).
    fee_bps : float
        Fee in basis points of traded value.
    method : {"auto", "milp", "greedy"}
        ``auto``: the exact MILP up to :data:`MILP_MAX_ASSETS` assets, else greedy.
    time_limit : float
        Seconds HiGHS may spend (then its best order, ``optimal=False``).

    Returns
    -------
    Allocation
    """
    problem = order_problem(targets, prices, capital, holdings=holdings, lots=lots, fee_bps=fee_bps)
    use_milp = method == "milp" or (method == "auto" and len(problem.tickers) <= MILP_MAX_ASSETS)
    if use_milp:
        trades, optimal = solve_milp(problem, time_limit)
    else:
        trades, optimal = solve_greedy(problem), False
    return _allocation(problem, trades, "milp" if use_milp else "greedy", optimal)


def _allocation(
    problem: OrderProblem, trades: np.ndarray, method: str, optimal: bool
) -> Allocation:
    """The :class:`Allocation` of ``trades`` (N,) lots."""
    trades = trades + 0.0  # no negative zeros in the trade list
    shares = problem.holdings + problem.lots * trades
    weights = problem.prices * shares / problem.value
    frame = pd.DataFrame(
        {
            "price": problem.prices,
            "lot": problem.lots.astype(int),
            "held": problem.holdings,
            "trade": problem.lots * trades,
            "shares": shares,
            "target_weight": problem.targets,
            "weight": weights,
            "trade_value": problem.prices * problem.lots * trades,
        },
        index=pd.Index(problem.tickers, name="ticker"),
    )
    return Allocation(
        trades=frame,
        leftover_cash=problem.cash_left(trades),
        fees=problem.fees(trades),
        weight_error=float(np.abs(weights - problem.targets).sum()),
        objective=problem.objective(trades),
        method=method,
        optimal=optimal,
    )
