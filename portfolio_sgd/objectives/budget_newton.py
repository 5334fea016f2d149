"""The barrier's Newton system over a measure's epigraph, assembled from fixed patterns.

Each Newton step of :mod:`.budget_barrier` needs, with row weights ``d = 1 / s**2`` of the
measure's rows ``a_y y + a_v v <= 0``,

    H_yy = a_y' D a_y,   H_vy = a_v' D a_y,   K = a_v' D a_v + diag(bounds),

then the Schur complement ``H_yy - H_vy' K^{-1} H_vy`` over the weights. Two structures
make this cheap and free of per-step sparse-matrix construction:

* the rows of ``a_y`` repeat up to a factor (a drawdown's path appears with both signs, a
  piecewise measure's deviations once per piece): with ``a_y = diag(c) U[k]``,
  ``a_y' D a_y = U' diag(sum_{r -> u} c_r^2 d_r) U`` is one product over the distinct
  rows ``U``;
* ``K``'s sparsity pattern is fixed: its entries are ``sum_r a_rj a_rl d_r`` over the
  pairs of nonzeros in each row of ``a_v``, summed into the pattern by ``bincount``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

__all__ = ["DistinctRows", "GramPattern"]


class DistinctRows:
    """``a (M, N) = coef[:, None] * unique[which]``: the distinct rows of ``a`` up to a factor.

    Attributes
    ----------
    unique : ndarray, shape (R, N)
    which : ndarray of int, shape (M,)
    coef : ndarray, shape (M,)
    """

    def __init__(self, a: np.ndarray) -> None:
        m = a.shape[0]
        peak = np.argmax(np.abs(a), axis=1) if a.shape[1] else np.zeros(m, dtype=int)
        lead = a[np.arange(m), peak] if a.shape[1] else np.ones(m)
        lead = np.where(lead == 0.0, 1.0, lead)
        _, first, which = np.unique(
            a / lead[:, None], axis=0, return_index=True, return_inverse=True
        )
        which = np.asarray(which).reshape(-1)
        unique = a[first]
        coef = lead / np.where(lead[first][which] == 0.0, 1.0, lead[first][which])
        if not np.array_equal(unique[which] * coef[:, None], a):  # not exact: keep every row
            unique, which, coef = a, np.arange(m), np.ones(m)
        self.unique = np.ascontiguousarray(unique)
        self.which, self.coef = which, coef

    def gram(self, d: np.ndarray) -> np.ndarray:
        """``a' diag(d) a`` (N, N) for row weights ``d`` (M,)."""
        du = np.bincount(self.which, self.coef**2 * d, minlength=self.unique.shape[0])
        return (self.unique.T * du) @ self.unique


class GramPattern:
    """``a_v' diag(d) a_v + diag(extra)`` (V, V) as a sparse matrix of a fixed pattern."""

    def __init__(self, a_v: sp.spmatrix) -> None:
        csr = sp.csr_matrix(a_v)
        csr.sort_indices()
        n_v = csr.shape[1]
        counts = np.diff(csr.indptr)
        firsts, rows, cols, vals = [], [], [], []
        for k in range(int(counts.max(initial=0))):
            for j in range(int(counts.max(initial=0))):
                has = np.flatnonzero(counts > max(k, j))
                at_k, at_j = csr.indptr[has] + k, csr.indptr[has] + j
                firsts.append(csr.indices[at_k])
                cols.append(csr.indices[at_j])
                vals.append(csr.data[at_k] * csr.data[at_j])
                rows.append(has)
        diag = np.arange(n_v)
        first = np.concatenate([*firsts, diag]).astype(np.int64)
        second = np.concatenate([*cols, diag]).astype(np.int64)
        keys, slot = np.unique(second * n_v + first, return_inverse=True)
        self.n_v, self.slot = n_v, np.asarray(slot).reshape(-1)
        self.rows = np.concatenate([*rows, np.zeros(0, dtype=np.int64)]).astype(np.int64)
        self.vals = np.concatenate([*vals, np.zeros(0)])
        self.pairs = self.rows.size
        self.indices = (keys % n_v).astype(np.int32)
        self.indptr = np.searchsorted(keys // n_v, np.arange(n_v + 1)).astype(np.int32)
        self.diag_slot = self.slot[self.pairs :]

    def factor(self, d: np.ndarray, extra: np.ndarray) -> object:
        """The sparse LU of ``a_v' diag(d) a_v + diag(extra)`` (``d`` (M,), ``extra`` (V,))."""
        weights = np.concatenate([self.vals * d[self.rows], extra])
        data = np.bincount(self.slot, weights, minlength=self.indices.size)
        return splu(sp.csc_matrix((data, self.indices, self.indptr), shape=(self.n_v, self.n_v)))
