"""Recency weighting of the rows: exponentially decaying weights and their effective size.

Row weights shrink the sample: their effective size ``(sum c)^2 / sum c^2`` (Kish) must be
at least :data:`~portfolio_sgd.data.validation.MIN_ROWS`, the floor raw rows must meet
(:func:`check_effective_rows`).
"""

from __future__ import annotations

import math

import numpy as np

from ..data.validation import MIN_ROWS
from ..errors import ConfigError


def recency_weights(n_rows: int, half_life: float) -> np.ndarray:
    """Exponentially decaying row weights (T,) with mean 1: ``c_t ∝ 2^(-(T-1-t)/h)``.

    The last row weighs most; a row ``h`` periods older weighs half as much.

    Raises
    ------
    ConfigError
        For a half-life that is not positive.
    """
    if not half_life > 0.0:
        raise ConfigError(f"half-life must be positive, got {half_life}")
    age = np.arange(n_rows, dtype=np.float64)[::-1]
    c = np.exp2(-age / float(half_life))
    return c * (n_rows / c.sum())


def effective_sample_size(row_weights: np.ndarray | None, n_rows: int) -> float:
    """Kish's effective sample size ``(sum c)^2 / sum c^2`` of row weights ``c`` (T,)
    (``n_rows`` without weights)."""
    if row_weights is None:
        return float(n_rows)
    c = np.asarray(row_weights, dtype=np.float64)
    return float(c.sum() ** 2 / (c @ c))


def _min_half_life(n_rows: int, min_rows: float) -> float | None:
    """The smallest half-life whose recency weights reach ``min_rows`` effective rows
    (bisection on log h; None if even equal weights do not)."""
    if n_rows < min_rows:
        return None
    lo, hi = 1e-3, 1e9
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if effective_sample_size(recency_weights(n_rows, mid), n_rows) >= min_rows:
            hi = mid
        else:
            lo = mid
    return hi


def check_effective_rows(row_weights: np.ndarray, half_life: float | None = None) -> float:
    """The effective sample size of ``row_weights`` (T,); refuse one below ``MIN_ROWS``.

    Raises
    ------
    ConfigError
        One line naming the effective size, the floor and (for a half-life) the
        smallest half-life that meets it.
    """
    n_rows = len(row_weights)
    ess = effective_sample_size(row_weights, n_rows)
    if ess >= MIN_ROWS - 1e-9:
        return ess
    what = "the row weights" if half_life is None else f"half-life {half_life:g}"
    fix = ""
    least = _min_half_life(n_rows, MIN_ROWS) if half_life is not None else None
    if least is not None:
        fix = f"; use a half-life of at least {math.ceil(least * 100) / 100:g} periods"
    raise ConfigError(
        f"{what} leaves an effective sample size (sum w)^2/sum w^2 of {ess:.3g} of "
        f"{n_rows} rows, fewer than the {MIN_ROWS} rows an optimisation needs{fix}"
    )
