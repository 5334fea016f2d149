"""Building the engine's state: weights, step size, optimiser, sampler and policies."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch

from ..constraints import orthant_projector, project_box_sum_metric
from ..constraints.projection import Projector
from ..constraints.trading.terms import trading_config, trading_prox, trading_value
from ..errors import ConfigError
from ..measures.quadratic import QuadraticForm
from ..objectives import optimal_var_level, portfolio_returns
from . import step_graphs
from .averaging import IterateAverage
from .batching import BatchPolicy
from .config import Averaging, EngineConfig, OptimizerName
from .continuation import SmoothingContinuation
from .defaults import (
    auto_lr,
    resolve_averaging,
    resolve_metric,
    resolve_optimizer,
    smoothing_active,
)
from .problem import Problem, RunGrid
from .restart import MomentumRestart
from .sampling import BatchSampler
from .schedules import BatchSchedule, LRSchedule, make_lr_scheduler
from .state import EngineState
from .step_size import SGD_LR_FACTOR, return_scale
from .stopping import StoppingRule, step_budget
from .weighting import weighted_problem


def _validated_projector(problem: Problem, grid: RunGrid) -> Any:
    """The Euclidean projector of the constraints (validating them once), after refusing
    what the engine never relaxes silently (cardinality) and an empty grid."""
    if problem.constraints.is_combinatorial:
        raise ConfigError("max_assets/min_position are handled by optimize(), not the engine")
    euclidean = problem.constraints.projector(problem.n_assets)
    if grid.size < 1:
        raise ConfigError("at least one run is needed")
    return euclidean


def _check_step_sizes(opt_name: OptimizerName, config: EngineConfig, grid: RunGrid) -> None:
    """Refuse per-run or batch-coupled step sizes with Adam (they scale an SGD step)."""
    if opt_name is OptimizerName.ADAM and (
        config.batch_schedule is BatchSchedule.LINEAR_SCALING or grid.lr_scales is not None
    ):
        raise ConfigError("per-run or batch-coupled step sizes need --optimizer sgd")


def _var_start(
    objective: Any, R: torch.Tensor, w: torch.Tensor, alpha: float
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The VaR level ``t`` (K,) at the start weights and their returns (K, T), for
    objectives with a VaR level; ``(None, None)`` otherwise."""
    if not objective.has_var_level:
        return None, None
    x0 = portfolio_returns(R, w)
    return optimal_var_level(x0, alpha).clone(), x0


