"""The relaxed drawdown LP (:mod:`.tail_pairs`) over the feasible polytope as one HiGHS
model that grows: new (peak, day) pairs are appended as rows (and a new day's excess
``d_t`` as a column), and each re-solve starts from the last basis (dual simplex).

Variables ``[x, z, d_1, ..., d_k]`` (``w = D x``, the polytope's lift); rows: the
polytope's, then (capped LPs) the cap ``z + sum d / m <= cap``, then one per pair
``(P_s - P_t) D x - z - d_t <= 0``. The objective: ``linear.w / scale + z + sum d / m``
(min-risk, utility), or ``linear.w / |linear|_inf`` with the cap (max-return).
"""

from __future__ import annotations

import highspy
import numpy as np

__all__ = ["PairModel", "add_dense_rows", "add_polytope_rows", "new_highs", "run_highs"]

INF = highspy.kHighsInf

_Highs = getattr(highspy, "_Highs", highspy.Highs)
"""HiGHS's own class (exported by highspy as ``_Highs``): the public ``highspy.Highs``
prints a banner to stdout when made (before any option can silence it), which would
spoil the CLI's output. A highspy without ``_Highs`` falls back to the public class."""


def new_highs() -> object:
    """A silent HiGHS model (simplex)."""
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    return h


def add_dense_rows(highs: object, a: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    """Append rows ``lower <= a y <= upper`` (``a`` (k, n) over the first ``n`` columns)."""
    if a.shape[0] == 0:
        return
    idx = np.nonzero(a)
    starts = np.searchsorted(idx[0], np.arange(a.shape[0])).astype(np.int32)
    highs.addRows(
        a.shape[0],
        np.asarray(lower, dtype=np.float64),
        np.asarray(upper, dtype=np.float64),
        idx[0].size,
        starts,
        idx[1].astype(np.int32),
        a[idx].astype(np.float64),
    )


def add_polytope_rows(highs: object, polytope: object) -> None:
    """The polytope's inequality and equality rows over the first ``n_x`` columns."""
    a_ub = np.asarray(polytope.a_ub, dtype=np.float64)
    add_dense_rows(highs, a_ub, np.full(a_ub.shape[0], -INF), polytope.b_ub)
    add_dense_rows(highs, np.asarray(polytope.a_eq, dtype=np.float64), polytope.b_eq, polytope.b_eq)


class PairModel:
    """A HiGHS model of the relaxation (module docstring).

    Parameters
    ----------
    polytope : Polytope
    linear : ndarray, shape (N,)
        The linear term, in data units.
    mass : float
        The tail mass ``m``.
    scale : float
        The path's scale (the LP's drawdowns are the data's divided by it).
    cap : float, optional
        A cap on ``rho`` in data units: then the model maximises ``-linear.w`` under it.
    """

    def __init__(
        self,
        polytope: object,
        linear: np.ndarray,
        mass: float,
        scale: float,
        cap: float | None = None,
    ) -> None:
        self.lift = np.asarray(polytope.lift, dtype=np.float64)
        self.n_x = int(self.lift.shape[1])
        self.mass, self.cap = mass, cap
        self.day_column: dict[int, int] = {}
        self.pair_row0 = 0
        h = self.highs = new_highs()
        self.mu_scale = float(np.abs(linear).max()) or 1.0
        x_cost = (linear / (scale if cap is None else self.mu_scale)) @ self.lift
        h.addCols(
            self.n_x + 1,
            np.concatenate([x_cost, [1.0 if cap is None else 0.0]]),
            np.concatenate([polytope.lower, [0.0]]),
            np.concatenate([polytope.upper, [INF]]),
            0,
            np.zeros(self.n_x + 2, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        add_polytope_rows(h, polytope)
        if cap is not None:
            add_dense_rows(h, np.eye(1, self.n_x + 1, self.n_x), [-INF], [cap / scale])
        self.pair_row0 = int(h.getNumRow())

    def add_pairs(self, a_w: np.ndarray, days: np.ndarray) -> None:
        """Append the rows ``a_w[k] D x - z - d_{days[k]} <= 0`` (``a_w`` (K, N) the
        pairs' ``P_s - P_t`` scaled), adding the missing days' columns first."""
        fresh = [int(t) for t in dict.fromkeys(days.tolist()) if int(t) not in self.day_column]
        if fresh:
            self._add_days(fresh)
        k = a_w.shape[0]
        dense = a_w @ self.lift
        cols = np.array([self.day_column[int(t)] for t in days], dtype=np.int32)
        n = self.n_x
        index = np.empty((k, n + 2), dtype=np.int32)
        index[:, :n] = np.arange(n)
        index[:, n] = n
        index[:, n + 1] = cols
        value = np.hstack([dense, -np.ones((k, 2))])
        starts = (np.arange(k) * (n + 2)).astype(np.int32)
        self.highs.addRows(
            k, np.full(k, -INF), np.zeros(k), k * (n + 2), starts, index.ravel(), value.ravel()
        )

    def _add_days(self, fresh: list[int]) -> None:
        """Columns ``d_t >= 0`` for the days ``fresh`` (in the cap row when capped)."""
        h, k = self.highs, len(fresh)
        first = int(h.getNumCol())
        for j, t in enumerate(fresh):
            self.day_column[t] = first + j
        capped = self.cap is not None
        cost = np.full(k, 0.0 if capped else 1.0 / self.mass)
        starts = (np.arange(k) if capped else np.zeros(k)).astype(np.int32)
        cap_row = self.pair_row0 - 1
        index = np.full(k if capped else 0, cap_row, dtype=np.int32)
        value = np.full(index.size, 1.0 / self.mass)
        h.addCols(k, cost, np.zeros(k), np.full(k, INF), index.size, starts, index, value)

    def excesses(self, v: np.ndarray, n_days: int) -> np.ndarray:
        """The excesses ``d`` (T,) of a solution's ``v = [z, d]`` by day (0 without one)."""
        d = np.zeros(n_days)
        days = np.fromiter(self.day_column.keys(), dtype=np.int64)
        cols = np.fromiter(self.day_column.values(), dtype=np.int64)
        d[days] = v[cols - self.n_x]
        return d

    def solve(self) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """Re-solve from the last basis: ``(status, x (n_x,), v = [z, d] in column order,
        row duals (rows,))``; status ``"exact"`` or HiGHS's model status."""
        status, col, duals = run_highs(self.highs)
        return status, col[: self.n_x], col[self.n_x :], duals


def run_highs(highs: object) -> tuple[str, np.ndarray, np.ndarray]:
    """Solve (from the last basis): ``(status, column values, row duals)``; status
    ``"exact"`` at an optimum, else HiGHS's model status (and empty arrays)."""
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return highs.modelStatusToString(status), np.zeros(0), np.zeros(0)
    sol = highs.getSolution()
    col = np.asarray(sol.col_value, dtype=np.float64)
    return "exact", col, np.asarray(sol.row_dual, dtype=np.float64)
