"""The plain solver: one engine run of the task's objective (recency-weighted if asked)."""

from __future__ import annotations

from dataclasses import dataclass

from ..results import OptimizationResult, RecencyReport
from .base import Task
from .recency import effective_sample_size
from .solve import solve


@dataclass(frozen=True)
class PlainSolver:
    """One certified engine run of the task (its warm start, callbacks, row weights)."""

    def solve(self, task: Task) -> OptimizationResult:
        """The result of one run, with its :class:`RecencyReport`."""
        prepared, rows = task.prepared, task.row_weights
        result = solve(
            prepared,
            task.constraints,
            task.config,
            init=task.init,
            callbacks=task.callbacks,
            row_weights=rows,
        )
        n_rows = prepared.problem.n_rows
        half_life = None if task.half_life is None else float(task.half_life)
        return result.with_reports(RecencyReport(effective_sample_size(rows, n_rows), half_life))
