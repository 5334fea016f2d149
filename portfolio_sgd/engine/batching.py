"""The batch policy: which batch sizes a step uses, and when gradients become exact."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .schedules import BatchSchedule, batch_growth_factor, batch_sizes_at

GATHER_FRACTION = 4
"""The geometric schedule switches to the full data once a batch reaches T / 4 rows."""


@dataclass(frozen=True)
class Regime:
    """What one step does: batch sizes (K,), whether they are the full data, growth factor."""

    sizes: list[int]
    full: bool
    factor: float


@dataclass
class BatchPolicy:
    """Batch sizes per step from a schedule, with an adaptive jump to the full data.

    Parameters
    ----------
    schedule : BatchSchedule
    growth, every : float, int
        Growth ratio (or log-growth ``c``) and the steps per growth stage.
    base_sizes : list of int
        Initial batch size of each of the K runs.
    n_rows : int
        T: a batch of T rows (every run) is the full data, an exact gradient.

    Notes
    -----
    The geometric schedule is *adaptive*: it goes to the full data as soon as a gathered
    batch would cost as much as a full pass (``m >= T / 4``), or when the full objective
    made no progress since the last evaluation (the iterate sits at this batch size's
    noise floor, or started near the optimum).
    """

    schedule: BatchSchedule
    growth: float
    every: int
    base_sizes: list[int]
    n_rows: int
    jump_to_full: bool = False
    previous_objective: torch.Tensor | None = field(default=None, repr=False)

    @property
    def adaptive(self) -> bool:
        """Whether the schedule may jump to the full data early (geometric)."""
        return self.schedule is BatchSchedule.GEOMETRIC

    def regime_at(self, step: int) -> Regime:
        """The batch sizes of ``step``."""
        n_runs, n_rows = len(self.base_sizes), self.n_rows
        factor = batch_growth_factor(self.schedule, step, self.growth, self.every)
        if self.jump_to_full:
            sizes = [n_rows] * n_runs
        else:
            sizes = batch_sizes_at(self.base_sizes, factor, n_rows)
        full = min(sizes) >= n_rows
        if self.adaptive and not full and min(sizes) * GATHER_FRACTION >= n_rows:
            # A gathered batch this large costs as much as a full pass (it copies the rows),
            # so the geometric schedule goes straight to exact full-data gradients.
            sizes, full, self.jump_to_full = [n_rows] * n_runs, True, True
        return Regime(sizes=sizes, full=full, factor=factor)

    def lr_scale(
        self, regime: Regime, run_scales: torch.Tensor | None
    ) -> torch.Tensor | float | None:
        """Per-run step-size multipliers: the run grid's, times the factor of linear scaling."""
        if self.schedule is not BatchSchedule.LINEAR_SCALING:
            return run_scales
        return regime.factor if run_scales is None else run_scales * regime.factor

    def linear_factor(self, regime: Regime) -> float | None:
        """The linear-scaling factor (part of a captured step's constants), else None."""
        return regime.factor if self.schedule is BatchSchedule.LINEAR_SCALING else None

    def observe(self, objective: torch.Tensor, full: bool) -> None:
        """After an evaluation: jump to the full data when the objective stopped improving."""
        if self.adaptive and not full and self.previous_objective is not None:
            self.jump_to_full = bool((objective >= self.previous_objective).all())
        self.previous_objective = objective
