"""A primal-dual path (Mehrotra predictor-corrector) towards the barrier's last centre.

For ``min f(x)`` s.t. ``A x <= 0`` (:class:`.budget_barrier_function.BarrierFunction`)
with slacks ``s = -A x`` and multipliers ``lambda > 0``, a step solves

    (hess f + A' diag(lambda / s) A) dx = -(grad f + A' c),
    d_lambda = c - lambda - (lambda / s) ds,      ds = -A dx,

with ``c = sigma mu / s`` (and Mehrotra's second-order term), ``mu = s.lambda / m``: the
barrier's Newton system with other row weights. Both are damped by the fraction to the
boundary of ``s``, ``lambda`` and ``y`` (``-b.log y`` keeps ``y > 0``). A few dozen such
steps reach ``s.lambda`` near ``m / t`` for the barrier's last ``t``, which then centres
the point exactly (:func:`.budget_barrier.solve_barrier`); this replaces the barrier's
sequence of centrings, not its answer.
"""

from __future__ import annotations

import numpy as np

from .budget_barrier_function import BarrierFunction

__all__ = ["primal_dual_path"]

MAX_STEPS = 80
"""Primal-dual steps at most before the path is left to the barrier's centrings."""


def _fraction(current: np.ndarray, change: np.ndarray) -> float:
    """The largest ``a <= 1`` keeping ``current + a change >= 0``."""
    falling = change < 0
    if not np.any(falling):
        return 1.0
    return min(1.0, float(np.min(-current[falling] / change[falling])))


def _split(bar: BarrierFunction, whole: np.ndarray) -> tuple[np.ndarray, ...]:
    """``whole`` (m,) as ``(measure rows, nonneg rows, cone rows)``."""
    first, second = bar.a_y.shape[0], bar.a_y.shape[0] + bar.pos.size
    return whole[:first], whole[first:second], whole[second:]


def _step(
    bar: BarrierFunction,
    y: np.ndarray,
    lam: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(dy, dv, ds, d_lambda)`` for row coefficients ``c`` (m,)."""
    weights = _split(bar, lam / s)
    gy, gv = bar.objective_gradient(y, 1.0, _split(bar, c))
    dy, dv = bar.direction(y, 1.0, weights, gy, gv)
    ds = np.concatenate(bar.slacks(dy, dv))
    return dy, dv, ds, c - lam - lam / s * ds


def primal_dual_path(
    bar: BarrierFunction, y: np.ndarray, v: np.ndarray, t_final: float
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """From the strictly interior ``(y, v)`` to ``s.lambda <= m / t_final``: ``(y, v, steps)``,
    or None when a step fails (a singular system or a step that does not move)."""
    s = np.concatenate(bar.slacks(y, v))
    lam = 1.0 / s
    for steps in range(1, MAX_STEPS + 1):
        mu = float(s @ lam) / bar.m
        if mu * t_final <= 1.0:
            return y, v, steps - 1
        try:
            dy, dv, ds, dl = _step(bar, y, lam, s, np.zeros(bar.m))
            a = min(_fraction(s, ds), _fraction(lam, dl), _fraction(y, dy))
            sigma = (float((s + a * ds) @ (lam + a * dl)) / bar.m / mu) ** 3
            target = max(sigma * mu, 0.5 / t_final)
            dy, dv, ds, dl = _step(bar, y, lam, s, (target - ds * dl) / s)
        except (np.linalg.LinAlgError, RuntimeError):
            return None
        a = 0.99 * min(_fraction(s, ds), _fraction(lam, dl), _fraction(y, dy))
        if a < 1e-8:
            return None
        y, v, lam = y + a * dy, v + a * dv, lam + a * dl
        s = np.concatenate(bar.slacks(y, v))
        if not bar.inside(y, v):
            return None
    return None