def build_state(problem: Problem, config: EngineConfig, grid: RunGrid) -> EngineState:
    """Everything the loop needs for K runs of ``problem`` (validated up front).

    Raises
    ------
    InfeasibleConstraintError, ConfigError
        Before any step: infeasible constraints, or settings that contradict each other.
    """
    euclidean = _validated_projector(problem, grid)
    problem = weighted_problem(problem, grid, config)  # per-run row weights, if any
    config = trading_config(problem, config)  # proximal steps without momentum
    spec, R = problem.spec, problem.returns
    objective = spec.impl
    opt_name = resolve_optimizer(config, spec)
    averaging = resolve_averaging(config, spec)
    _check_step_sizes(opt_name, config, grid)
    lam = _as_tensor(grid.risk_aversions, R)
    w, project, orthant = _start(problem, grid, None, euclidean)
    t, x0 = _var_start(objective, R, w, spec.alpha)
    smoothing = _smoothing(problem, config)
    lazy = _deferrable(config, smoothing, t)  # the metric waits for the first step too
    metric = None if lazy else resolve_metric(problem, config)
    project = project if orthant else _metric_projection(problem, metric, euclidean)
    prox = trading_prox(problem, metric, w, opt_name is OptimizerName.ADAM)  # validated now
    smooth = objective.is_smooth or smoothing.active
    max_steps = step_budget(config, max(grid.batch_sizes), problem.n_rows, smooth)
    use_graphs = bool(config.cuda_graphs) and R.device.type == "cuda"
    training = partial(
        _training, problem, config, grid, smoothing, w, t, opt_name, use_graphs, max_steps
    )
    lr, optimizer, scheduler = None, None, None
    if not lazy:  # needed now: computed as before
        lr, optimizer, scheduler = training(metric, x0)
    del x0  # (K, T): not kept through the loop
    smoothing.adapt_lr = config.lr is None and config.lr_schedule is LRSchedule.CONSTANT
    gen = torch.Generator(device=R.device).manual_seed(int(config.seed))
    sampler = _sampler(problem, config, grid, gen)
    restart = config.restart and opt_name is OptimizerName.SGD and config.momentum > 0
    average = IterateAverage.start(averaging, config, max_steps, w, t)
    start_objective = evaluate(problem, w, lam)
    batches = _batch_policy(config, grid, problem.n_rows, start_objective)
    state = EngineState(
        problem=problem,
        config=config,
        grid=grid,
        objective=objective,
        w=w,
        t=t,
        risk_aversions=lam,
        lr_scales=_as_tensor(grid.lr_scales, R),
        metric=metric,
        project=project,
        orthant=orthant,
        optimizer=optimizer,
        optimizer_name=opt_name,
        scheduler=scheduler,
        lr=lr,
        auto_lr=config.lr is None,
        deferred_training=None,
        sampler=sampler,
        graphs=step_graphs.make_step_graphs(use_graphs, gen),
        batches=batches,
        smoothing=smoothing,
        average=average,
        restart=MomentumRestart(restart),
        stopping=StoppingRule.start(
            config, max_steps, problem.n_rows, averaging, start_objective, w
        ),
        averaging=averaging,
        loss_sum=torch.zeros(grid.size, device=R.device, dtype=R.dtype),
        samples=[0] * grid.size,
        prox=prox,
        start_objective=start_objective,
    )
    if lazy:
        state.deferred_training = partial(_geometry_then_training, state, euclidean, training)
    return state


def _smoothing(problem: Problem, config: EngineConfig) -> SmoothingContinuation:
    """The smoothing continuation of ``problem``'s objective (learning-rate adaptation is
    switched on later, once the step size is known)."""
    return SmoothingContinuation.start(
        problem.spec.impl,
        problem.returns,
        smoothing_active(config, problem.spec),
        config.cvar_smoothing,
        config.growth_every,
        adapt_lr=False,
    )


def _geometry_then_training(
    state: EngineState, euclidean: Projector, training: Any
) -> tuple[float, torch.optim.Optimizer, Any]:
    """The deferred part of :func:`build_state`: the preconditioner (a ``T N`` pass), the
    projection and the trading prox in its metric, then ``(lr, optimizer, scheduler)``.
    A run that finishes exactly before its first step never computes them."""
    problem, config = state.problem, state.config
    metric = resolve_metric(problem, config)
    state.metric = metric
    if not state.orthant:
        state.project = _metric_projection(problem, metric, euclidean)
    adam = state.optimizer_name is OptimizerName.ADAM
    state.prox = trading_prox(problem, metric, state.w, adam)
    return training(metric)


def _sampler(
    problem: Problem, config: EngineConfig, grid: RunGrid, gen: torch.Generator
) -> BatchSampler:
    """The batch sampler of the grid's runs (per-run row weights, if any)."""
    R = problem.returns
    return BatchSampler(
        problem.n_rows, grid.size, config.sampling, gen, R.device, R.dtype, problem.row_weights
    )


def _batch_policy(
    config: EngineConfig, grid: RunGrid, n_rows: int, start_objective: torch.Tensor
) -> BatchPolicy:
    """The batch policy; an adaptive one compares later evaluations with the start."""
    batches = BatchPolicy(
        config.batch_schedule,
        config.batch_growth,
        config.growth_every,
        [int(m) for m in grid.batch_sizes],
        n_rows,
    )
    if batches.adaptive:
        batches.previous_objective = start_objective
    return batches


