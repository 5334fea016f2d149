"""The exact drawdown LP by constraint generation over (peak, day) pairs.

The full LP (:mod:`.tail_form`, one running peak per day) is solved through its
relaxation over a few pairs (:mod:`.tail_pairs`): solve the relaxation
(:class:`.tail_pair_model.PairModel`, warm re-solves), compute every day's drawdown at
its weights ``w*`` exactly (O(T N), a running maximum), add the peak pair of each tail day
whose drawdown the relaxation under-states, repeat. When no tail day is under-stated by
more than ``tol``, the relaxation's value at ``w*`` is the exact tail mean at ``w*`` (to
``tol``): its top-``m`` days carry their true drawdowns. So ``w*`` is optimal for the full
LP: for min-risk, ``rho_S <= rho`` bounds the full optimum below by the relaxation's, which
``w*`` attains; with a cap, the relaxation's feasible set contains the full one, and
``w*`` is feasible for the full one. The relaxation's row multipliers certify a lower
bound through :func:`.tail_lp.minorant_bound` (a relaxation's minorant bounds ``rho``).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .tail_form import TailForm
from .tail_lp import TailSolution
from .tail_pair_model import PairModel
from .tail_pairs import START, pair_form, peak_pairs

__all__ = ["MAX_ROUNDS", "failed_solution", "solve_drawdown_lp"]

MAX_ROUNDS = 60
"""Rounds of generation before giving up (the caller then solves the full LP)."""

FIRST_DAYS = 2.0
"""The first pairs: the peaks of the worst ``FIRST_DAYS * m`` days (at least 64) at the
start weights."""

ADD_FACTOR, ADD_LEAST = 1.0, 64
"""Each round adds the under-stated days among the worst ``max(ADD_FACTOR * m, ADD_LEAST)``."""

TOL = 1e-13
"""Under-statements below ``TOL * max(1, max drawdown)`` (scaled units) are not added."""


def _path(returns: np.ndarray) -> tuple[np.ndarray, float]:
    """The cumulative path (T, N) divided by its scale, and the scale."""
    path = np.cumsum(returns, axis=0)
    scale = float(np.abs(path).max()) or 1.0
    return path / scale, scale


def _pair_rows(path: np.ndarray, starts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """``P_s - P_t`` (K, N) of the pairs (``P_START = 0``)."""
    peak = np.where(starts[:, None] != START, path[np.maximum(starts, 0)], 0.0)
    return peak - path[days]


def _first_pairs(path: np.ndarray, start: np.ndarray, mass: float) -> tuple[np.ndarray, ...]:
    """The peak pairs ``(starts, days)`` of the worst days at ``start`` (N,)."""
    w = start if np.all(np.isfinite(start)) else np.full(path.shape[1], 1.0 / path.shape[1])
    dd, peak = peak_pairs(path, w)
    k = min(dd.shape[0], max(64, math.ceil(FIRST_DAYS * mass)))
    days = np.sort(np.argpartition(-dd, k - 1)[:k]) if k < dd.shape[0] else np.arange(k)
    return peak[days], days


def _under_stated(
    path: np.ndarray,
    w: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    level: tuple[float, np.ndarray],
    mass: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The peak pairs ``(starts, days)`` to add at ``w`` (N,), none when ``w`` is optimal.

    ``pairs``: the relaxation's rows ``P_s - P_t`` (K, N) and days (K,); ``level``: its
    ``z`` and excesses ``d`` (T,) (0 for days without a pair). A day is under-stated when
    its drawdown exceeds its pairs' largest loss (0 without one). ``w`` is optimal (to
    :data:`TOL`) when no under-stated day is among the top ``ceil(m)`` (the tail mean at
    ``w`` is then the relaxation's), or when none breaks ``D_t <= z + d_t`` (``(w, z, d)``
    is then feasible for the full LP); else the under-stated days of either kind."""
    dd, peak = peak_pairs(path, w)
    kept = np.zeros(dd.shape[0])
    np.maximum.at(kept, pairs[1], pairs[0] @ w)
    tol = TOL * max(1.0, float(dd.max(initial=0.0)))
    under = dd > kept + tol
    order = np.argsort(-dd, kind="stable")
    in_top = np.zeros(dd.shape[0], dtype=bool)
    in_top[order[: math.ceil(mass)]] = True
    above = under & (dd - level[0] - level[1] > tol)
    if not (under & in_top).any() or not above.any():
        return peak[:0], np.zeros(0, dtype=np.int64)
    in_top[order[: max(math.ceil(ADD_FACTOR * mass), ADD_LEAST)]] = True
    bad = np.flatnonzero(under & in_top)
    return peak[bad], bad


