"""Distances between assets, from the codependence of their returns.

``pearson``  ``d_ij = sqrt((1 - rho_ij) / 2)`` with ``rho`` the Pearson correlation;
``spearman`` the same over Spearman's rank correlation;
``distance-correlation``  ``d_ij = sqrt(1 - dcor_ij)`` with Szekely's distance correlation
(:mod:`.distance_correlation`).

Each distance is clipped to ``[0, 1]`` (rounding can push ``1 - rho`` a hair below 0).
These are the conventions of skfolio's ``PearsonDistance``, ``SpearmanDistance`` and
``DistanceCorrelation`` (defaults), so the same distance gives the same tree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .distance_correlation import distance_correlation

DISTANCES = ("pearson", "spearman", "distance-correlation")
"""The distance names (``--distance``; the API's ``distance=``)."""


def _pearson(returns: np.ndarray) -> np.ndarray:
    return np.corrcoef(returns, rowvar=False)


def _spearman(returns: np.ndarray) -> np.ndarray:
    return pd.DataFrame(returns).corr(method="spearman").to_numpy()


def _angular(corr: np.ndarray) -> np.ndarray:
    """``sqrt((1 - rho) / 2)`` clipped to [0, 1]: rho = 1 gives 0, rho = -1 gives 1."""
    return np.sqrt(np.clip(0.5 * (1.0 - corr), 0.0, 1.0))


def _distance_correlation(returns: np.ndarray) -> np.ndarray:
    return np.sqrt(np.clip(1.0 - distance_correlation(returns), 0.0, 1.0))


_METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "pearson": lambda r: _angular(_pearson(r)),
    "spearman": lambda r: _angular(_spearman(r)),
    "distance-correlation": _distance_correlation,
}


def check_distance(name: str) -> str:
    """The canonical distance name (case and underscores normalised).

    Raises
    ------
    ConfigError
        For an unknown name (the choices are listed).
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in _METHODS:
        raise ConfigError(f"unknown distance {name!r}; choose one of: {', '.join(DISTANCES)}")
    return key


def distance_matrix(returns: np.ndarray, method: str = "pearson") -> np.ndarray:
    """The (N, N) distance matrix of the assets' returns.

    Parameters
    ----------
    returns : ndarray, shape (T, N)
    method : {"pearson", "spearman", "distance-correlation"}

    Returns
    -------
    ndarray, shape (N, N)
        Symmetric, zero diagonal, entries in [0, 1].
    """
    dist = _METHODS[check_distance(method)](np.asarray(returns, dtype=np.float64))
    dist = 0.5 * (dist + dist.T)
    np.fill_diagonal(dist, 0.0)
    return dist
