"""The exact (cvxpy) form of a risk limit, for :func:`portfolio_sgd.reference.exact.solve_exact`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..objectives.base import data_scales, triangular_factor
from ..objectives.lagrangian import CVAR, TRADING_DAYS
from .spec import RiskLimit


def limit_constraints(cp: Any, w: Any, returns: np.ndarray, limit: RiskLimit, alpha: float) -> list:
    """cvxpy constraints (a list) of ``risk(w) <= limit.level`` on data ``returns`` (T, N).

    Volatility: the second-order cone ``||F w|| <= S / sqrt(252)`` with ``F'F`` the
    population covariance (thin QR of the centred returns). CVaR: the Rockafellar-Uryasev
    epigraph ``t + sum(z) / ((1 - alpha) T) <= K``, ``z >= -R w - t``, ``z >= 0``. Both are
    scaled by the data's return scale so the solver sees O(1) numbers.
    """
    s1, _ = data_scales(returns)
    t_len = returns.shape[0]
    if limit.measure == CVAR:
        t_var = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        return [
            z >= -(returns / s1) @ w - t_var,
            t_var + cp.sum(z) / ((1.0 - alpha) * t_len) <= limit.level / s1,
        ]
    centred = (returns - returns.mean(axis=0)) / (s1 * math.sqrt(t_len))
    factor = triangular_factor(centred)
    return [cp.norm(factor @ w) <= limit.level / (s1 * math.sqrt(TRADING_DAYS))]
