"""The engine state of a sharded problem: :func:`build_state` with reduced data passes.

The same policies as a single-process run (optimiser, batch schedule, smoothing,
averaging, momentum restart, stopping) read full-data quantities that are reduced over
ranks: the starting objective and VaR, the smoothing scale, and the moment-based set-up
(preconditioner, automatic step size, risk parity's start) from the moment rows of
:class:`~portfolio_sgd.distributed.problem.ShardedProblem`. The engine's data passes are
replaced by :class:`~portfolio_sgd.distributed.ops.ShardedHooks`. Trading costs and
turnover limits act per asset (a prox and a projection of the weights): every rank
applies the same one to the same weights, as a single process does.
"""

from __future__ import annotations

import torch

from ..constraints.trading.terms import trading_config, trading_prox
from ..engine import step_graphs
from ..engine.averaging import IterateAverage
from ..engine.config import EngineConfig, OptimizerName
from ..engine.continuation import SmoothingContinuation
from ..engine.defaults import resolve_averaging, resolve_metric, resolve_optimizer, smoothing_active
from ..engine.problem import RunGrid
from ..engine.restart import MomentumRestart
from ..engine.sampling import Sampling
from ..engine.schedules import BatchSchedule, make_lr_scheduler
from ..engine.setup import (
    _as_tensor,
    _batch_policy,
    _initial_lr,
    _make_optimizer,
    _start,
)
from ..engine.state import EngineState
from ..engine.step_size import SGD_LR_FACTOR
from ..engine.stopping import StoppingRule, step_budget
from ..errors import ConfigError
from ..objectives.common import portfolio_returns
from .ops import ShardedHooks, check_shardable, sharded_evaluate, sharded_var_level
from .problem import ShardedProblem
from .sampling import GlobalIndexSampler
from .smoothing import ShardedSmoothing


def build_sharded_state(
    problem: ShardedProblem, config: EngineConfig, grid: RunGrid
) -> EngineState:
    """Everything the engine loop needs for K runs of a sharded problem.

    Raises
    ------
    ConfigError
        For settings a sharded run does not support (row weights, shuffled sampling, an
        objective that cannot be sharded) and as :func:`portfolio_sgd.engine.setup.build_state`.
    """
    _check(problem, config, grid)
    config = trading_config(problem, config)  # proximal steps without momentum
    euclidean = problem.constraints.projector(problem.n_assets)
    moments = problem.moment_problem()
    objective = problem.spec.impl
    opt_name = resolve_optimizer(config, problem.spec)
    averaging = resolve_averaging(config, problem.spec)
    _check_step_sizes(opt_name, config, grid)
    R = problem.returns
    lam = _as_tensor(grid.risk_aversions, R)
    metric = resolve_metric(moments, config)
    w, project, orthant = _start(moments, grid, metric, euclidean)
    prox = trading_prox(problem, metric, w, opt_name is OptimizerName.ADAM)  # per asset
    t, x0 = _var_start(problem, w)
    smoothing = SmoothingContinuation.start(
        ShardedSmoothing(objective, problem),  # type: ignore[arg-type]
        R,
        smoothing_active(config, problem.spec),
        config.cvar_smoothing,
        config.growth_every,
        adapt_lr=False,
    )
    lr = _lr(problem, config, grid, metric, smoothing, w, t, x0)
    optimizer = _make_optimizer(opt_name, config, w, t, lr, moments, False)
    smooth = objective.is_smooth or smoothing.active
    max_steps = step_budget(config, max(grid.batch_sizes), problem.n_rows, smooth)
    scheduler = make_lr_scheduler(optimizer, config.lr_schedule, max_steps)
    smoothing.adapt_lr = config.lr is None and scheduler is None
    gen = torch.Generator(device=R.device).manual_seed(int(config.seed))
    sampler = GlobalIndexSampler(
        problem.n_rows, problem.offset, problem.local_rows, grid.size, gen, R.device
    )
    restart = config.restart and opt_name is OptimizerName.SGD and config.momentum > 0
    start_objective = sharded_evaluate(problem, w, lam)
    return EngineState(
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
        prox=prox,
        optimizer=optimizer,
        optimizer_name=opt_name,
        scheduler=scheduler,
        lr=lr,
        auto_lr=config.lr is None,
        sampler=sampler,  # type: ignore[arg-type]
        graphs=step_graphs.make_step_graphs(False, gen),
        batches=_batch_policy(config, grid, problem.n_rows, start_objective),
        smoothing=smoothing,
        average=IterateAverage.start(averaging, config, max_steps, w, t),
        restart=MomentumRestart(restart),
        stopping=StoppingRule.start(
            config, max_steps, problem.n_rows, averaging, start_objective, w
        ),
        averaging=averaging,
        loss_sum=torch.zeros(grid.size, device=R.device, dtype=R.dtype),
        samples=[0] * grid.size,
        quad_checked=True,  # full steps pass over the shards: no moment-matrix shortcut
        hooks=ShardedHooks(),
    )


def _var_start(
    problem: ShardedProblem, w: torch.Tensor
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The VaR level (K,) at the start weights (K, N) and this rank's returns (K, T_r),
    for objectives with a VaR level (reduced over ranks); ``(None, None)`` otherwise."""
    if not problem.spec.impl.has_var_level:
        return None, None
    x0 = portfolio_returns(problem.returns, w)
    return sharded_var_level(problem, x0).clone(), x0


def _check_step_sizes(opt_name: OptimizerName, config: EngineConfig, grid: RunGrid) -> None:
    """Refuse per-run or batch-coupled step sizes under Adam (they scale SGD's steps)."""
    if opt_name is OptimizerName.ADAM and (
        config.batch_schedule is BatchSchedule.LINEAR_SCALING or grid.lr_scales is not None
    ):
        raise ConfigError("per-run or batch-coupled step sizes need --optimizer sgd")


def _lr(problem, config, grid, metric, smoothing, w, t, x0) -> float:  # noqa: ANN001
    """The step size as single-process: the smoothed curvature (reduced) or ``0.5 / L``
    from the moment rows."""
    if config.lr is None and smoothing.active and t is not None:
        curv = smoothing.objective.smoothed_curvature(  # type: ignore[attr-defined]
            problem.returns, w, t, smoothing.tau, metric, portfolio_x=x0
        )
        return SGD_LR_FACTOR / curv
    return _initial_lr(problem.moment_problem(), config, grid, metric, smoothing, w, t, x0)


def _check(problem: ShardedProblem, config: EngineConfig, grid: RunGrid) -> None:
    if grid.size < 1:
        raise ConfigError("at least one run is needed")
    if grid.row_weights is not None:
        raise ConfigError(
            "row weights (bootstrap, recency) cannot run sharded; split the runs instead "
            "(--split runs)"
        )
    if config.sampling is not Sampling.REPLACEMENT:
        raise ConfigError("a sharded run samples with replacement (--sampling replacement)")
    check_shardable(problem.spec.impl)


__all__ = ["build_sharded_state"]
