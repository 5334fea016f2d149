"""The cardinality solver: a count cap and minimum positions (``max_assets``,
``min_position``) by the batched support search of :mod:`portfolio_sgd.cardinality`."""

from __future__ import annotations

from dataclasses import dataclass

from ..cardinality import optimize_cardinality
from ..errors import ConfigError
from ..results import OptimizationResult
from .base import Task


@dataclass(frozen=True)
class CardinalitySolver:
    """The support search on the task's prepared data (no recency, callbacks)."""

    def solve(self, task: Task) -> OptimizationResult:
        """The best support found, with its :class:`~portfolio_sgd.results.CardinalityReport`.

        Raises
        ------
        ConfigError
            With callbacks or recency weighting (the search runs many batches).
        """
        if task.callbacks or task.half_life is not None:
            raise ConfigError(
                "max_assets/min_position cannot be combined with bootstrap, resample, "
                "half_life or callbacks"
            )
        return optimize_cardinality(
            task.prepared, task.spec, task.constraints, task.config, task.init
        )
