"""Full-data passes in bounded blocks of rows, converted to float64 one block at a time.

A large float32 scenario matrix is never copied to float64 as a whole: exact values,
gradients and certificates read it ``chunk_rows`` rows at a time (fewer where a block would
exceed :data:`CHUNK_ELEMENTS` numbers).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

__all__ = [
    "CHUNK_ELEMENTS",
    "SMALL_DATA_ELEMENTS",
    "SUM_BLOCK_ELEMENTS",
    "bounded_rows",
    "column_mean",
    "iter_chunks",
]

SMALL_DATA_ELEMENTS = 2_000_000
"""Below this many numbers (T x N) a data pass is too small for BLAS threads to pay off."""
SUM_BLOCK_ELEMENTS = 4_194_304
"""Elements per block (16 MiB of float32) when a statistic sums every row in the data's dtype."""


def iter_chunks(returns: torch.Tensor, chunk_rows: int) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, rows)`` with each block of ``chunk_rows`` rows converted to float64
    (fewer rows where the block would exceed :data:`CHUNK_ELEMENTS` numbers).

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    chunk_rows : int

    Yields
    ------
    start : int
    rows : Tensor, float64, shape (<= chunk_rows, N), on the device of ``returns``
    """
    chunk_rows = bounded_rows(chunk_rows, returns.shape[1])
    for start in range(0, returns.shape[0], chunk_rows):
        yield start, returns[start : start + chunk_rows].to(torch.float64)


CHUNK_ELEMENTS = 1 << 21
"""Most numbers in one converted or gathered block (2 M: 16 MB in float64)."""


def bounded_rows(chunk_rows: int, n_cols: int) -> int:
    """``chunk_rows``, cut so that a block of ``n_cols`` columns holds at most
    :data:`CHUNK_ELEMENTS` numbers (at least one row)."""
    return max(1, min(int(chunk_rows), CHUNK_ELEMENTS // max(int(n_cols), 1)))


def column_mean(returns: torch.Tensor, chunk_rows: int = 65_536) -> torch.Tensor:
    """Full-data column mean ``mu`` accumulated in float64.

    Returns
    -------
    Tensor, float64, shape (N,)
    """
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    for _, rows in iter_chunks(returns, chunk_rows):
        total += rows.sum(dim=0)
    return total / returns.shape[0]
