"""Estimation error of the weights by the bootstrap: the names front ends import.

The bootstrap runs as a solver (:mod:`portfolio_sgd.solvers.bootstrap`: B resamples as
one row-weighted batch, with their summaries), on the resampling of
:mod:`portfolio_sgd.solvers.resampling` (the stationary block bootstrap, its block
length) and the recency weights of :mod:`portfolio_sgd.solvers.recency`; the error bars
are a result record (:class:`portfolio_sgd.results.ErrorBars`). This module gathers
those names for the estimation studies and their users.
"""

from __future__ import annotations

from ..results import ErrorBars
from ..solvers.bootstrap import (
    DEFAULT_RESAMPLES,
    HELD_THRESHOLD,
    LEVELS,
    bootstrap_runs,
    summarise,
    with_error_bars,
)
from ..solvers.recency import check_effective_rows, effective_sample_size, recency_weights
from ..solvers.resampling import (
    MIN_BLOCKS,
    auto_block_length,
    check_block_length,
    resample_counts,
    stationary_indices,
)

__all__ = [
    "DEFAULT_RESAMPLES",
    "HELD_THRESHOLD",
    "LEVELS",
    "MIN_BLOCKS",
    "ErrorBars",
    "auto_block_length",
    "bootstrap_runs",
    "check_block_length",
    "check_effective_rows",
    "effective_sample_size",
    "recency_weights",
    "resample_counts",
    "stationary_indices",
    "summarise",
    "with_error_bars",
]