def solve_drawdown_lp(
    returns: np.ndarray,
    mass: float,
    polytope: Any,
    linear: np.ndarray,
    start: np.ndarray,
    radius: float,
    cap: float | None = None,
) -> tuple[TailForm | None, TailSolution]:
    """``min rho(w) + linear.w`` (or, with ``cap``, ``max -linear.w s.t. rho(w) <= cap``)
    over the polytope, ``rho`` the mean of the worst ``mass`` drawdowns of ``returns``
    (T, N), by constraint generation from the weights ``start`` (N,); ``radius`` bounds
    ``|w|_1`` (the certificate's box).

    Returns
    -------
    (TailForm or None, TailSolution)
        The relaxation's form (its rows in the solution's multipliers' order) and the
        solution as :func:`.tail_lp.solve_tail_lp` gives it; form None and status
        ``"rounds"`` when :data:`MAX_ROUNDS` did not settle it, or HiGHS's status.
    """
    began = time.perf_counter()
    path, scale = _path(returns)
    model = PairModel(polytope, linear, mass, scale, cap)
    starts, days = _first_pairs(path, start, mass)
    rows = _pair_rows(path, starts, days)
    model.add_pairs(rows, days)
    for _ in range(MAX_ROUNDS):
        status, x, v, duals = model.solve()
        if status != "exact":
            return None, failed_solution(polytope, status, began)
        w = model.lift @ x
        level = (float(v[0]), model.excesses(v, path.shape[0]))
        new_starts, new_days = _under_stated(path, w, (rows, days), level, mass)
        if new_days.size == 0:
            big = 2.0 * radius * float(np.abs(path).max()) + 1.0
            form = pair_form(path, starts, days, mass, big, scale)
            return form, _solution(model, w, v, duals, scale, began)
        new_rows = _pair_rows(path, new_starts, new_days)
        model.add_pairs(new_rows, new_days)
        starts = np.concatenate([starts, new_starts])
        days = np.concatenate([days, new_days])
        rows = np.vstack([rows, new_rows])
    return None, failed_solution(polytope, "rounds", began)


def _solution(
    model: PairModel, w: np.ndarray, v: np.ndarray, duals: np.ndarray, scale: float, began: float
) -> TailSolution:
    """The :class:`TailSolution` of the settled relaxation (multipliers per pair row)."""
    value = float(v[0] + v[1:].sum() / model.mass) * scale
    lam = np.maximum(-duals[model.pair_row0 :], 0.0)
    cap_mult = np.nan
    if model.cap is not None:
        cap_dual = -float(duals[model.pair_row0 - 1])
        cap_mult = cap_dual * model.mu_scale / scale
        lam = lam / max(cap_dual, 1e-300)
    return TailSolution(w, value, lam, cap_mult, "exact", time.perf_counter() - began)


def failed_solution(polytope: Any, status: str, began: float) -> TailSolution:
    """A failed solve's :class:`TailSolution` (NaN weights)."""
    nan = np.full(np.asarray(polytope.lift).shape[0], np.nan)
    return TailSolution(nan, np.nan, np.zeros(0), np.nan, status, time.perf_counter() - began)
