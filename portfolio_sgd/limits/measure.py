"""The limited risk measures, evaluated exactly in float64, and the exact final mix.

Each measure's value is its record's ``stated_value`` (:mod:`portfolio_sgd.measures`):
volatility annualised, ``sqrt(252)`` times the population standard deviation of the daily
portfolio returns; CVaR the daily historical CVaR at ``alpha`` of the losses ``-x``.
"""

from __future__ import annotations

import numpy as np

from ..measures.registry import get_measure

MIX_ITERATIONS = 200
"""Bisection steps on the mixing weight (each halves the interval; stops at float64 ties)."""


def limit_risk(measure: str, x: np.ndarray, alpha: float) -> np.ndarray:
    """The limited risk (K,) of portfolio returns ``x`` (T, K).

    Parameters
    ----------
    measure : str
        A registered measure with a limit (``"volatility"``, ``"cvar"``, ...).
    x : ndarray, shape (T, K)
        Daily portfolio returns, float64.
    alpha : float
        CVaR level (cvar only).
    """
    return get_measure(measure).stated_value(np.asarray(x, dtype=np.float64), alpha)


def mix_to_limit(
    x_feasible: np.ndarray, x_over: np.ndarray, measure: str, level: float, alpha: float
) -> float:
    """The largest ``theta`` in [0, 1] with ``risk((1 - theta) x_f + theta x_o) <= level``.

    The measures are convex in the weights, so along the segment from a point within the
    limit (``theta = 0``) to one over it (``theta = 1``) the risk crosses ``level`` once;
    bisection keeps the feasible side, so the returned mix satisfies the limit in this
    float64 evaluation (another evaluation order may differ by a rounding ulp; the search
    re-checks its final weights and backs off).

    Parameters
    ----------
    x_feasible, x_over : ndarray, shape (T,)
        Portfolio returns of the two ends (risk ``<= level`` and ``> level``).
    measure : str
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
