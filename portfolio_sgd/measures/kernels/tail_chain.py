"""The average drawdown's exact LP by generating its peak rows.

The mean drawdown is ``rho(w) = min sum_t u_t / T - Pbar.w`` over running peaks
``u_t >= u_{t-1}``, ``u >= 0``, ``u_s >= P_s.w`` (``P = cumsum(R)``, ``Pbar`` its mean over
days): every day carries a drawdown, but only the days that are (or may become) a new
high need their dense peak row. The relaxation keeps the sparse chain for every day and
the peak rows of a set ``S``; each round solves it (HiGHS, warm from the last basis),
reads the path ``c = P w*`` at its weights, and adds the rows ``c_s > u*_s`` breaks. When
none is broken, ``(w*, u*)`` is feasible for the full LP and ``rho_S(w*) <= rho(w*)`` is
the relaxation's optimum, a lower bound on the full one: ``w*`` is optimal.

The certificate reads the relaxation's multipliers as multipliers of the full
:func:`.tail_form.tail_form` rows (peak rows outside ``S``: 0; tail rows ``d_t >= u_t - P_t w
- z``: ``1 / T``, which leaves ``z`` and ``d`` reduced costs 0), so
:func:`.tail_lp.minorant_bound` of the full form bounds the optimum.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .tail_cuts import failed_solution
from .tail_form import TailForm, tail_form
from .tail_lp import TailSolution
from .tail_pair_model import INF, add_dense_rows, add_polytope_rows, new_highs, run_highs

__all__ = ["solve_mean_drawdown_lp"]

MAX_ROUNDS = 60
"""Rounds before giving up (the caller then solves the full LP)."""

TOL = 1e-13
"""Peak rows broken by less than ``TOL * max(1, max |c|)`` (scaled units) are not added."""


class _ChainModel:
    """Columns ``[x, u_1..u_T]``; rows: the polytope's, (capped) the cap, the chain
    ``u_t - u_{t+1} <= 0``, then the peak rows ``P_s D x - u_s <= 0`` as added."""

    def __init__(
        self, polytope: Any, path: np.ndarray, linear: np.ndarray, scale: float, cap: float | None
    ) -> None:
        self.lift = np.asarray(polytope.lift, dtype=np.float64)
        self.path, self.cap = path, cap
        n_x, t = self.lift.shape[1], path.shape[0]
        self.n_x, self.n_days = n_x, t
        self.mu_scale = float(np.abs(linear).max()) or 1.0
        drift = -path.mean(axis=0) @ self.lift
        if cap is None:
            x_cost, u_cost = (linear / scale) @ self.lift + drift, np.full(t, 1.0 / t)
        else:
            x_cost, u_cost = (linear / self.mu_scale) @ self.lift, np.zeros(t)
        h = self.highs = new_highs()
        empty = np.zeros(n_x + t + 1, dtype=np.int32)
        h.addCols(
            n_x + t,
            np.concatenate([x_cost, u_cost]),
            np.concatenate([polytope.lower, np.zeros(t)]),
            np.concatenate([polytope.upper, np.full(t, INF)]),
            0,
            empty,
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        add_polytope_rows(h, polytope)
        if cap is not None:
            row = np.concatenate([drift, np.full(t, 1.0 / t)])[None, :]
            add_dense_rows(h, row, [-INF], [cap / scale])
        self.chain_row0 = int(h.getNumRow())
        k = t - 1
        index = np.column_stack([n_x + np.arange(k), n_x + 1 + np.arange(k)]).astype(np.int32)
        value = np.tile([1.0, -1.0], k)
        starts = (2 * np.arange(k)).astype(np.int32)
        h.addRows(k, np.full(k, -INF), np.zeros(k), 2 * k, starts, index.ravel(), value)
        self.peak_days: list[int] = []

    def add_peaks(self, days: np.ndarray) -> None:
        """Append the peak rows ``P_s D x - u_s <= 0`` of ``days``."""
        k, n = days.shape[0], self.n_x
        dense = self.path[days] @ self.lift
        index = np.empty((k, n + 1), dtype=np.int32)
        index[:, :n] = np.arange(n)
        index[:, n] = n + days
        value = np.hstack([dense, -np.ones((k, 1))])
        starts = (np.arange(k) * (n + 1)).astype(np.int32)
        self.highs.addRows(
            k, np.full(k, -INF), np.zeros(k), k * (n + 1), starts, index.ravel(), value.ravel()
        )
        self.peak_days += days.tolist()


def solve_mean_drawdown_lp(
    returns: np.ndarray,
    polytope: Any,
    linear: np.ndarray,
    start: np.ndarray,
    radius: float,
    cap: float | None = None,
) -> tuple[TailForm | None, TailSolution]:
    """``min rho(w) + linear.w`` (with ``cap``: ``max -linear.w s.t. rho(w) <= cap``) over
    the polytope, ``rho`` the mean drawdown of ``returns`` (T, N), from the weights
    ``start`` (N,); ``radius`` bounds ``|w|_1``.

    Returns
    -------
    (TailForm or None, TailSolution)
        The full form (``mass = T``) with multipliers of its rows, as
        :func:`.tail_lp.solve_tail_lp` gives them; form None when it did not settle.
    """
    began = time.perf_counter()
    form = tail_form(returns, float(returns.shape[0]), True, radius)
    path = np.cumsum(returns, axis=0) / form.scale
    model = _ChainModel(polytope, path, linear, form.scale, cap)
    w = start if np.all(np.isfinite(start)) else np.full(path.shape[1], 1.0 / path.shape[1])
    c = path @ w
    model.add_peaks(np.flatnonzero(c >= np.maximum(np.maximum.accumulate(c), 0.0)))
    for _ in range(MAX_ROUNDS):
        status, col, duals = run_highs(model.highs)
        if status != "exact":
            return None, failed_solution(polytope, status, began)
        w, u = model.lift @ col[: model.n_x], col[model.n_x :]
        c = path @ w
        broken = np.flatnonzero(c > u + TOL * max(1.0, float(np.abs(c).max())))
        if broken.size == 0:
            return form, _solution(model, form, w, u, duals, began)
        model.add_peaks(broken)
    return None, failed_solution(polytope, "rounds", began)


def _solution(
    model: _ChainModel,
    form: TailForm,
    w: np.ndarray,
    u: np.ndarray,
    duals: np.ndarray,
    began: float,
) -> TailSolution:
    """The solution, its multipliers laid on the full form's rows (module docstring)."""
    t = model.n_days
    lam = np.maximum(-duals, 0.0)
    value = float(u.mean() - model.path.mean(axis=0) @ w) * form.scale
    cap_mult, cap_dual = np.nan, 1.0
    if model.cap is not None:
        cap_dual = max(float(lam[model.chain_row0 - 1]), 1e-300)
        cap_mult = float(lam[model.chain_row0 - 1]) * model.mu_scale / form.scale
    full = np.zeros(3 * t - 1)
    full[np.asarray(model.peak_days, dtype=np.int64)] = lam[model.chain_row0 + t - 1 :]
    full[t : 2 * t - 1] = lam[model.chain_row0 : model.chain_row0 + t - 1]
    full[: 2 * t - 1] /= cap_dual
    full[2 * t - 1 :] = 1.0 / t
    return TailSolution(w, value, full, cap_mult, "exact", time.perf_counter() - began)
