"""The stationary block bootstrap: resample indices, row counts and the block length.

Resampling is the stationary block bootstrap of Politis & Romano (1994): blocks start at
uniform positions, wrap around the end, and have geometric lengths with mean L. ``L = 1``
is the i.i.d. bootstrap. The default L is an automatic rule: the AR(1) plug-in of the
Politis & White (2004) optimal mean block length, ``L = (2 rho / (1 - rho^2))^(2/3)
T^(1/3)``, with ``rho`` the first-order autocorrelation of the squared returns of the
point-estimate portfolio (variance objectives depend on second moments, and volatility
clustering is what makes daily squared returns dependent), clipped to
``[1, min(sqrt(T), T / 10)]``.

A block length must leave at least :data:`MIN_BLOCKS` (10) blocks on average: ``L <= T/10``
(:func:`check_block_length`). With ``L`` near ``T`` every resample is one block, a
rotation of the data that every run optimises to the same portfolio, so the error bars
collapse to zero. The stationary bootstrap is consistent only when ``L / T -> 0``; ten
blocks is the usual floor for a percentile interval to mean anything.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError

MIN_BLOCKS = 10
"""Fewest blocks (``T / L``) a stationary-bootstrap resample may have on average."""


def check_block_length(n_rows: int, block_length: float) -> None:
    """Refuse a mean block length that leaves fewer than :data:`MIN_BLOCKS` blocks.

    Raises
    ------
    ConfigError
        One line stating the rule ``L <= T / 10`` and the largest length allowed.
    """
    if not block_length >= 1.0:
        raise ConfigError(f"block length must be >= 1, got {block_length}")
    if block_length * MIN_BLOCKS > n_rows:
        raise ConfigError(
            f"block length {block_length:g} leaves fewer than {MIN_BLOCKS} blocks in "
            f"{n_rows} rows: the bootstrap needs block length <= rows / {MIN_BLOCKS} "
            f"(here <= {n_rows / MIN_BLOCKS:g}), or the error bars collapse to zero"
        )


def stationary_indices(
    n_rows: int, n_resamples: int, block_length: float, rng: np.random.Generator
) -> np.ndarray:
    """Row indices of B stationary-bootstrap resamples, shape (B, T), int64.

    Each position starts a new block with probability ``1 / block_length`` (always at
    position 0) at a uniform row; otherwise it takes the row after the previous one,
    wrapping from T - 1 to 0. ``block_length = 1`` gives i.i.d. draws.

    Raises
    ------
    ConfigError
        For ``block_length < 1`` or fewer than 2 resamples.
    """
    if not block_length >= 1.0:
        raise ConfigError(f"block length must be >= 1, got {block_length}")
    if n_resamples < 2:
        raise ConfigError(f"the bootstrap needs at least 2 resamples, got {n_resamples}")
    new = rng.random((n_resamples, n_rows)) < 1.0 / block_length
    new[:, 0] = True
    starts = rng.integers(0, n_rows, size=(n_resamples, n_rows))
    positions = np.arange(n_rows)
    began = np.maximum.accumulate(np.where(new, positions, 0), axis=1)  # block start
    first = np.take_along_axis(starts, began, axis=1)
    return (first + (positions - began)) % n_rows


def resample_counts(indices: np.ndarray, n_rows: int) -> np.ndarray:
    """Counts ``c_bt`` (B, T) of row t in resample b, from indices (B, T); rows sum to T."""
    n_resamples = indices.shape[0]
    flat = indices + n_rows * np.arange(n_resamples)[:, None]
    counts = np.bincount(flat.ravel(), minlength=n_resamples * n_rows)
    return counts.reshape(n_resamples, n_rows).astype(np.float64)


def auto_block_length(x: np.ndarray) -> float:
    """Mean block length from the autocorrelation of squared returns ``x`` (T,).

    ``L = (2 rho / (1 - rho^2))^(2/3) T^(1/3)`` (the AR(1) plug-in of Politis & White),
    ``rho`` the lag-1 autocorrelation of ``x^2`` (its absolute value, capped at 0.99),
    clipped to ``[1, min(sqrt(T), T / 10)]`` (at least :data:`MIN_BLOCKS` blocks).
    """
    sq = np.asarray(x, dtype=np.float64) ** 2
    dev = sq - sq.mean()
    denom = float(dev @ dev)
    rho = 0.0 if denom <= 0.0 else min(abs(float(dev[1:] @ dev[:-1]) / denom), 0.99)
    n = len(sq)
    length = (2.0 * rho / (1.0 - rho * rho)) ** (2.0 / 3.0) * n ** (1.0 / 3.0)
    return float(max(min(length, math.sqrt(n), n / MIN_BLOCKS), 1.0))