def evaluate(
    problem: Problem,
    weights: torch.Tensor,
    lam: torch.Tensor | None,
    quad: QuadraticForm | None = None,
) -> torch.Tensor:
    """The exact full-data objective (K,) of ``weights`` (K, N).

    Row-weighted runs with per-run moment matrices ``quad`` (K, N, N) are evaluated from
    them (O(K N^2) instead of a (K, T) pass); every other problem from the data.
    """
    with torch.no_grad():
        if quad is not None and problem.row_weights is not None:
            impl = problem.spec.impl
            value = impl.quadratic_value_and_gradient(quad, weights, problem.means, lam)[0]
            extra = impl.weight_loss(weights)  # a term in w itself (a shrinkage's ridge)
            value = value if extra is None else value + extra
        else:
            value = problem.spec.impl.full_value(
                problem.returns,
                weights,
                problem.means,
                problem.benchmark,
                lam,
                problem.row_weights,
            )
        return value + trading_value(problem, weights)


def initial_weights(problem: Problem, grid: RunGrid) -> torch.Tensor:
    """Starting weights (K, N): the warm start projected, else the feasible start.

    Raises
    ------
    ConfigError
        For warm-start weights of the wrong shape or with NaN/inf.
    """
    R = problem.returns
    n_runs, n_assets = grid.size, problem.n_assets
    init = _warm_start(problem, grid)
    if init is None:
        start = problem.constraints.feasible_start(n_assets, dtype=R.dtype, device=R.device)
        w0 = start.expand(n_runs, n_assets).clone()
    else:
        w0 = problem.constraints.project(init.clone())
    return w0.contiguous().requires_grad_(False)


def _warm_start(problem: Problem, grid: RunGrid) -> torch.Tensor | None:
    """The warm start (K, N) on the device in the data's dtype, checked; None without one."""
    if grid.init_weights is None:
        return None
    R = problem.returns
    n_runs, n_assets = grid.size, problem.n_assets
    init = torch.as_tensor(np.array(grid.init_weights, dtype=np.float64), device=R.device)
    init = init.to(R.dtype)
    if init.ndim == 1 and init.shape[0] == n_assets:
        init = init.expand(n_runs, n_assets)
    if tuple(init.shape) != (n_runs, n_assets):
        raise ConfigError(
            f"initial weights have shape {tuple(init.shape)}, expected ({n_runs}, {n_assets})"
        )
    if not torch.isfinite(init).all():
        raise ConfigError("initial weights contain NaN or inf")
    return init


def _start(
    problem: Problem, grid: RunGrid, metric: torch.Tensor | None, euclidean: Projector
) -> tuple[torch.Tensor, Projector, bool]:
    """The starting iterate (K, N), its projection (in the metric), and whether it lives
    in the positive orthant.

    An objective with ``feasible_set == "positive-orthant"`` (risk parity) starts at its
    own point and is kept in ``{y >= floor}`` by a clamp, exact in any diagonal metric
    (:mod:`portfolio_sgd.constraints.orthant`); every other objective starts on the
    constraint set and is projected onto it.
    """
    objective = problem.spec.impl
    if objective.feasible_set != "positive-orthant":
        w = initial_weights(problem, grid)
        return w, _metric_projection(problem, metric, euclidean), False
    objective.check_constraints(problem.constraints)  # type: ignore[attr-defined]
    init = _warm_start(problem, grid)
    y, floor = objective.initial_iterate(  # type: ignore[attr-defined]
        problem.returns, problem.mean, init, grid.size
    )
    return y.clone().requires_grad_(False), orthant_projector(floor), True


