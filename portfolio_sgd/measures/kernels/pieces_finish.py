"""Exact finish and dual bound of a piecewise-linear measure, by a window of free pieces.

A :class:`PiecesModel` (one per measure: scenarios for MAD and the lower partial moments,
pairs of scenarios for the Gini mean difference) fixes every piece's slope to its side at
a *centre* portfolio and frees a window of pieces near their kink (:mod:`.pieces_lp`).

* :func:`pieces_bound` at a point ``w``: the window is the pieces nearest their kink at
  ``w``; the LP's duals give window slopes and :meth:`~.pieces_lp.Relaxation.bound` a proven
  lower bound on ``min_C rho + linear.w`` (the larger of it and the plain subgradient
  bound, all sides fixed at ``w``).
* :func:`pieces_finish` from a point: the relaxation is minimised over a trust box around
  the centre; its value equals the measure's at the LP point exactly when no fixed piece
  changed side, and then, if no box bound binds, the point is an exact optimum over ``C``
  (the relaxation is below the measure everywhere and equal at the point). Otherwise the
  pieces that changed side join the window (a cut), the centre moves to the better point
  and the box widens. Every round is ``O(T log T)`` besides the LP, whose size is the
  window's, so it runs where the full LP (``T`` or ``T^2`` rows) is out of reach.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .cvar_lp import lifted_point
from .pieces_lp import Relaxation, solve_relaxation

__all__ = ["FinishRow", "PiecesModel", "PiecesOptions", "pieces_bound", "pieces_finish"]


class PiecesModel(Protocol):
    """A measure's pieces on one data set (returns (T, N), float64)."""

    n_assets: int

    def value(self, x: np.ndarray) -> float:
        """The exact measure of portfolio returns ``x`` (T,)."""

    def relaxation(self, x_c: np.ndarray, window: np.ndarray, linear: np.ndarray) -> Relaxation:
        """Sides fixed at ``x_c`` (T,), the pieces ``window`` (ids) free, plus ``linear.w``."""

    def near(self, x_c: np.ndarray, width: int) -> np.ndarray:
        """Ids of up to ``width`` pieces nearest their kink at ``x_c``."""

    def wrong(self, x_c: np.ndarray, x_new: np.ndarray, cap: int) -> np.ndarray:
        """Ids of up to ``cap`` pieces on another side at ``x_new`` than at ``x_c``."""

    def returns_of(self, w: np.ndarray) -> np.ndarray:
        """Portfolio returns ``R w`` (T,)."""


@dataclass(frozen=True)
class PiecesOptions:
    """Knobs of the window LPs.

    Attributes
    ----------
    width : int
        Window pieces, at least (widened to ``4 N``).
    max_rounds : int
        LPs of the finish before it stops without a claim.
    max_window : int
        Largest window of the finish.
    trust : float
        Initial half-width of the trust box (weights).
    time_limit : float, optional
        Seconds per LP (default None: no clock limit, so the same command takes the same
        path on a loaded machine as on a quiet one).
    lp_iterations : float
        Simplex iterations per LP, per row and column of the LP (a counted-work limit).
    rel_tol : float
        The LP value and the measure agree within this (relative): the point is exact.
    """

    width: int = 64
    max_rounds: int = 12
    max_window: int = 40_000
    trust: float = 0.05
    time_limit: float | None = None
    lp_iterations: float = 50.0
    rel_tol: float = 1e-9


@dataclass(frozen=True)
class FinishRow:
    """What the finish did for one run (``exact``: verified optimum over the whole set)."""

    status: str
    rounds: int
    window_rows: int
    lp_value: float
    seconds: float

    @property
    def exact(self) -> bool:
        """Whether the row's weights are a verified optimum."""
        return self.status == "exact"


