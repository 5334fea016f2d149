"""The whole-share order problem: :class:`OrderProblem` and its objective.

Given target weights ``w`` (N,), prices ``p``, lot sizes ``l`` (shares per lot), current
holdings ``h`` (shares) and cash ``C``, the portfolio's value is ``V = C + p.h``. An order
trades ``t_i`` lots (an integer, negative to sell), leaving ``s_i = h_i + l_i t_i >= 0``
shares, paying fees ``f sum_i p_i l_i |t_i|`` (``f`` = fee in bps / 10^4) from the cash,
which must stay ``>= 0``. The order minimises

    sum_i |p_i s_i / V - w_i|  +  fees / V,

the L1 tracking error of the target weights, net of fees (leftover cash counts in the
error: the targets sum to 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError


@dataclass(frozen=True)
class OrderProblem:
    """The inputs of an allocation, aligned on one ticker order.

    Attributes
    ----------
    tickers : list of str, length N
    targets : ndarray, shape (N,)
        Target weights, ``>= 0``, summing to 1.
    prices, lots, holdings : ndarray, shape (N,)
        Prices (``> 0``), lot sizes (positive integers), held shares (``>= 0``).
    cash : float
        Cash available, ``>= 0``.
    fee_rate : float
        Fee per unit of traded value (bps / 10^4), ``>= 0``.
    """

    tickers: list[str]
    targets: np.ndarray
    prices: np.ndarray
    lots: np.ndarray
    holdings: np.ndarray
    cash: float
    fee_rate: float

    @property
    def value(self) -> float:
        """``V = cash + p.h``, the value the targets are weights of."""
        return float(self.cash + self.prices @ self.holdings)

    @property
    def min_lots(self) -> np.ndarray:
        """The least lots traded per asset (N,): selling every held share's whole lots."""
        return -np.floor(self.holdings / self.lots)

    def objective(self, trades: np.ndarray) -> float:
        """The L1 weight error plus fees over ``V`` of ``trades`` (N,) lots."""
        shares = self.holdings + self.lots * trades
        error = np.abs(self.prices * shares / self.value - self.targets).sum()
        return float(error + self.fees(trades) / self.value)

    def fees(self, trades: np.ndarray) -> float:
        """The fees of ``trades`` (N,) lots."""
        return float(self.fee_rate * (self.prices * self.lots * np.abs(trades)).sum())

    def cash_left(self, trades: np.ndarray) -> float:
        """The cash after ``trades`` (N,) lots and their fees."""
        return float(self.cash - self.prices * self.lots @ trades - self.fees(trades))


def order_problem(
    targets: pd.Series,
    prices: pd.Series,
    cash: float,
    *,
    holdings: pd.Series | None = None,
    lots: pd.Series | None = None,
    fee_bps: float = 0.0,
) -> OrderProblem:
    """Align and check the inputs (tickers: those of the targets and of the holdings).

    Raises
    ------
    ConfigError
        For negative or non-finite targets or targets not summing to 1, negative cash or
        fees, a ticker without a price, a non-positive price, a lot size that is not a
        positive integer, negative holdings, or nothing to invest.
    """
    held = pd.Series(dtype=float) if holdings is None else holdings.astype(float)
    tickers = list(dict.fromkeys([*map(str, targets.index), *map(str, held.index)]))
    w = targets.reindex(tickers).fillna(0.0).to_numpy(dtype=float)
    if not (np.isfinite(w).all() and (w >= 0).all() and abs(w.sum() - 1.0) < 1e-6):
        raise ConfigError("target weights must be finite, >= 0 (long only) and sum to 1")
    if not (np.isfinite(cash) and cash >= 0 and np.isfinite(fee_bps) and fee_bps >= 0):
        raise ConfigError("capital and fee bps must be finite and >= 0")
    missing = [t for t in tickers if t not in prices.index]
    if missing:
        raise ConfigError(f"no price for {', '.join(missing[:5])}")
    p = prices.reindex(tickers).to_numpy(dtype=float)
    if not (np.isfinite(p).all() and (p > 0).all()):
        bad = tickers[int(np.flatnonzero(~(np.isfinite(p) & (p > 0)))[0])]
        raise ConfigError(f"price of {bad} is {prices[bad]}: prices must be positive")
    lot = np.ones(len(tickers)) if lots is None else lots.reindex(tickers).fillna(1).to_numpy(float)
    if not ((lot >= 1).all() and (lot == np.round(lot)).all()):
        raise ConfigError("lot sizes must be positive integers")
    h = held.reindex(tickers).fillna(0.0).to_numpy(dtype=float)
    if not (np.isfinite(h).all() and (h >= 0).all()):
        raise ConfigError("holdings must be finite and >= 0 shares (long only)")
    problem = OrderProblem(tickers, w, p, lot, h, float(cash), fee_bps / 1e4)
    if problem.value <= 0:
        raise ConfigError("nothing to allocate: capital plus holdings value is 0")
    return problem
