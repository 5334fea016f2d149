"""Stopping: step/epoch/time budgets, the tolerance test, and the best exact iterate."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from .config import Averaging, EngineConfig
from .schedules import BatchSchedule

TOL_EPS_FACTOR = 2.0
"""The tolerance stop is floored at this many machine epsilons of the working dtype."""


def step_budget(config: EngineConfig, largest_batch: int, n_rows: int, smooth: bool) -> int | None:
    """Maximum step count if it is known up front, else None (epochs/time with growth).

    Without a budget: ``max_steps_default`` steps, a fifth of it for non-smooth problems.
    """
    if config.steps is not None:
        return int(config.steps)
    if config.epochs is not None:
        if config.batch_schedule is BatchSchedule.CONSTANT:
            per_step = max(1, min(largest_batch, n_rows))
            return max(1, math.ceil(config.epochs * n_rows / per_step))
        return None
    if config.time_budget is not None:
        return None
    if not smooth:
        return int(config.max_steps_default) // 5
    return int(config.max_steps_default)


@dataclass
class StoppingRule:
    """When to stop, and the best evaluated iterate.

    The tolerance test compares the best full-data objective between consecutive
    evaluations: it stops when the relative improvement is at most ``tol`` (floored at
    :data:`TOL_EPS_FACTOR` epsilons of the dtype, since an objective evaluated in float32
    cannot resolve smaller changes) twice in a row, once evaluations are exact
    (exact gradients, or averaged iterates of a constant schedule) and any smoothing has
    settled.
    """

    config: EngineConfig
    max_steps: int | None
    n_rows: int
    averaging: Averaging
    tol: float
    start_scale: torch.Tensor
    best_objective: torch.Tensor
    best_weights: torch.Tensor
    previous_best: torch.Tensor | None = None
    calm: int = 0
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def start(
        cls,
        config: EngineConfig,
        max_steps: int | None,
        n_rows: int,
        averaging: Averaging,
        start_objective: torch.Tensor,
        w: torch.Tensor,
    ) -> StoppingRule:
        """The rule at step 0, from the objective (K,) of the starting weights (K, N)."""
        eps = torch.finfo(w.dtype).eps
        tol = max(float(config.tol), TOL_EPS_FACTOR * eps) if config.tol else 0.0
        return cls(
            config=config,
            max_steps=max_steps,
            n_rows=n_rows,
            averaging=averaging,
            tol=tol,
            start_scale=start_objective.abs(),
            best_objective=torch.full_like(start_objective, float("inf")),
            best_weights=w.detach().clone(),
        )

    def budget_reason(self, step: int, samples: list[int]) -> str:
        """Which budget is spent after ``step`` steps ("" if none)."""
        config = self.config
        if self.max_steps is not None and step >= self.max_steps:
            return "max steps"
        if config.epochs is not None and max(samples) >= config.epochs * self.n_rows:
            return "epochs"
        if (
            config.time_budget is not None
            and time.perf_counter() - self.started >= config.time_budget
        ):
            return "time budget"
        if self.max_steps is None and step >= config.max_steps_default * 50:
            return "max steps"
        return ""

    def exact_evaluations(self, full: bool) -> bool:
        """Whether the tolerance test is meaningful now (exact gradients or averaged iterates)."""
        return full or (
            self.averaging is not Averaging.NONE
            and self.config.batch_schedule is BatchSchedule.CONSTANT
        )

    def converged(
        self, objective: torch.Tensor, weights: torch.Tensor, full: bool, settled: bool
    ) -> bool:
        """Record an evaluation; True when the tolerance test passes.

        With exact evaluations the best iterate is kept: it is never worse than the last
        (momentum can oscillate, a smoothed CVaR polish can overshoot the exact objective).
        """
        exact = self.exact_evaluations(full)
        if exact:
            improved = objective < self.best_objective
            self.best_objective = torch.where(improved, objective, self.best_objective)
            self.best_weights = torch.where(improved[:, None], weights, self.best_weights)
        if self.config.tol is not None and exact and settled and self.previous_best is not None:
            # relative improvement of the best value, with a floor for optima at 0
            denominator = self.best_objective.abs() + 1e-6 * self.start_scale
            change = (self.previous_best - self.best_objective) / denominator.clamp_min(1e-300)
            self.calm = self.calm + 1 if bool((change <= self.tol).all()) else 0
            if self.calm >= 2:
                return True
        if exact:
            self.previous_best = self.best_objective.clone()
        return False

    def pick(
        self, objective: torch.Tensor, weights: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The final (weights, objective): the best exact iterate where it is better."""
        better = self.best_objective < objective  # never without an exact evaluation
        return (
            torch.where(better[:, None], self.best_weights, weights),
            torch.where(better, self.best_objective, objective),
        )
