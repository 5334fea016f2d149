"""The limited risk measures, evaluated exactly in float64, and the exact final mix.

Volatility is annualised: ``sqrt(252)`` times the population standard deviation of the
daily portfolio returns. CVaR is the daily historical CVaR at ``alpha`` of the losses
``-x`` (:func:`portfolio_sgd.measures.performance.cvar_and_var`, the Rockafellar-Uryasev value).
"""

from __future__ import annotations

import math

import numpy as np

from ..measures.performance import cvar_and_var
from ..objectives.lagrangian import CVAR, TRADING_DAYS

MIX_ITERATIONS = 200
"""Bisection steps on the mixing weight (each halves the interval; stops at float64 ties)."""


def limit_risk(measure: str, x: np.ndarray, alpha: float) -> np.ndarray:
    """The limited risk (K,) of portfolio returns ``x`` (T, K).

    Parameters
    ----------
    measure : {"volatility", "cvar"}
    x : ndarray, shape (T, K)
        Daily portfolio returns, float64.
    alpha : float
        CVaR level (cvar only).
    """
    x = np.asarray(x, dtype=np.float64)
    if measure == CVAR:
        return np.atleast_1d(np.asarray(cvar_and_var(-x, alpha)[0], dtype=np.float64))
    return math.sqrt(TRADING_DAYS) * x.std(axis=0)


def mix_to_limit(
    x_feasible: np.ndarray, x_over: np.ndarray, measure: str, level: float, alpha: float
) -> float:
    """The largest ``theta`` in [0, 1] with ``risk((1 - theta) x_f + theta x_o) <= level``.

    Both measures are convex in the weights, so along the segment from a point within the
    limit (``theta = 0``) to one over it (``theta = 1``) the risk crosses ``level`` once;
    bisection keeps the feasible side, so the returned mix satisfies the limit in this
    float64 evaluation (another evaluation order may differ by a rounding ulp; the search
    re-checks its final weights and backs off).

    Parameters
    ----------
    x_feasible, x_over : ndarray, shape (T,)
        Portfolio returns of the two ends (risk ``<= level`` and ``> level``).
    measure : {"volatility", "cvar"}
    level : float
    alpha : float

    Returns
    -------
    float
    """
    pair = np.stack([x_feasible, x_over], axis=1)
    lo, hi = 0.0, 1.0
    for _ in range(MIX_ITERATIONS):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        x = pair @ np.array([1.0 - mid, mid])
        if limit_risk(measure, x[:, None], alpha)[0] <= level:
            lo = mid
        else:
            hi = mid
    return lo
