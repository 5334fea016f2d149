"""The exact finish of EVaR over the feasible polytope, and its Frank-Wolfe bound.

``min_{w in C, z > 0} z (log sum_t exp(-R_t.w / z) - log(T (1 - a))) + c.w`` is a
smooth jointly convex problem in ``(w, z)`` (a perspective of log-sum-exp): SLSQP over the
polytope's lifted variables ``x`` (``w = D x``) and ``z``, with the returns scaled to
unit RMS. The bound at any ``w`` is Frank-Wolfe's on the convex ``EVaR(w) + c.w``,
whose gradient is ``-p.R + c`` with the tilted weights ``p`` at ``z*(w)`` (Danskin).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from scipy.optimize import LinearConstraint, minimize
from scipy.special import logsumexp, softmax

from ..entropic import entropic_values

__all__ = ["evar_bound", "evar_finish"]

FINISH_GAP = 1e-8
"""The finish counts as exact when its Frank-Wolfe gap is within this, relative to
``|EVaR(w)| + |c.w|``."""


def _gradient(r: np.ndarray, w: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """``(EVaR(R w), its gradient (N,))``; the gradient is NaN at ``z* = 0`` (max loss)."""
    x = r @ w
    values, levels = entropic_values(-x[:, None], alpha)
    value, z = float(values[0]), float(levels[0])
    if z <= 0.0:
        return value, np.full(w.shape, np.nan)
    return value, -(softmax(-x / z) @ r)


def evar_bound(
    r: np.ndarray, w: np.ndarray, c: np.ndarray, alpha: float, minimize_: Any
) -> tuple[float, float]:
    """``(EVaR(R w) + c.w, Frank-Wolfe lower bound on its minimum over C)``;
    ``minimize_`` is the set's linear oracle ((K, N) -> (K, N)); ``-inf`` without a gradient."""
    value, grad = _gradient(r, w, alpha)
    f = value + float(c @ w)
    if not np.all(np.isfinite(grad)):
        return f, -math.inf
    g = grad + c
    s = minimize_(torch.from_numpy(g[None, :]))[0].to(torch.float64).cpu().numpy()
    return f, f - float(g @ (w - s))


def evar_finish(
    r: np.ndarray, w0: np.ndarray, c: np.ndarray, alpha: float, feasible: Any
) -> tuple[np.ndarray, str, float, float]:
    """``(w, status, value, seconds)``: SLSQP from ``w0``; ``status`` ``"exact"`` when its
    Frank-Wolfe gap is within :data:`FINISH_GAP`."""
    began = time.perf_counter()
    poly = feasible.polytope()
    scale = float(np.sqrt(np.mean(r * r))) or 1.0
    rs, lift = r / scale, poly.lift
    shift = math.log(r.shape[0]) + math.log1p(-alpha)
    n_x = poly.n_x
    cost = -c / scale

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        w, z = lift @ v[:n_x], v[n_x]
        y = -(rs @ w) / z
        lse = logsumexp(y)
        p = softmax(y)
        grad_w = -(p @ rs) - cost
        grad_z = lse - shift - float(p @ y)
        return z * (lse - shift) - float(cost @ w), np.concatenate([grad_w @ lift, [grad_z]])

    z0 = float(entropic_values(-(rs @ w0)[:, None], alpha)[1][0])
    start = np.concatenate([_lifted(poly, w0), [max(z0, 1e-3)]])
    res = minimize(
        fun,
        start,
        jac=True,
        method="SLSQP",
        bounds=[*zip(poly.lower, poly.upper, strict=True), (1e-6, None)],
        constraints=_constraints(poly),
        options={"ftol": 1e-13, "maxiter": 500},
    )
    w = poly.lift @ res.x[:n_x]
    value, lower = evar_bound(r, w, c, alpha, feasible.minimize)
    exact = value - lower <= FINISH_GAP * (abs(value) + abs(float(c @ w)))
    status = "exact" if exact else f"inexact (SLSQP: {res.message})"
    return w, status, value, time.perf_counter() - began


def _lifted(poly: Any, w: np.ndarray) -> np.ndarray:
    """A lifted point ``x`` with ``D x = w`` (least squares, clipped to the bounds)."""
    x = np.linalg.lstsq(poly.lift, w, rcond=None)[0]
    return np.clip(x, poly.lower, poly.upper)


def _constraints(poly: Any) -> list[LinearConstraint]:
    """The polytope's rows on ``[x, z]``."""
    out = []
    pad = np.zeros((poly.a_eq.shape[0], 1))
    if poly.a_eq.shape[0]:
        out.append(LinearConstraint(np.hstack([poly.a_eq, pad]), poly.b_eq, poly.b_eq))
    if poly.a_ub.shape[0]:
        rows = np.hstack([poly.a_ub, np.zeros((poly.a_ub.shape[0], 1))])
        out.append(LinearConstraint(rows, -np.inf, poly.b_ub))
    return out
