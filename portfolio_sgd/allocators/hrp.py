"""Hierarchical risk parity (Lopez de Prado, 2016), over any measure, within bounds.

The assets, in the seriation order of the tree (:meth:`Tree.seriation`), are bisected
top-down: each list splits into its first ``n // 2`` and its remaining members. Each half
is held as its inverse-risk portfolio; with ``R_l`` and ``R_r`` the halves' risks, the
left half gets the share ``alpha = 1 - R_l / (R_l + R_r)`` of the list's weight, clamped
to the halves' bound sums (:func:`.bounds.clamp_split`). This is skfolio's
``HierarchicalRiskParity`` (same splits, same clamp), with the measure any registered
one (:mod:`.risk`).
"""

from __future__ import annotations

import numpy as np

from ..measures.base import RiskMeasure
from .bounds import clamp_split
from .risk import inverse_risk_columns, portfolio_risks


def hrp_weights(
    returns: np.ndarray,
    order: np.ndarray,
    measure: RiskMeasure,
    alpha: float,
    lower: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """HRP's weights (N,) (module docstring).

    Parameters
    ----------
    returns : ndarray, shape (T, N)
    order : ndarray of int, shape (N,)
        The seriation (leaf order) of the assets.
    measure : RiskMeasure
    alpha : float
        Confidence level of a tail measure.
    lower, upper : ndarray, shape (N,)
        Per-asset bounds.

    Returns
    -------
    ndarray, shape (N,)
        Weights summing to 1 (in the assets' own order).
    """
    n = returns.shape[1]
    unit = portfolio_risks(returns, np.eye(n), measure, alpha)
    weights = np.ones(n)
    lists = [np.asarray(order)]
    while lists:
        halves = [(items[: items.size // 2], items[items.size // 2 :]) for items in lists]
        for left, right in halves:
            columns = inverse_risk_columns(unit, [left, right])
            risk_left, risk_right = portfolio_risks(returns, columns, measure, alpha)
            share = 1.0 - risk_left / (risk_left + risk_right)
            whole = weights[left[0]]
            share = clamp_split(share, whole, left, right, lower, upper)
            weights[left] *= share
            weights[right] *= 1.0 - share
        lists = [part for pair in halves for part in pair if part.size > 1]
    return weights
