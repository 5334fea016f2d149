"""The pieces of a measure that is a mean over scenarios of a kinked loss (MAD, LPM).

Scenario ``t`` is the piece ``max(lo l_t, hi l_t)`` with
``l_t = sign (x_t - c mean(x)) + offset``, ``x = R w``: ``c = 1`` centres on the mean
return (``mean(x) = mu.w``), ``c = 0`` does not. The mean absolute deviation is
``sign = 1, c = 1, offset = 0, [lo, hi] = [-1, 1]``; the first lower partial moment below a
target ``tau`` is ``sign = -1, c = 0, offset = tau, [lo, hi] = [0, 1]`` (below the mean:
``c = 1, offset = 0``). See :mod:`.pieces_finish` for how the pieces are used.
"""

from __future__ import annotations

import numpy as np

from .pieces_lp import Pieces, Relaxation

__all__ = ["ScenarioPieces"]


class ScenarioPieces:
    """The scenario pieces of one data set (see the module docstring).

    Parameters
    ----------
    returns : np.ndarray, shape (T, N), float64
    sign, centred, offset, lo, hi : float
        The piece's form.
    """

    def __init__(
        self,
        returns: np.ndarray,
        sign: float,
        centred: float,
        offset: float,
        lo: float,
        hi: float,
    ) -> None:
        self.returns = returns
        self.mu = returns.mean(axis=0)
        self.n_rows, self.n_assets = returns.shape
        self.sign, self.centred, self.offset, self.lo, self.hi = sign, centred, offset, lo, hi

    def returns_of(self, w: np.ndarray) -> np.ndarray:
        """``R w`` (T,)."""
        return self.returns @ w

    def lin(self, x: np.ndarray) -> np.ndarray:
        """``l_t`` (T,) of portfolio returns ``x`` (T,)."""
        return self.sign * (x - self.centred * x.mean()) + self.offset

    def value(self, x: np.ndarray) -> float:
        """``mean_t max(lo l_t, hi l_t)``."""
        lin = self.lin(x)
        return float(np.maximum(self.lo * lin, self.hi * lin).mean())

    def relaxation(self, x_c: np.ndarray, window: np.ndarray, linear: np.ndarray) -> Relaxation:
        """Slopes fixed at their side at ``x_c`` except on ``window`` (scenario ids)."""
        slopes = np.where(self.lin(x_c) >= 0, self.hi, self.lo)
        slopes[window] = 0.0
        t = float(self.n_rows)
        g0 = (
            linear
            + self.sign * (self.returns.T @ slopes - self.centred * slopes.sum() * self.mu) / t
        )
        rows = self.sign * (self.returns[window] - self.centred * self.mu)
        size = window.size
        pieces = Pieces(
            rows,
            np.full(size, self.offset),
            np.full(size, self.lo),
            np.full(size, self.hi),
            1.0 / t,
        )
        return Relaxation(g0, self.offset * float(slopes.sum()) / t, pieces)

    def near(self, x_c: np.ndarray, width: int) -> np.ndarray:
        """The ``width`` scenarios with the smallest ``|l_t|``."""
        dist = np.abs(self.lin(x_c))
        width = min(width, dist.size)
        return np.sort(np.argpartition(dist, width - 1)[:width])

    def wrong(self, x_c: np.ndarray, x_new: np.ndarray, cap: int) -> np.ndarray:
        """Scenarios whose ``l_t`` changed sign, the farthest from the kink first."""
        before, after = self.lin(x_c), self.lin(x_new)
        changed = np.nonzero((before >= 0) != (after >= 0))[0]
        order = np.argsort(-np.abs(after[changed]))
        return np.sort(changed[order[:cap]])
