"""The entropic value at risk of samples, in float64: the value and its optimal ``z``.

``EVaR_a(L) = inf_{z > 0} z log(E[exp(L / z)] / (1 - a))`` of losses ``L = -x``. With
``s = 1 / z`` and the losses shifted and scaled to ``L' = (L - max L) / spread`` (EVaR is
translation equivariant and positively homogeneous), the function
``f(s) = (log sum_t exp(s L'_t) - log(T (1 - a))) / s`` has a derivative of the sign of
``h(s) = s E_p[L'] - log sum_t exp(s L'_t) + log(T (1 - a))`` (``p`` the tilted
weights), increasing in ``s`` from ``log(1 - a) < 0``: the minimiser is the root of ``h``,
found by Brent's method on ``log s``. When ``h`` stays negative (the largest loss holds at
least ``1 - a`` of the mass) the infimum is the largest loss, reached as ``z -> 0``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

__all__ = ["entropic_value", "entropic_values"]

_LOG_S_MAX = 40.0
"""Past ``s = e^40`` the scaled value is within ``T e^-e^40`` of its limit, the max loss."""


def entropic_value(losses: np.ndarray, alpha: float) -> tuple[float, float]:
    """``(EVaR, z*)`` of the losses (T,); ``z* = 0`` where the value is the largest loss."""
    top = float(losses.max())
    spread = top - float(losses.min())
    if spread == 0.0:
        return top, 0.0
    scaled = (losses - top) / spread
    shift = math.log(scaled.size) + math.log1p(-alpha)

    def sign(log_s: float) -> float:
        s = math.exp(log_s)
        weights = np.exp(s * scaled)  # exponents <= 0, the largest 0: no overflow
        total = float(weights.sum())
        return s * float(weights @ scaled) / total - math.log(total) + shift

    low = math.log(1e-8)
    high = 0.0
    while sign(high) <= 0.0:
        if high >= _LOG_S_MAX:
            return top, 0.0
        low, high = high, high + 4.0
    log_s = brentq(sign, low, high, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200)
    s = math.exp(log_s)
    value = (math.log(float(np.exp(s * scaled).sum())) - shift) / s
    return top + spread * value, spread / s


def entropic_values(losses: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``(EVaR (K,), z* (K,))`` of the columns of losses (T, K)."""
    pairs = [entropic_value(np.asarray(col, dtype=np.float64), alpha) for col in losses.T]
    values, levels = zip(*pairs, strict=True) if pairs else ((), ())
    return np.asarray(values, dtype=np.float64), np.asarray(levels, dtype=np.float64)
