"""The engine's state: everything one run of the loop reads and updates.

:class:`EngineState` is built once by :func:`portfolio_sgd.engine.setup.build_state` and
then advanced by the loop (:mod:`portfolio_sgd.engine.loop`). Callbacks never see it:
they receive an :class:`EvaluationView`, a read-only snapshot taken after each
evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..measures.quadratic import QuadraticForm
from ..objectives import PortfolioObjective
from .averaging import IterateAverage
from .batching import BatchPolicy
from .config import Averaging, EngineConfig, OptimizerName
from .continuation import SmoothingContinuation
from .problem import Problem, RunGrid
from .restart import MomentumRestart
from .sampling import BatchSampler
from .step_graphs import StepGraphs
from .stopping import StoppingRule


@dataclass
class EngineState:
    """Tensors, optimiser, policies and counters of K runs optimised together.

    Attributes
    ----------
    w : Tensor, shape (K, N)
        The iterates (feasible after every step).
    t : Tensor, shape (K,) or None
        VaR levels (objectives with ``has_var_level``).
    risk_aversions, lr_scales : Tensor, shape (K,) or None
        Per-run parameters of the run grid.
    metric : Tensor, shape (N,) or None
        Diagonal preconditioner (None: Euclidean steps).
    project : callable
        ``(K, N) -> (K, N)`` projection onto the feasible set, in the metric.
    orthant : bool
        The iterate lives in the positive orthant (risk parity's ``y``), not on the
        fully invested set: steps keep the gradient's component along ``(1, ..., 1)``.
    prox : callable or None
        ``(w, step) -> w``: the trading-cost prox combined with the projection (threshold
        ``step * c``, in the metric; :mod:`portfolio_sgd.constraints.trading.terms`); None without trading.
    loss_sum : Tensor, shape (K,)
        Mini-batch losses summed since the last evaluation (``loss_steps`` of them).
    hooks : object, optional
        Replacements of the data passes (``gradient``, ``evaluate``, ``var_level``) for a
        problem sharded across ranks (:mod:`portfolio_sgd.distributed`); None: the
        single-process ones.
    exact_problem : Problem
        The problem the run's end is evaluated and finished on: ``problem`` itself, or the
        float64 problem after a float32 phase (:mod:`.precision`).
    exact_lam : Tensor, shape (K,) or None
        ``risk_aversions`` in ``exact_problem``'s dtype (from the grid's values).
    early : EarlyFinish
        The early exact finish (:mod:`.early_finish`).
    start_objective : Tensor, shape (K,) or None
        The full-data objective of the starting ``w`` (evaluated once, in set-up).
    optimizer, scheduler, lr
        The step's optimiser, scheduler and base step size: None while
        ``deferred_training`` (a callable returning all three) has not been called
        (:meth:`ensure_training`, before the first step).
    """

    problem: Problem
    config: EngineConfig
    grid: RunGrid
    objective: PortfolioObjective
    w: torch.Tensor
    t: torch.Tensor | None
    risk_aversions: torch.Tensor | None
    lr_scales: torch.Tensor | None
    metric: torch.Tensor | None
    project: Callable[[torch.Tensor], torch.Tensor]
    optimizer: torch.optim.Optimizer | None
    optimizer_name: OptimizerName
    scheduler: Any
    lr: float | None
    auto_lr: bool
    sampler: BatchSampler
    graphs: StepGraphs
    batches: BatchPolicy
    smoothing: SmoothingContinuation
    average: IterateAverage
    restart: MomentumRestart
    stopping: StoppingRule
    averaging: Averaging
    loss_sum: torch.Tensor
    orthant: bool = False
    loss_steps: int = 0
    step: int = 0
    samples: list[int] = field(default_factory=list)
    history: list[dict[str, object]] = field(default_factory=list)
    quad: QuadraticForm | None = None
    quad_checked: bool = False
    stop_reason: str = "max steps"
    progress: Any = None
    hooks: Any = None
    prox: Callable[[torch.Tensor, Any], torch.Tensor] | None = None
    exact_problem: Any = None
    exact_lam: torch.Tensor | None = None
    early: Any = None
    deferred_training: Callable[[], tuple[float, torch.optim.Optimizer, Any]] | None = None
    start_objective: torch.Tensor | None = None

    def ensure_training(self) -> None:
        """Build the step size, optimiser and scheduler if they were deferred (before the
        first step; a run that finishes exactly before it never pays for them)."""
        if self.deferred_training is not None:
            self.lr, self.optimizer, self.scheduler = self.deferred_training()
            self.deferred_training = None

    def set_lr(self, lr: float) -> None:
        """Set the base step size of every parameter group."""
        self.ensure_training()
        self.lr = lr
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def report_weights(self) -> torch.Tensor:
        """The iterate reported now (K, N): the average when averaging has begun (through
        the objective's ``report``: risk parity's ``y`` normalised)."""
        return self.objective.report(self.average.report(self.w))


@dataclass(frozen=True)
class EvaluationView:
    """A read-only snapshot of the run after one full-data evaluation (for callbacks).

    Attributes
    ----------
    step : int
        Steps taken so far.
    elapsed : float
        Seconds since the loop started, at the start of the evaluation.
    evaluation_seconds : float
        Seconds the evaluation took.
    objective : Tensor, shape (K,)
        Full-data objective of ``weights`` (a detached copy).
    weights : Tensor, shape (K, N)
        The evaluated (reported) iterates (a detached copy).
    batch_sizes : tuple of int
    samples : tuple of int
        Scenarios processed per run.
    lr : float
    smoothing : float
        Current smoothing ``tau`` (0 without smoothing).
    final : bool
        True for the evaluation of the returned weights after the loop.
    """

    step: int
    elapsed: float
    evaluation_seconds: float
    objective: torch.Tensor
    weights: torch.Tensor
    batch_sizes: tuple[int, ...]
    samples: tuple[int, ...]
    lr: float
    smoothing: float
    final: bool = False


Callback = Callable[[EvaluationView], None]
"""Called with an :class:`EvaluationView` after each full-data evaluation."""
