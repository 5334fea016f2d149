"""Scenarios moved to given moments: how a mean/covariance prior reaches the engine.

With ``X`` the centred sample returns (T, N), ``S0 = X'X / T`` (the engine's ``1/T``
convention) and Cholesky factors ``S0 = L0 L0'``, ``Sigma = Lp Lp'``, the scenarios

    R' = mu' + X L0^{-T} Lp'

have mean exactly ``mu`` and ``1/T`` covariance exactly ``Sigma``, so every quadratic
measure sees the prior's moments and the expected return is the prior's. Other measures
(CVaR, drawdown, ...) see the sample's shape moved linearly to those moments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg

from ..errors import DataError


def match_moments(returns: pd.DataFrame, mean: np.ndarray, covariance: np.ndarray) -> pd.DataFrame:
    """The scenarios (T, N) with mean ``mean`` (N,) and ``1/T`` covariance ``covariance``.

    Raises
    ------
    DataError
        Where the sample covariance or ``covariance`` is not positive definite (e.g.
        fewer rows than assets).
    """
    x = returns.to_numpy(dtype=np.float64)
    centred = x - x.mean(axis=0)
    sample = centred.T @ centred / len(x)
    low_sample = _cholesky(sample, "the sample covariance of the returns")
    low_prior = _cholesky(np.asarray(covariance, dtype=np.float64), "the prior covariance")
    moved = scipy.linalg.solve_triangular(low_sample, centred.T, lower=True).T @ low_prior.T
    return pd.DataFrame(moved + np.asarray(mean), index=returns.index, columns=returns.columns)


def _cholesky(matrix: np.ndarray, what: str) -> np.ndarray:
    """The lower Cholesky factor of ``matrix`` (N, N); :class:`DataError` if not PD."""
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise DataError(
            f"{what} is not positive definite (need more rows than assets, no collinear "
            "assets): a prior cannot move the scenarios to its moments"
        ) from None
