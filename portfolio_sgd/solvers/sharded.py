"""The sharded solver: the scenarios split across torch.distributed ranks
(:mod:`portfolio_sgd.distributed`), each rank reading only its rows."""

from __future__ import annotations

from dataclasses import dataclass

from ..distributed.api import optimize_sharded
from ..distributed.context import launched_by_torchrun
from ..distributed.split import runs_split
from ..errors import ConfigError
from ..results import OptimizationResult
from .base import Task


def sharded_wanted(distributed: bool | None) -> bool:
    """Whether a call shards its data: asked for, or (None) run by torchrun while the runs
    are not being split among the ranks instead (``--split runs``)."""
    if distributed is not None:
        return bool(distributed)
    return launched_by_torchrun() and not runs_split()


@dataclass(frozen=True)
class ShardedSolver:
    """One run on this rank's shard of the task's returns, with the exact finish and the
    certificate computed across ranks where the objective has them (:mod:`portfolio_sgd.distributed`)."""

    def solve(self, task: Task) -> OptimizationResult:
        """The result, the same on every rank.

        Raises
        ------
        ConfigError
            With recency weighting (the row weights need every row).
        """
        if task.half_life is not None:
            raise ConfigError("half_life cannot run sharded; use --split runs for bootstrap")
        return optimize_sharded(
            task.returns,
            task.spec,
            task.constraints,
            task.config,
            benchmark=task.benchmark,
            init_weights=task.init_weights,
            callbacks=task.callbacks,
        )
