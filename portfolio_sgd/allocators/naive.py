"""Naive baselines: equal weight, inverse volatility, maximum diversification.

- ``equal-weight``: ``w_i = 1 / N``;
- ``inverse-volatility``: ``w_i = (1 / sigma_i) / sum_j 1 / sigma_j`` with ``sigma_i`` the
  sample standard deviation of asset i (skfolio's ``InverseVolatility``);
- ``max-diversification``: the maximum of the diversification ratio
  ``D(w) = sigma' w / sqrt(w' Sigma w)`` over long-only, fully invested weights
  (Choueifaty and Coignard, 2008). ``D`` is invariant to scaling ``w``, so with
  ``z_i = sigma_i w_i / sigma' w`` the problem is the minimum variance of the
  *standardised* returns ``R_i / sigma_i`` (covariance: the correlation matrix) over the
  simplex, solved by the engine with its exact finish; then ``w_i ∝ z_i / sigma_i``. (The
  engine is given ``R_i sigma_min / sigma_i``: the same minimiser, and simple returns that
  stay above -1.)

Bounds and group limits are met by the Euclidean rule of :mod:`.redistribute` (for
maximum diversification this gives feasible weights near the unconstrained optimum, not
the constrained optimum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.config import EngineConfig
from ..errors import DataError
from .inner import subproblem_weights


def equal_weights(n_assets: int) -> np.ndarray:
    """``1 / N`` (N,)."""
    return np.full(n_assets, 1.0 / n_assets)


def volatilities(returns: np.ndarray) -> np.ndarray:
    """Sample standard deviations (N,) of the columns of ``returns`` (T, N), checked > 0.

    Raises
    ------
    DataError
        For a constant asset (named by its column index).
    """
    sigma = np.asarray(returns, dtype=np.float64).std(axis=0, ddof=1)
    flat = np.flatnonzero(~(sigma > 0))
    if flat.size:
        raise DataError(f"asset {int(flat[0])} has zero volatility: nothing to weight by")
    return sigma


def inverse_volatility_weights(returns: np.ndarray) -> np.ndarray:
    """``(1 / sigma_i) / sum_j (1 / sigma_j)`` (N,)."""
    inverse = 1.0 / volatilities(returns)
    return inverse / inverse.sum()


def max_diversification_weights(returns: pd.DataFrame, config: EngineConfig) -> np.ndarray:
    """The maximum-diversification weights (N,) (module docstring).

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    config : EngineConfig
        The engine settings of the minimum-variance run.
    """
    sigma = volatilities(returns.to_numpy())
    scale = sigma.min() / sigma  # <= 1: the scaled simple returns stay above -1
    z = subproblem_weights(returns * scale, "min-variance", config)
    w = np.clip(z, 0.0, None) / sigma
    return w / w.sum()


def diversification_ratio(returns: np.ndarray, weights: np.ndarray) -> float:
    """``D(w) = sigma' w / sqrt(w' Sigma w)`` (sample moments)."""
    sigma = volatilities(returns)
    cov = np.atleast_2d(np.cov(np.asarray(returns, dtype=np.float64), rowvar=False))
    return float(sigma @ weights / np.sqrt(weights @ cov @ weights))
