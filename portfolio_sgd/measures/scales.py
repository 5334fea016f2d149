"""Data scales and factors for the cvxpy forms of the measures (O(1) numbers for the solver)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["data_scales", "triangular_factor"]


def data_scales(returns: np.ndarray) -> tuple[float, float]:
    """Scales ``(s1, s2)`` of terms linear and quadratic in returns (T, N) (for cvxpy)."""
    s2 = float(np.mean(returns**2)) or 1.0
    return math.sqrt(s2), s2


def triangular_factor(a: np.ndarray) -> np.ndarray:
    """Triangular factor ``F`` (min(T, M), M) with ``F'F = a'a`` (thin QR of ``a`` (T, M))."""
    return np.linalg.qr(a, mode="r")
