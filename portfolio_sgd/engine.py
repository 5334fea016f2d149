"""The mini-batch SGD loop: sampling, steps, schedules, projection, averaging, stopping.

K independent runs (different seeds' streams, batch sizes, risk aversions, step sizes)
are optimised together as one (K, N) weight tensor: every step draws a (K, B) index matrix
on the device, forms the mini-batch gradients with two batched matrix products, lets a
``torch.optim`` optimiser take the step and projects every row back onto the feasible set.
No host-device copy happens per step; the full-data objective is evaluated only every
``eval_every`` steps (for the history, the tolerance test and divergence detection).

A batch of at least T rows (every run) means the full data: the gradient is then exact, so
a growing batch schedule turns SGD into projected (accelerated) gradient descent at the
end, which is what lets the defaults reach tight accuracy.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator

import numpy as np
import torch

from .config import Averaging, EngineConfig, OptimizerName
from .continuation import next_smoothing_stage, smoothing_schedule
from .defaults import (  # noqa: F401 - re-exported for callers of the engine
    auto_lr,
    resolve_averaging,
    resolve_metric,
    resolve_optimizer,
    smoothing_active,
)
from .errors import ConfigError, DivergenceError
from .gradients import batch_gradient, gathers_tail_rows
from .metric_projection import project_box_sum_metric
from .objectives import (
    full_objective,
    optimal_var_level,
    portfolio_returns,
)
from .problem import EngineOutput, Problem, RunGrid  # noqa: F401 - re-exported
from .quadratic import QuadraticForm, quadratic_form, uses_quadratic_form
from .sampling import BatchSampler, Sampling
from .schedules import BatchSchedule, batch_growth_factor, batch_sizes_at, make_lr_scheduler
from .step_graphs import StepGraphs
from .step_size import (
    SGD_LR_FACTOR,
    return_scale,
    smoothed_cvar_curvature,
)

FULL_BATCH_MOMENTUM = 0.99
GATHER_FRACTION = 4
"""The geometric schedule switches to the full data once a batch reaches T / 4 rows."""


TOL_EPS_FACTOR = 2.0
"""The tolerance stop is floored at this many machine epsilons of the working dtype."""

SMALL_STEP_ELEMENTS = 2_000_000
"""Below this many ``K x rows x N`` elements per step, the CPU loop runs on one thread."""


@contextlib.contextmanager
def _cpu_threads(problem: Problem, config: EngineConfig, grid: RunGrid) -> Iterator[None]:
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


def run_engine(problem: Problem, config: EngineConfig, grid: RunGrid) -> EngineOutput:
    """Optimise K runs of ``problem`` together (see :func:`_run_engine`)."""
    with _cpu_threads(problem, config, grid):
        return _run_engine(problem, config, grid)


def _run_engine(problem: Problem, config: EngineConfig, grid: RunGrid) -> EngineOutput:
    """Optimise K runs of ``problem`` together.

    Parameters
    ----------
    problem : Problem
    config : EngineConfig
    grid : RunGrid

    Returns
    -------
    EngineOutput

    Raises
    ------
    InfeasibleConstraintError
        Before any step, for an infeasible constraint specification.
    DivergenceError
        When the loss or the iterate becomes non-finite.
    """
    n_rows, n_assets, n_runs = problem.n_rows, problem.n_assets, grid.size
    euclidean_projection = problem.constraints.projector(n_assets)  # validates once
    if n_runs < 1:
        raise ConfigError("at least one run is needed")
    R, dev, dtype = problem.returns, problem.returns.device, problem.returns.dtype
    spec = problem.spec
    opt_name = resolve_optimizer(config, spec)
    averaging = resolve_averaging(config, spec)
    if opt_name is OptimizerName.ADAM and (
        config.batch_schedule is BatchSchedule.LINEAR_SCALING or grid.lr_scales is not None
    ):
        raise ConfigError("per-run or batch-coupled step sizes need --optimizer sgd")

    lam = _as_tensor(grid.risk_aversions, dev, dtype)
    lr_scales = _as_tensor(grid.lr_scales, dev, dtype)
    metric = resolve_metric(problem, config)
    lo, hi = float(problem.constraints.min_weight), float(problem.constraints.max_weight)

    def project(v: torch.Tensor) -> torch.Tensor:
        if metric is None:
            return euclidean_projection(v)
        return project_box_sum_metric(v, metric, lo, hi)

    w = _initial_weights(problem, grid, dev, dtype)
    t, x0 = None, None
    if spec.has_var_level:
        x0 = portfolio_returns(R, w)
        t = optimal_var_level(x0, spec.alpha).clone()
    smoothing = smoothing_active(config, spec)
    tau, tau_min = smoothing_schedule(config, R) if smoothing else (0.0, 0.0)
    auto = config.lr is None
    if not auto:
        lr = float(config.lr)
    elif smoothing:
        curv = smoothed_cvar_curvature(R, w, t, tau, spec.alpha, metric, portfolio_x=x0)
        lr = SGD_LR_FACTOR / curv
    else:
        lr = auto_lr(problem, config, grid, metric)
    del x0  # (K, T): not kept through the loop
    params: list[dict[str, object]] = [{"params": [w], "lr": lr}]
    if t is not None:
        lr_t = lr * n_assets * return_scale(R) if opt_name is OptimizerName.ADAM else lr
        params.append({"params": [t], "lr": lr_t})
    use_graphs = _graphs_enabled(config, problem)
    if opt_name is OptimizerName.SGD:
        optimizer: torch.optim.Optimizer = torch.optim.SGD(
            params,
            lr=lr,
            momentum=config.momentum,
            nesterov=config.nesterov and config.momentum > 0,
        )
    else:
        # capturable: Adam keeps its step count on the device, so a CUDA graph can hold it
        optimizer = torch.optim.Adam(params, lr=lr, capturable=use_graphs)

    max_steps = _step_budget(config, grid, n_rows, spec.objective.is_smooth or smoothing)
    scheduler = make_lr_scheduler(optimizer, config.lr_schedule, max_steps)
    gen = torch.Generator(device=dev).manual_seed(int(config.seed))
    sampler = BatchSampler(n_rows, n_runs, config.sampling, gen, dev, dtype)
    base_sizes = [int(m) for m in grid.batch_sizes]

    restart = config.restart and opt_name is OptimizerName.SGD and config.momentum > 0
    avg_w = w.detach().clone() if averaging is not Averaging.NONE else None
    avg_t = t.detach().clone() if (t is not None and avg_w is not None) else None
    avg_count = 0
    avg_n = torch.zeros((), device=dev, dtype=dtype)  # the same count, on the device
    momentum_raised = False
    tau_settled = False
    avg_start = _averaging_start(averaging, config, max_steps)
    loss_acc = torch.zeros(n_runs, device=dev, dtype=dtype)
    acc_steps = 0
    samples = [0] * n_runs
    history: list[dict[str, object]] = []
    adaptive_growth = config.batch_schedule is BatchSchedule.GEOMETRIC
    jump_to_full = False
    start_obj = _evaluate(problem, w, lam)
    start_scale = start_obj.abs()
    prev_obj: torch.Tensor | None = start_obj if adaptive_growth else None
    best_obj = torch.full_like(start_obj, float("inf"))
    best_w = w.detach().clone()
    prev_best: torch.Tensor | None = None
    calm = 0
    stop_reason = "max steps"
    bar = _progress(config, max_steps)
    graphs = StepGraphs(use_graphs, gen)
    replacement = config.sampling is Sampling.REPLACEMENT
    # An objective evaluated in float32 cannot resolve relative changes much below its
    # precision: the tolerance is floored there, or rounding noise keeps the run going.
    tol = max(float(config.tol), TOL_EPS_FACTOR * torch.finfo(dtype).eps) if config.tol else 0.0
    quad: QuadraticForm | None = None
    start = time.perf_counter()
    step = 0
    while True:
        factor = batch_growth_factor(
            config.batch_schedule, step, config.batch_growth, config.growth_every
        )
        sizes = [n_rows] * n_runs if jump_to_full else batch_sizes_at(base_sizes, factor, n_rows)
        full = min(sizes) >= n_rows
        if adaptive_growth and not full and min(sizes) * GATHER_FRACTION >= n_rows:
            # A gathered batch this large costs as much as a full pass (it copies the rows),
            # so the geometric schedule goes straight to exact full-data gradients.
            sizes, full, jump_to_full = [n_rows] * n_runs, True, True
        if smoothing and not tau_settled and step > 0 and step % config.growth_every == 0:
            previous_tau = tau
            tau, lr = next_smoothing_stage(
                problem, config, w, t, tau, lr, metric, auto and scheduler is None
            )
            for group in optimizer.param_groups:
                group["lr"] = lr
            # settled once the halving has reached the floor (which drifts a little with
            # the portfolio's scale), with exact gradients
            tau_settled = tau >= 0.75 * previous_tau and full
        if full and restart and not momentum_raised:
            # Exact gradients from here on: heavier momentum is safe with restarts and
            # fixes ill-conditioned problems (accelerated projected gradient).
            for group in optimizer.param_groups:
                group["momentum"] = max(group["momentum"], FULL_BATCH_MOMENTUM)
            momentum_raised = True
        scale = lr_scales
        if config.batch_schedule is BatchSchedule.LINEAR_SCALING:
            scale = factor if scale is None else scale * factor
        averaging_now = avg_w is not None and step >= avg_start
        restart_now = restart and full
        if full and quad is None and uses_quadratic_form(spec, n_rows, n_assets):
            quad = quadratic_form(problem)  # once, on the first exact step

        def tensor_step(
            sizes: list[int] = sizes,
            full: bool = full,
            tau: float = tau,
            scale: torch.Tensor | float | None = scale,
            restart_now: bool = restart_now,
            averaging_now: bool = averaging_now,
            quad: QuadraticForm | None = quad if full else None,
        ) -> None:
            """One step on device tensors: capturable as a CUDA graph.

            No host synchronisation, except CVaR's tail gather on exact steps of large
            problems (those steps are not captured, see ``capturable``). Its Python-side
            constants are bound here and listed in ``regime`` below.
            """
            with torch.no_grad():
                losses, grad_w, grad_t = batch_gradient(
                    problem, w, t, lam, sizes, full, sampler, tau, quad
                )
                if scale is not None:
                    grad_w = grad_w * (scale[:, None] if isinstance(scale, torch.Tensor) else scale)
                # The component along (1, ..., 1) never moves a fully invested portfolio
                # (the projection removes it); dropping it keeps Adam's per-coordinate
                # scaling on the differences between assets.
                grad_w = grad_w - grad_w.mean(dim=1, keepdim=True)
                if metric is not None:
                    grad_w = grad_w / metric
                w.grad = grad_w
                # the restart test needs the previous iterate, only once gradients are exact
                prev_w = w.detach().clone() if restart_now else None
                prev_t = t.detach().clone() if (restart_now and t is not None) else None
                if t is not None:
                    t.grad = grad_t
            optimizer.step()
            with torch.no_grad():
                w.copy_(project(w))
                if prev_w is not None:
                    raw_grad = grad_w * (metric if metric is not None else 1.0)
                    uphill = (raw_grad * (w - prev_w)).sum(dim=1)
                    if t is not None and prev_t is not None:
                        uphill = uphill + grad_t * (t - prev_t)
                    _restart_momentum(optimizer, uphill > 0)
                if averaging_now:
                    avg_n.add_(1.0)
                    avg_w.add_((w - avg_w) / avg_n)
                    if avg_t is not None:
                        avg_t.add_((t - avg_t) / avg_n)
                loss_acc.add_(losses)

        # Everything Python-side the step reads; None when the step cannot be captured
        # (an lr scheduler changes lr every step; shuffled epochs and mixed batch sizes
        # build index tensors on the host; large CVaR full steps find their tail rows).
        capturable = scheduler is None and (
            (full and not gathers_tail_rows(spec, n_rows))
            or (not full and replacement and len(set(sizes)) == 1)
        )
        # (lr and momentum live in the optimiser's param groups: a graph bakes them in)
        linear = factor if config.batch_schedule is BatchSchedule.LINEAR_SCALING else None
        regime = (
            (tuple(sizes), full, tau, lr, momentum_raised, averaging_now, linear)
            if capturable
            else None
        )
        graphs.run(regime, tensor_step)
        if scheduler is not None:
            scheduler.step()
        if averaging_now:
            avg_count += 1
        acc_steps += 1
        for j, m in enumerate(sizes):
            samples[j] += min(m, n_rows)
        step += 1
        if bar is not None:
            bar.update(1)

        budget_hit = _budget_reason(config, step, max_steps, samples, n_rows, start)
        if step % config.eval_every == 0 or budget_hit:
            report_w = avg_w if (avg_w is not None and avg_count > 0) else w
            obj = _evaluate(problem, report_w, lam)
            batch_loss = loss_acc / acc_steps
            if not (torch.isfinite(obj).all() and torch.isfinite(batch_loss).all()):
                raise DivergenceError(
                    f"the loss became non-finite at step {step} with learning rate {lr:.3g}; "
                    "try a smaller --lr"
                )
            history.append(
                {
                    "step": step,
                    "samples": list(samples),
                    "batch_size": list(sizes),
                    "batch_loss": batch_loss.detach().cpu().tolist(),
                    "objective": obj.detach().cpu().tolist(),
                }
            )
            loss_acc.zero_()
            acc_steps = 0
            if budget_hit:
                stop_reason = budget_hit
                break
            deterministic = _deterministic(full, averaging, config)
            if deterministic:
                # Keep the best evaluated iterate: with exact gradients every evaluation is
                # exact, so the best one is never worse than the last (momentum can
                # oscillate, a smoothed CVaR polish can overshoot the exact objective).
                improved = obj < best_obj
                best_obj = torch.where(improved, obj, best_obj)
                best_w = torch.where(improved[:, None], report_w, best_w)
            settled = not smoothing or tau_settled
            if config.tol is not None and deterministic and settled and prev_best is not None:
                # relative improvement of the best value, with a floor for optima at 0
                denominator = best_obj.abs() + 1e-6 * start_scale
                change = (prev_best - best_obj) / denominator.clamp_min(1e-300)
                calm = calm + 1 if bool((change <= tol).all()) else 0
                if calm >= 2:
                    stop_reason = "tolerance"
                    break
            if deterministic:
                prev_best = best_obj.clone()
            if adaptive_growth and not full and prev_obj is not None:
                # No progress on the full objective since the last evaluation: the
                # iterate sits at this batch size's noise floor (or started near the
                # optimum, e.g. warm-started), so growing further in stages only wastes
                # steps. Switch to exact gradients now.
                jump_to_full = bool((obj >= prev_obj).all())
            prev_obj = obj
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - start
    final_w = avg_w if (avg_w is not None and avg_count > 0) else w.detach()
    objective = _evaluate(problem, final_w, lam)
    better = best_obj < objective  # never when no exact evaluation happened (best = inf)
    final_w = torch.where(better[:, None], best_w, final_w)
    objective = torch.where(better, best_obj, objective)
    final_t = (
        optimal_var_level(portfolio_returns(R, final_w), spec.alpha) if t is not None else None
    )
    return EngineOutput(
        weights=final_w.detach().clone(),
        last_weights=w.detach().clone(),
        objective=objective,
        var_level=final_t,
        history=history,
        steps=step,
        samples_seen=samples,
        wall_time=wall,
        lr=float(lr),
        optimizer=opt_name.value,
        averaging=averaging.value,
        stop_reason=stop_reason,
        step_graphs=graphs.summary(),
    )


def _graphs_enabled(config: EngineConfig, problem: Problem) -> bool:
    """CUDA graphs of the step: on CUDA devices unless switched off."""
    return bool(config.cuda_graphs) and problem.returns.device.type == "cuda"


def _restart_momentum(optimizer: torch.optim.Optimizer, uphill: torch.Tensor) -> None:
    """Zero the momentum of the runs whose last step went uphill (gradient restart).

    Parameters
    ----------
    optimizer : torch.optim.SGD
    uphill : Tensor of bool, shape (K,)
        ``<grad, step> > 0`` per run.
    """
    keep = 1.0 - uphill.to(torch.float64)
    for group in optimizer.param_groups:
        for param in group["params"]:
            buf = optimizer.state.get(param, {}).get("momentum_buffer")
            if buf is None:
                continue
            factor = keep.to(buf.dtype)
            buf.mul_(factor[:, None] if buf.ndim == 2 else factor)


def _evaluate(problem: Problem, weights: torch.Tensor, lam: torch.Tensor | None) -> torch.Tensor:
    with torch.no_grad():
        return full_objective(
            problem.spec, problem.returns, weights, problem.mean, problem.benchmark, lam
        )


def _initial_weights(
    problem: Problem, grid: RunGrid, dev: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    n_runs, n_assets = grid.size, problem.n_assets
    if grid.init_weights is None:
        start = problem.constraints.feasible_start(n_assets, dtype=dtype, device=dev)
        w0 = start.expand(n_runs, n_assets).clone()
    else:
        init = torch.as_tensor(np.array(grid.init_weights, dtype=np.float64), device=dev).to(dtype)
        if init.ndim == 1:
            init = init.expand(n_runs, n_assets)
        if tuple(init.shape) != (n_runs, n_assets):
            raise ConfigError(
                f"initial weights have shape {tuple(init.shape)}, expected ({n_runs}, {n_assets})"
            )
        if not torch.isfinite(init).all():
            raise ConfigError("initial weights contain NaN or inf")
        w0 = problem.constraints.project(init.clone())
    return w0.contiguous().requires_grad_(False)


def _as_tensor(
    values: tuple[float, ...] | None, dev: torch.device, dtype: torch.dtype
) -> torch.Tensor | None:
    if values is None:
        return None
    return torch.tensor([float(v) for v in values], device=dev, dtype=dtype)


def _step_budget(
    config: EngineConfig, grid: RunGrid, n_rows: int, spec_is_smooth: bool
) -> int | None:
    """Maximum step count if it is known up front, else None (epochs/time with growth)."""
    if config.steps is not None:
        return int(config.steps)
    if config.epochs is not None:
        if config.batch_schedule is BatchSchedule.CONSTANT:
            per_step = max(1, min(max(grid.batch_sizes), n_rows))
            return max(1, math.ceil(config.epochs * n_rows / per_step))
        return None
    if config.time_budget is not None:
        return None
    if not spec_is_smooth:
        return int(config.max_steps_default) // 5
    return int(config.max_steps_default)


def _budget_reason(
    config: EngineConfig,
    step: int,
    max_steps: int | None,
    samples: list[int],
    n_rows: int,
    start: float,
) -> str:
    if max_steps is not None and step >= max_steps:
        return "max steps"
    if config.epochs is not None and max(samples) >= config.epochs * n_rows:
        return "epochs"
    if config.time_budget is not None and time.perf_counter() - start >= config.time_budget:
        return "time budget"
    if max_steps is None and step >= config.max_steps_default * 50:
        return "max steps"
    return ""


def _averaging_start(averaging: Averaging, config: EngineConfig, max_steps: int | None) -> int:
    if averaging is Averaging.NONE:
        return 1 << 62
    if averaging is Averaging.TAIL and max_steps is not None:
        return int((1.0 - config.tail_fraction) * max_steps)
    budget = max_steps if max_steps is not None else config.eval_every * 10
    return int(0.1 * budget)


def _deterministic(full: bool, averaging: Averaging, config: EngineConfig) -> bool:
    """Whether the tolerance test is meaningful now (exact gradients or averaged iterates)."""
    return full or (
        averaging is not Averaging.NONE and config.batch_schedule is BatchSchedule.CONSTANT
    )


def _progress(config: EngineConfig, total: int | None):  # noqa: ANN202 - tqdm type
    if not config.progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="SGD steps", unit="step", leave=False)
