"""One torch thread for the full-data passes of small problems.

A column reduction of a few hundred thousand numbers takes ~0.5 ms on one thread; on two
intra-op threads of a machine busy with other work it took 17 ms (threads spinning at
OpenMP barriers). The engine's loop already runs small problems on one thread
(:mod:`portfolio_sgd.engine.threads`); this is the same rule for the passes around it
(the data's mean, the certificate).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["SMALL_ELEMENTS", "small_data_threads"]

SMALL_ELEMENTS = 2_000_000
"""Below this many numbers (``T x N``) a pass runs on one torch thread."""


@contextlib.contextmanager
def small_data_threads(elements: int, device: torch.device | str = "cpu") -> Iterator[None]:
    """One torch intra-op thread inside the block when ``elements`` is small and the data
    is on the CPU; nothing changes otherwise (or when one thread is set already)."""
    before = torch.get_num_threads()
    if torch.device(device).type != "cpu" or elements >= SMALL_ELEMENTS or before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
