"""The entropic value at risk of samples, in float64: the value and its optimal ``z``.

``EVaR_a(L) = inf_{z > 0} z log(E[exp(L / z)] / (1 - a))`` of losses ``L = -x``. With
``s = 1 / z`` and the losses shifted and scaled to ``L' = (L - max L) / spread`` (EVaR is
translation equivariant and positively homogeneous), the function
``f(s) = (log sum_t exp(s L'_t) - log(T (1 - a))) / s`` has a derivative of the sign of
``h(s) = s E_p[L'] - log sum_t exp(s L'_t) + log(T (1 - a))`` (``p`` the tilted
weights), increasing in ``s`` from ``log(1 - a) < 0``: the minimiser is the root of ``h``,
found for all columns at once by bisection on ``log s`` to the last bit (``f`` is
stationary there, so its value is exact to rounding). When ``h`` stays negative (the
largest loss holds at least ``1 - a`` of the mass) the infimum is the largest loss,
reached as ``z -> 0``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["entropic_values"]

_LOG_S_MIN, _LOG_S_MAX = math.log(1e-8), 40.0
"""The bracket of ``log s``: ``h < 0`` below it; past ``e^40`` the scaled value is within
``T exp(-e^40)`` of its limit, the largest loss."""

_BISECTIONS = 80
"""Halvings of the bracket (48 wide): below float64 resolution of ``log s``."""


def _sign(scaled: np.ndarray, log_s: np.ndarray, shift: float) -> np.ndarray:
    """``h`` (K,) at ``log s`` (K,) of the scaled losses (T, K) (exponents <= 0, max 0)."""
    s = np.exp(log_s)
    weights = np.exp(scaled * s)
    total = weights.sum(axis=0)
    return s * np.einsum("tk,tk->k", weights, scaled) / total - np.log(total) + shift


def entropic_values(losses: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``(EVaR (K,), z* (K,))`` of the columns of losses (T, K); ``z* = 0`` where the value
    is the largest loss."""
    arr = np.asarray(losses, dtype=np.float64)
    top = arr.max(axis=0)
    spread = top - arr.min(axis=0)
    flat = spread == 0.0
    scaled = (arr - top) / np.where(flat, 1.0, spread)
    shift = math.log(arr.shape[0]) + math.log1p(-alpha)
    low = np.full(top.shape, _LOG_S_MIN)
    high = np.full(top.shape, _LOG_S_MAX)
    interior = (_sign(scaled, high, shift) > 0.0) & ~flat
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        above = _sign(scaled, mid, shift) > 0.0
        high, low = np.where(above, mid, high), np.where(above, low, mid)
    s = np.exp(0.5 * (low + high))
    value = (np.log(np.exp(scaled * s).sum(axis=0)) - shift) / s
    evar = np.where(interior, top + spread * value, top)
    return evar, np.where(interior, spread / s, 0.0)
