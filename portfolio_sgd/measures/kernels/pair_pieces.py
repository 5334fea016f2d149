"""The pieces of the Gini mean difference: pairs of scenarios, never all materialised.

``GMD(x) = (2 / (T (T - 1))) sum_{i < j} |x_i - x_j|``: pair ``(i, j)`` is the piece
``|l|`` with ``l = x_i - x_j`` (slopes in ``[-1, 1]``). With every slope fixed to its side
at a centre ``x_c`` (ties broken by the sort), the fixed sum is the sorted-returns form
``sum_k (2k - T - 1) x_{pi(k)}`` (``pi`` sorts ``x_c``), an ``O(T log T)`` linear function of
``w``; a window of ``W`` pairs (ids ``i * T + j``, ``i < j``) is freed. Pairs near their
kink at ``x_c`` are neighbours in the sorted order, so :meth:`PairPieces.near` and
:meth:`PairPieces.wrong` scan a band of ``band`` sorted neighbours.
"""

from __future__ import annotations

import numpy as np

from .pieces_lp import Pieces, Relaxation

__all__ = ["PairPieces", "sorted_weights"]


def sorted_weights(n: int) -> np.ndarray:
    """``2 (2k - n - 1) / (n (n - 1))`` for ranks ``k = 1..n``: ``GMD = w . sort(x)``."""
    k = np.arange(1, n + 1, dtype=np.float64)
    return 2.0 * (2.0 * k - n - 1.0) / (n * max(n - 1, 1))


class PairPieces:
    """The pair pieces of one data set (see the module docstring).

    Parameters
    ----------
    returns : np.ndarray, shape (T, N), float64
    band : int
        Sorted neighbours scanned for near and wrong pairs.
    """

    def __init__(self, returns: np.ndarray, band: int = 8) -> None:
        self.returns = returns
        self.n_rows, self.n_assets = returns.shape
        self.band = band
        self.owa = sorted_weights(self.n_rows)
        self.weight = 2.0 / (self.n_rows * max(self.n_rows - 1, 1))

    def returns_of(self, w: np.ndarray) -> np.ndarray:
        """``R w`` (T,)."""
        return self.returns @ w

    def value(self, x: np.ndarray) -> float:
        """The Gini mean difference of ``x`` (T,), from the sorted returns."""
        return float(self.owa @ np.sort(x))

    def relaxation(self, x_c: np.ndarray, window: np.ndarray, linear: np.ndarray) -> Relaxation:
        """Sides fixed by the sort of ``x_c``, except the pairs ``window``."""
        order = np.argsort(x_c, kind="stable")
        a = np.empty(self.n_rows)
        a[order] = self.owa
        i, j = np.divmod(window, self.n_rows)
        rank = np.empty(self.n_rows, dtype=np.int64)
        rank[order] = np.arange(self.n_rows)
        low, high = np.where(rank[i] < rank[j], i, j), np.where(rank[i] < rank[j], j, i)
        np.add.at(a, high, -self.weight)  # remove the fixed x_high - x_low of each window pair
        np.add.at(a, low, self.weight)
        size = window.size
        rows = self.returns[i] - self.returns[j]
        ones = np.ones(size)
        pieces = Pieces(rows, np.zeros(size), -ones, ones, self.weight)
        return Relaxation(linear + self.returns.T @ a, 0.0, pieces)

    def _band_pairs(self, order: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pair ids of sorted neighbours up to ``band`` apart and ``y[k + d] - y[k]``."""
        ids, gaps = [], []
        for d in range(1, min(self.band, self.n_rows - 1) + 1):
            first, second = order[:-d], order[d:]
            ids.append(np.minimum(first, second) * self.n_rows + np.maximum(first, second))
            gaps.append(y[d:] - y[:-d])
        return np.concatenate(ids), np.concatenate(gaps)

    def near(self, x_c: np.ndarray, width: int) -> np.ndarray:
        """The ``width`` band pairs with the smallest ``|x_i - x_j|`` at ``x_c``."""
        order = np.argsort(x_c, kind="stable")
        ids, gaps = self._band_pairs(order, x_c[order])
        width = min(width, ids.size)
        return np.unique(ids[np.argpartition(gaps, width - 1)[:width]])

    def wrong(self, x_c: np.ndarray, x_new: np.ndarray, cap: int) -> np.ndarray:
        """Band pairs in the wrong order at ``x_new`` (sorted by ``x_c``), the worst first."""
        order = np.argsort(x_c, kind="stable")
        ids, gaps = self._band_pairs(order, x_new[order])
        bad = np.nonzero(gaps < 0)[0]
        return np.unique(ids[bad[np.argsort(gaps[bad])[:cap]]])
