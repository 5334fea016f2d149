"""Risks of portfolios under a registered measure, for the allocators' splits.

HRP and HERC take any measure of the registry (:func:`~portfolio_sgd.measures.registry.
get_measure`) by its exact float64 value, :meth:`RiskMeasure.numpy_value`, evaluated on
the returns of the portfolios being compared. Their splits use ratios of risks, so a
measure's scale (daily or annual, ``T`` or ``T - 1``) does not change the weights.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..measures.base import RiskMeasure


def portfolio_risks(
    returns: np.ndarray, weights: np.ndarray, measure: RiskMeasure, alpha: float
) -> np.ndarray:
    """The measure (K,) of K portfolios.

    Parameters
    ----------
    returns : ndarray, shape (T, N)
    weights : ndarray, shape (N, K)
        One portfolio per column.
    measure : RiskMeasure
    alpha : float
        The confidence level of a tail measure (CVaR).

    Raises
    ------
    DataError
        If a risk is not finite and positive (a constant asset, or a measure that
        is zero or negative on these returns: nothing to split by).
    """
    risks = np.atleast_1d(np.asarray(measure.numpy_value(returns @ weights, alpha), float))
    if not np.all(np.isfinite(risks)) or np.any(risks <= 0):
        raise DataError(
            f"the {measure.name} of a portfolio is not finite and positive "
            f"({risks.min():.3g}): the allocator cannot split by it"
        )
    return risks


def inverse_risk_columns(unit_risks: np.ndarray, clusters: list[np.ndarray]) -> np.ndarray:
    """Inverse-risk portfolios (N, K) of K clusters: ``w_i = (1/r_i) / sum_C 1/r_j`` on C.

    Parameters
    ----------
    unit_risks : ndarray, shape (N,)
        Each asset's own risk.
    clusters : list of ndarray of int
        The members of each cluster.
    """
    columns = np.zeros((unit_risks.size, len(clusters)))
    for k, members in enumerate(clusters):
        inverse = 1.0 / unit_risks[members]
        columns[members, k] = inverse / inverse.sum()
    return columns