def _deferrable(
    config: EngineConfig, smoothing: SmoothingContinuation, t: torch.Tensor | None
) -> bool:
    """Whether the step size can wait for the first step: a default one (``0.5 / L``,
    power iterations a run that finishes exactly before its first step never needs),
    with no schedule that must be validated up front and no smoothed curvature (which
    reads the starting portfolio returns)."""
    return (
        config.lr is None
        and config.lr_schedule is LRSchedule.CONSTANT
        and not (smoothing.active and t is not None)
    )


def _training(
    problem: Problem,
    config: EngineConfig,
    grid: RunGrid,
    smoothing: SmoothingContinuation,
    w: torch.Tensor,
    t: torch.Tensor | None,
    opt_name: OptimizerName,
    use_graphs: bool,
    max_steps: int | None,
    metric: torch.Tensor | None,
    x0: torch.Tensor | None = None,
) -> tuple[float, torch.optim.Optimizer, Any]:
    """``(lr, optimizer, scheduler)``: what only the steps need (built before the first
    one, or at once when :func:`_deferrable` says it cannot wait).

    ``x0`` (K, T) are the starting portfolio returns (used by the smoothed curvature only).
    """
    lr = _initial_lr(problem, config, grid, metric, smoothing, w, t, x0)
    optimizer = _make_optimizer(opt_name, config, w, t, lr, problem, use_graphs)
    scheduler = make_lr_scheduler(optimizer, config.lr_schedule, max_steps)
    return lr, optimizer, scheduler


def _initial_lr(
    problem: Problem,
    config: EngineConfig,
    grid: RunGrid,
    metric: torch.Tensor | None,
    smoothing: SmoothingContinuation,
    w: torch.Tensor,
    t: torch.Tensor | None,
    x0: torch.Tensor | None,
) -> float:
    """The explicit step size, else ``0.5 / L`` from the (smoothed) curvature."""
    if config.lr is not None:
        return float(config.lr)
    if smoothing.active and t is not None:
        curv = problem.spec.impl.smoothed_curvature(  # type: ignore[attr-defined]
            problem.returns, w, t, smoothing.tau, metric, portfolio_x=x0
        )
        return SGD_LR_FACTOR / curv
    return auto_lr(problem, config, grid, metric)


def _make_optimizer(
    name: OptimizerName,
    config: EngineConfig,
    w: torch.Tensor,
    t: torch.Tensor | None,
    lr: float,
    problem: Problem,
    capturable: bool,
) -> torch.optim.Optimizer:
    """``torch.optim.SGD`` (Nesterov momentum) or ``Adam`` over the weights and ``t``."""
    params: list[dict[str, object]] = [{"params": [w], "lr": lr}]
    if t is not None:
        lr_t = lr
        if name is OptimizerName.ADAM:  # per-coordinate steps: the return scale for t
            lr_t = lr * problem.n_assets * return_scale(problem.returns)
        params.append({"params": [t], "lr": lr_t})
    if name is OptimizerName.SGD:
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=config.momentum,
            nesterov=config.nesterov and config.momentum > 0,
        )
    # capturable: Adam keeps its step count on the device, so a CUDA graph can hold it
    return torch.optim.Adam(params, lr=lr, capturable=capturable)


def _metric_projection(problem: Problem, metric: torch.Tensor | None, euclidean):  # noqa: ANN001, ANN202
    """The projection in the preconditioner's metric (the Euclidean one without it)."""
    if metric is None:
        return euclidean
    by_part = problem.constraints.metric_projector(problem.n_assets, metric)
    if by_part is not None:  # group limits: the group kernel in the metric
        return by_part
    lo, hi = float(problem.constraints.min_weight), float(problem.constraints.max_weight)
    return lambda v: project_box_sum_metric(v, metric, lo, hi)


def _as_tensor(values: tuple[float, ...] | None, like: torch.Tensor) -> torch.Tensor | None:
    if values is None:
        return None
    return torch.tensor([float(v) for v in values], device=like.device, dtype=like.dtype)


__all__ = ["Averaging", "build_state", "evaluate", "initial_weights"]
