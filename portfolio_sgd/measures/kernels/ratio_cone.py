"""The Charnes-Cooper homogenisation of a weight polytope, for max-ratio programs.

A ratio ``(e.w) / rho(w)`` with a positively homogeneous ``rho`` is maximised over the
polytope ``C = {D x : A_ub x <= b_ub, A_eq x = b_eq, lower <= x <= upper}`` by one convex
program in ``xi = k x`` and ``k >= 0`` (Charnes & Cooper 1962): minimise ``rho(D xi)``
subject to ``e.D xi = c`` and the polytope's rows scaled by ``k``
(``A_eq xi = b_eq k``, ``A_ub xi <= b_ub k``, ``lower k <= xi <= upper k``); then
``w = D xi / k`` and the best ratio is ``c / rho(D xi*)``.

The variable here is ``(z, k)`` with ``xi = z + l k`` (``l`` the finite lower bounds, 0
elsewhere), so the scaled lower bounds are plain bounds ``z >= 0`` (what an active-set
method eliminates cheaply) and only the upper bounds that the budget does not already
imply stay as rows ``z_i - (u_i - l_i) k <= 0``. ``c`` is the excess at the start point,
so ``k`` is of order 1 near the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

__all__ = ["RatioCone", "ratio_cone"]


@dataclass(frozen=True)
class RatioCone:
    """The homogenised set in ``x = (z, k)`` (n_x + 1 variables).

    Attributes
    ----------
    lift : ndarray, shape (N, n_x + 1)
        ``y = k w = lift @ x``.
    a_eq, b_eq : ndarray, shapes (m_eq, n_x + 1), (m_eq,)
        The excess row ``e.y = c`` first, then the scaled equality rows (right side 0).
    a_ub : ndarray, shape (m_ub, n_x + 1)
        The scaled inequality rows and the upper-bound rows (``<= 0``), unit norm.
    lower, upper : ndarray, shape (n_x + 1,)
        ``z >= 0`` where the bound was finite (``-inf`` else), ``k >= 0``; no upper bound.
    start : ndarray, shape (n_x + 1,)
        A feasible point: the polytope's largest-excess vertex, with ``k = 1``.
    """

    lift: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    start: np.ndarray

    def weights(self, x: np.ndarray) -> np.ndarray:
        """The weights ``w = y / k`` (N,) of a point ``x`` with ``k > 0``."""
        return self.lift @ x / x[-1]


def ratio_cone(
    polytope: Any, excess: np.ndarray, vertex: np.ndarray | None = None
) -> RatioCone | None:
    """The homogenised ``polytope`` for the excess returns ``excess`` (N,), or None when
    no point of it has a positive excess (or its LP fails).

    Parameters
    ----------
    polytope : Polytope
        The feasible set's standard form (``Constraints.linear_oracle(n).polytope()``).
    excess : ndarray, shape (N,)
        ``mu - rf``: the numerator's linear form.
    vertex : ndarray, shape (N,), optional
        The set's largest-excess vertex (its linear oracle's), used as the start where
        the polytope's variable is the weights; otherwise an LP finds one.
    """
    lift = np.asarray(polytope.lift, dtype=np.float64)
    e_x = excess @ lift
    x0 = _start(polytope, e_x, vertex)
    if x0 is None or not float(e_x @ x0) > 0:
        return None
    m_eq = polytope.a_eq.shape[0]
    low = np.where(np.isfinite(polytope.lower), polytope.lower, 0.0)
    a_ub = np.vstack([_scaled(polytope.a_ub, polytope.b_ub, low), _upper_rows(polytope, low)])
    a_eq = np.vstack([np.append(e_x, e_x @ low), _scaled(polytope.a_eq, polytope.b_eq, low)])
    lower = np.append(np.where(np.isfinite(polytope.lower), 0.0, -np.inf), 0.0)
    start = np.append(x0 - low, 1.0)
    b_eq = np.concatenate([[float(e_x @ x0)], np.zeros(m_eq)])
    norms = np.linalg.norm(a_ub, axis=1) if a_ub.shape[0] else np.zeros(0)
    a_ub = a_ub / np.where(norms > 0, norms, 1.0)[:, None]
    upper = np.full(lower.size, np.inf)
    return RatioCone(np.column_stack([lift, lift @ low]), a_eq, b_eq, a_ub, lower, upper, start)


def _start(polytope: Any, e_x: np.ndarray, vertex: np.ndarray | None) -> np.ndarray | None:
    """A largest-excess point of the polytope in its variable (n_x,): ``vertex`` where the
    variable is the weights and it satisfies the rows (to 1e-11), else HiGHS's vertex."""
    lift = polytope.lift
    if (
        vertex is not None
        and lift.shape[0] == lift.shape[1]
        and np.array_equal(lift, np.eye(lift.shape[0]))
    ):
        x = np.asarray(vertex, dtype=np.float64)
        viol = max(
            float(np.max(polytope.lower - x, initial=0.0)),
            float(np.max(x - polytope.upper, initial=0.0)),
            float(np.max(np.abs(polytope.a_eq @ x - polytope.b_eq), initial=0.0)),
            float(np.max(polytope.a_ub @ x - polytope.b_ub, initial=0.0)),
        )
        if viol <= 1e-11:
            return x
    m_ub, m_eq = polytope.a_ub.shape[0], polytope.a_eq.shape[0]
    res = linprog(
        -e_x,
        A_ub=polytope.a_ub if m_ub else None,
        b_ub=polytope.b_ub if m_ub else None,
        A_eq=polytope.a_eq if m_eq else None,
        b_eq=polytope.b_eq if m_eq else None,
        bounds=np.column_stack([polytope.lower, polytope.upper]),
        method="highs-ds",
    )
    return res.x if res.status == 0 else None


def _scaled(a: np.ndarray, b: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Rows ``a xi - b k`` in ``(z, k)`` with ``xi = z + low k``: ``[a, a low - b]``."""
    return np.column_stack([a, a @ low - b])


def _upper_rows(polytope: Any, low: np.ndarray) -> np.ndarray:
    """The rows ``z_i - (u_i - l_i) k <= 0`` (m, n_x + 1) of the finite upper bounds that
    the budget row and the lower bounds do not already imply."""
    upper = np.asarray(polytope.upper, dtype=np.float64)
    keep = np.isfinite(upper)
    budget = _budget(polytope)
    if budget is not None and np.isfinite(polytope.lower).all():
        reach = budget - (low.sum() - low)  # the most x_i can be, given the others' floors
        keep &= upper < reach - 1e-12 * max(1.0, abs(budget))
    idx = np.flatnonzero(keep)
    rows = np.zeros((idx.size, low.size + 1))
    rows[np.arange(idx.size), idx] = 1.0
    rows[:, -1] = -(upper[idx] - low[idx])
    return rows


def _budget(polytope: Any) -> float | None:
    """The right side of an all-ones equality row over ``x``, or None."""
    for row, rhs in zip(polytope.a_eq, polytope.b_eq, strict=True):
        if np.all(row == 1.0):
            return float(rhs)
    return None
