"""Thread policy: small CPU problems run single-threaded."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from .config import EngineConfig
from .problem import Problem, RunGrid
from .schedules import BatchSchedule

SMALL_STEP_ELEMENTS = 2_000_000
"""Below this many ``K x rows x N`` elements per step, the CPU loop runs on one thread."""


@contextlib.contextmanager
def cpu_threads(problem: Problem, config: EngineConfig, grid: RunGrid) -> Iterator[None]:
    """Run small CPU problems single-threaded.

    Intra-op parallelism does not pay for the small tensors of one SGD step (thread
    start-up and OpenMP barriers cost more than the arithmetic), and when the cores are
    busy with other work it can slow a step down tenfold. Large steps keep every thread.
    """
    rows = problem.n_rows
    if config.batch_schedule is BatchSchedule.CONSTANT:
        rows = min(rows, max(int(m) for m in grid.batch_sizes))
    work = grid.size * problem.n_assets * rows
    if problem.returns.device.type != "cpu" or work >= SMALL_STEP_ELEMENTS:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
