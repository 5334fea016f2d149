"""The drawdown LP restricted to (peak, day) pairs: the rows of a constraint generation.

The drawdown of day ``t`` at weights ``w`` is ``D_t(w) = max_{s <= t} (P_s - P_t).w`` over
the cumulative path ``P = cumsum(R)`` with the starting wealth ``P_{-1} = 0`` among the
peaks (so ``D_t >= 0``). The tail mean of the worst ``m`` drawdowns is

    rho(w) = min  z + sum_t d_t / m
             s.t. (P_s - P_t).w - z - d_t <= 0   for every pair s <= t,
                  z >= 0,  d >= 0

(``z >= 0`` loses nothing: the drawdowns are ``>= 0``). Keeping only some pairs, and ``d``
only for the days that have a pair, gives ``rho_S(w) <= rho(w)`` for every ``w``: a
relaxation. Its rows are a :class:`~.tail_form.TailForm` over ``v = [z, d_S]`` whose box
``[0, big]`` holds at an optimum of the relaxation for ``|w|_1 <= radius``, so its row
multipliers give a proven lower bound on the relaxation, hence on ``rho``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .tail_form import TailForm

__all__ = ["pair_form", "peak_pairs"]

START = -1
"""The index of the starting wealth ``P_{-1} = 0`` as a peak."""


def peak_pairs(path: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The drawdowns (T,) of the path ``path`` (T, N) at weights ``w`` (N,) and each
    day's peak (T,) int: the latest ``s <= t`` with ``P_s.w`` the running maximum, or
    :data:`START` where the starting wealth 0 is the peak. O(T N)."""
    c = path @ w
    n = c.shape[0]
    top = np.maximum.accumulate(c)
    reached = np.where(c >= top, np.arange(n), 0)
    peak = np.maximum.accumulate(reached)
    peak = np.where(top > 0.0, peak, START)
    return np.maximum(top, 0.0) - c, peak


def pair_form(
    path: np.ndarray,
    starts: np.ndarray,
    days: np.ndarray,
    mass: float,
    big: float,
    scale: float,
) -> TailForm:
    """The relaxation's form over the pairs ``(starts[k], days[k])``.

    Parameters
    ----------
    path : ndarray, shape (T, N)
        The cumulative path, already divided by ``scale``.
    starts, days : ndarray, shape (K,) int
        Peaks (:data:`START` for the starting wealth) and days, ``starts <= days``.
    mass : float
        The tail mass ``m``.
    big : float
        The box's upper end (``>=`` every pair's loss within the radius).
    scale : float
        What the data were divided by.

    Returns
    -------
    TailForm
        ``v = [z, d_u]`` with ``u = unique(days)`` (the form's ``days`` order).
    """
    unique, column = np.unique(days, return_inverse=True)
    k = days.shape[0]
    peak = np.where(starts[:, None] >= 0, path[np.maximum(starts, 0)], 0.0)
    a_w = sp.csr_matrix(peak - path[days])
    cols = np.concatenate([np.zeros(k, dtype=np.int64), 1 + column])
    rows = np.concatenate([np.arange(k), np.arange(k)])
    a_v = sp.csr_matrix((-np.ones(2 * k), (rows, cols)), shape=(k, 1 + unique.shape[0]))
    cost = np.concatenate([[1.0], np.full(unique.shape[0], 1.0 / mass)])
    lower = np.zeros(cost.shape[0])
    upper = np.full(cost.shape[0], big)
    return TailForm(a_w, a_v, cost, lower, upper, scale, lower.copy())
