"""Szekely's distance correlation of every pair of assets, in blocks of rows.

For one asset with returns ``x`` (T,), let ``a_st = |x_s - x_t|`` and ``A`` its double
centring ``A_st = a_st - abar_s. - abar_.t + abar..``. The squared distance covariance of
two assets is ``dcov2_ij = sum_st A^i_st A^j_st`` (up to 1/T^2, which cancels), and

    dcor_ij = sqrt(dcov2_ij) / sqrt(sqrt(dcov2_ii) sqrt(dcov2_jj)).

``dcov2`` is the Gram matrix of the flattened ``A^i``: it is accumulated over blocks of
rows ``s``, so memory is ``O(N T block)`` rather than ``O(N T^2)``. Time is ``O(N^2 T^2)``.
"""

from __future__ import annotations

import numpy as np

BLOCK_ROWS = 256
"""Rows ``s`` of the (T, T) distance matrices formed at once."""


def _row_means(x: np.ndarray) -> np.ndarray:
    """``abar_s.`` of every asset: (N, T) from ``x`` (N, T), block by block."""
    n_assets, n_rows = x.shape
    means = np.empty((n_assets, n_rows))
    for start in range(0, n_rows, BLOCK_ROWS):
        block = np.abs(x[:, start : start + BLOCK_ROWS, None] - x[:, None, :])
        means[:, start : start + BLOCK_ROWS] = block.mean(axis=2)
    return means


def distance_correlation(returns: np.ndarray) -> np.ndarray:
    """The (N, N) distance correlation of the columns of ``returns``.

    Parameters
    ----------
    returns : ndarray, shape (T, N)

    Returns
    -------
    ndarray, shape (N, N)
        Entries in [0, 1], ones on the diagonal (0 where an asset is constant).
    """
    x = np.asarray(returns, dtype=np.float64).T  # (N, T)
    n_rows = x.shape[1]
    means = _row_means(x)  # a is symmetric: row means are column means
    grand = means.mean(axis=1)  # (N,)
    gram = np.zeros((x.shape[0], x.shape[0]))
    for start in range(0, n_rows, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n_rows)
        block = np.abs(x[:, start:stop, None] - x[:, None, :])
        block -= means[:, start:stop, None] + means[:, None, :] - grand[:, None, None]
        flat = block.reshape(x.shape[0], -1)
        gram += flat @ flat.T
    diag = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    scale = np.sqrt(np.outer(diag, diag))
    with np.errstate(invalid="ignore", divide="ignore"):
        dcor = np.sqrt(np.clip(gram, 0.0, None)) / scale
    dcor = np.where(scale > 0, dcor, 0.0)
    np.fill_diagonal(dcor, 1.0)
    return np.clip(dcor, 0.0, 1.0)