def pieces_bound(
    model: PiecesModel,
    w: np.ndarray,
    feasible: Any,
    linear: np.ndarray,
    options: PiecesOptions | None = None,
) -> tuple[float, float, str]:
    """``(rho(w) + linear.w, proven lower bound on its minimum over C, method)``."""
    opts = options or PiecesOptions()
    x = model.returns_of(w)
    value = model.value(x) + float(linear @ w)
    window = model.near(x, max(opts.width, 4 * model.n_assets))
    relax = model.relaxation(x, window, linear)
    side = relax.pieces.rows @ w + relax.pieces.offset
    sub = relax.bound(np.where(side >= 0, relax.pieces.hi, relax.pieces.lo), feasible)
    point = solve_relaxation(
        relax, feasible.polytope(), time_limit=opts.time_limit, iterations=opts.lp_iterations
    )
    if isinstance(point, str):
        return value, sub, f"subgradient bound (HiGHS: {point})"
    return value, max(sub, relax.bound(point.slopes, feasible)), "window dual LP"


def pieces_finish(
    model: PiecesModel,
    w0: np.ndarray,
    feasible: Any,
    linear: np.ndarray,
    options: PiecesOptions | None = None,
) -> tuple[np.ndarray, FinishRow]:
    """The verified optimum of ``rho + linear.w`` over ``C`` from ``w0`` (N,), or the best
    point found (never worse than ``w0``) with the reason it is not called exact."""
    opts, started = options or PiecesOptions(), time.perf_counter()
    poly = feasible.polytope()
    centre, x_c = w0, model.returns_of(w0)
    f_c = model.value(x_c) + float(linear @ w0)
    window = model.near(x_c, max(opts.width, 4 * model.n_assets))
    delta = max(opts.trust, 2.0 / model.n_assets)
    status, lp_value, rounds = f"inexact ({opts.max_rounds} LPs)", math.nan, 0
    while rounds < opts.max_rounds:
        rounds += 1
        lifted = lifted_point(poly, centre)
        box = delta if lifted is not None else math.inf
        relax = model.relaxation(x_c, window, linear)
        point = solve_relaxation(relax, poly, lifted, box, opts.time_limit, opts.lp_iterations)
        if isinstance(point, str):
            status = f"failed (HiGHS: {point})"
            break
        lp_value, x_new = point.value, model.returns_of(point.w)
        f_new = model.value(x_new) + float(linear @ point.w)
        tight = f_new <= point.value + opts.rel_tol * max(abs(f_new), _scale(x_new))
        if tight and not point.binding:
            centre, status = point.w, "exact"
            break
        delta = _next_radius(delta, f_c, f_new, point.value, tight)
        cut = model.wrong(x_c, x_new, 2 * model.n_assets + 64)
        if cut.size == 0:  # a side change the model does not list: free the new kinks
            cut = model.near(x_new, 2 * model.n_assets)
        window = np.union1d(window, cut)
        if f_new < f_c:
            centre, x_c, f_c = point.w, x_new, f_new
            window = np.union1d(window, model.near(x_c, max(opts.width, 2 * model.n_assets)))
        if window.size > opts.max_window:
            status = f"inexact (window over {opts.max_window})"
            break
    row = FinishRow(status, rounds, int(window.size), lp_value, time.perf_counter() - started)
    return centre, row


def _next_radius(delta: float, f_c: float, f_new: float, model_value: float, tight: bool) -> float:
    """The trust radius after a round: wider when the model was exact at a binding box or
    predicted the decrease well, narrower when it predicted poorly (a trust-region rule)."""
    if tight:
        return delta * 4.0
    predicted = f_c - model_value
    ratio = (f_c - f_new) / predicted if predicted > 0 else 0.0
    if ratio < 0.25:
        return delta * 0.5
    return delta * 2.0 if ratio > 0.75 else delta


def _scale(x: np.ndarray) -> float:
    """A floor for relative tolerances: the mean absolute portfolio return."""
    return float(np.mean(np.abs(x))) or 1.0
