"""The mini-batch SGD loop over an :class:`~portfolio_sgd.engine.state.EngineState`.

K independent runs (seeds' streams, batch sizes, risk aversions, step sizes) are
optimised together as one (K, N) weight tensor: every step draws a (K, B) index matrix on
the device, forms the mini-batch gradients with two batched matrix products, lets a
``torch.optim`` optimiser take the step and projects every row back onto the feasible
set (:mod:`.step`). No host-device copy happens per step; the full-data objective is
evaluated every ``eval_every`` steps (history, tolerance, divergence, callbacks).

A batch of at least T rows (every run) is the full data: the gradient is then exact, so a
growing batch schedule turns SGD into projected (accelerated) gradient descent at the
end, which is what lets the defaults reach tight accuracy. The policies (batch schedule,
smoothing continuation, averaging, momentum restart, stopping) are small classes in
their own modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import torch

from ..errors import DivergenceError
from ..objectives import optimal_var_level, portfolio_returns
from ..utils.progress import Progress
from .config import EngineConfig
from .early_finish import EarlyFinish
from .polishing import polish_final
from .precision import loop_problem
from .problem import EngineOutput, Problem, RunGrid
from .setup import build_state, evaluate
from .splitting import RUN_SPLITTER
from .state import Callback, EngineState, EvaluationView
from .step import make_step
from .threads import cpu_threads


def run_engine(
    problem: Problem,
    config: EngineConfig,
    grid: RunGrid,
    callbacks: Sequence[Callback] = (),
    builder: Callable[[Problem, EngineConfig, RunGrid], EngineState] = build_state,
) -> EngineOutput:
    """Optimise K runs of ``problem`` together.

    Parameters
    ----------
    problem : Problem
    config : EngineConfig
    grid : RunGrid
    callbacks : sequence of callables
        Each is called with an :class:`EvaluationView` after every full-data evaluation
        (and once more, with ``final=True``, for the returned weights).
    builder : callable
        Builds the engine state (a sharded problem's: see :mod:`portfolio_sgd.distributed`).

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
    splitter = RUN_SPLITTER.get()
    if splitter is not None:  # the runs are divided among the ranks of a group
        return splitter(problem, config, grid, callbacks)
    with cpu_threads(problem, config, grid):
        sharded = builder is not build_state
        stepped, step_config = loop_problem(problem, config, grid, sharded)
        state = builder(stepped, step_config, grid)
        _set_exact_problem(state, problem if stepped is not problem else state.problem)
        state.early = EarlyFinish.start(state.problem, state.exact_problem, config, sharded)
        state.progress = _progress(config)
        state.stopping.started = time.perf_counter()
        try:
            if not _finish_before_the_first_step(state):
                _loop(state, callbacks)
        finally:
            state.progress.close()
        return _finish(state, callbacks)


def _loop(s: EngineState, callbacks: Sequence[Callback]) -> None:
    """Step until a budget is spent or the tolerance test passes (sets ``stop_reason``)."""
    config = s.config
    s.ensure_training()  # the step size and optimiser: built only now that steps are taken
    while True:
        regime = s.batches.regime_at(s.step)
        if s.smoothing.due(s.step):
            s.set_lr(s.smoothing.advance(s.problem.returns, s.w, s.t, s.lr, s.metric, regime.full))
        s.restart.on_regime(s.optimizer, regime.full)
        averaging_now = s.average.active_at(s.step)
        step_fn, key = make_step(s, regime)
        s.graphs.run(key, step_fn)
        if s.scheduler is not None:
            s.scheduler.step()
        s.average.count += int(averaging_now)
        s.loss_steps += 1
        s.samples = [
            n + min(m, s.problem.n_rows) for n, m in zip(s.samples, regime.sizes, strict=True)
        ]
        s.step += 1
        s.early.count_step(regime.sizes)
        s.progress.update(1)
        budget_hit = s.stopping.budget_reason(s.step, s.samples)
        if s.step % config.eval_every != 0 and not budget_hit:
            continue
        objective = _evaluate_and_record(s, regime.sizes, callbacks)
        s.progress.set_objective(objective)
        s.early.count_evaluation(len(regime.sizes))
        if budget_hit:
            s.stop_reason = budget_hit
            return
        if s.early.due(s.step, regime.full) and s.early.attempt(
            s.step, s.report_weights(), objective, s.exact_lam
        ):
            s.stop_reason = "exact finish"
            return
        if s.stopping.converged(objective, s.report_weights(), regime.full, s.smoothing.settled):
            s.stop_reason = "tolerance"
            return
        s.batches.observe(objective, regime.full)


def _finish_before_the_first_step(s: EngineState) -> bool:
    """Try the exact QP (or whole-data LP) finish at the starting weights when it is
    predicted cheaper than the steps the loop would take (:meth:`.EarlyFinish.due_at_start`); True when it is a
    verified optimum (``stop_reason = "exact finish"``, no step taken)."""
    if not s.early.due_at_start(s.grid.size, s.stopping.max_steps):
        return False
    weights = s.report_weights()
    objective = _start_objective(s, weights)
    if s.early.attempt(0, weights, objective, s.exact_lam, s.early.start_options()):
        s.stop_reason = "exact finish"
        return True
    return False


def _start_objective(s: EngineState, weights: torch.Tensor) -> torch.Tensor:
    """The objective (K,) of the reported starting ``weights`` (K, N): set-up's evaluation
    of ``s.w`` when they are that iterate and the single-process evaluation made it (the
    same numbers), else a fresh full-data evaluation."""
    same = weights is s.w and s.hooks is None and s.problem.row_weights is None
    if same and s.start_objective is not None:
        return s.start_objective
    return _evaluator(s)(s.problem, weights, s.risk_aversions, s.quad)


def _evaluate_and_record(
    s: EngineState, sizes: list[int], callbacks: Sequence[Callback]
) -> torch.Tensor:
    """Evaluate the reported iterate on the full data, check finiteness, append history."""
    began = time.perf_counter()
    weights = s.report_weights()
    objective = _evaluator(s)(s.problem, weights, s.risk_aversions, s.quad)
    batch_loss = s.loss_sum / s.loss_steps
    if not (torch.isfinite(objective).all() and torch.isfinite(batch_loss).all()):
        raise DivergenceError(
            f"the loss became non-finite at step {s.step} with learning rate {s.lr:.3g}; "
            "try a smaller --lr"
        )
    s.history.append(
        {
            "step": s.step,
            "samples": list(s.samples),
            "batch_size": list(sizes),
            "batch_loss": batch_loss.detach().cpu().tolist(),
            "objective": objective.detach().cpu().tolist(),
        }
    )
    s.loss_sum.zero_()
    s.loss_steps = 0
    _notify(s, callbacks, began, objective, weights, sizes, final=False)
    return objective


def _notify(
    s: EngineState,
    callbacks: Sequence[Callback],
    began: float,
    objective: torch.Tensor,
    weights: torch.Tensor,
    sizes: list[int],
    final: bool,
) -> None:
    """Call every callback with a read-only view (copies taken only when there are any)."""
    if not callbacks:
        return
    s.ensure_training()  # the step size they are shown, even after no step
    view = EvaluationView(
        step=s.step,
        elapsed=began - s.stopping.started,
        evaluation_seconds=time.perf_counter() - began,
        objective=objective.detach().clone(),
        weights=weights.detach().clone(),
        batch_sizes=tuple(int(m) for m in sizes),
        samples=tuple(s.samples),
        lr=float(s.lr),
        smoothing=float(s.smoothing.tau),
        final=final,
    )
    for callback in callbacks:
        callback(view)


def _finish(s: EngineState, callbacks: Sequence[Callback]) -> EngineOutput:
    """The reported weights (averaged, or the best exact iterate) and their objective."""
    began = time.perf_counter()
    final_w, objective, polish, polished = _finished_weights(s)
    wall = time.perf_counter() - s.stopping.started
    sizes = s.history[-1]["batch_size"] if s.history else list(s.grid.batch_sizes)
    _notify(s, callbacks, began, objective, final_w, list(sizes), final=True)  # type: ignore[arg-type]
    var_level = None
    if s.t is not None and s.hooks is not None:
        var_level = s.hooks.var_level(s.problem, final_w)
    elif s.t is not None:
        x = portfolio_returns(s.exact_problem.returns, final_w)
        var_level = optimal_var_level(x, s.problem.spec.alpha)
    return EngineOutput(
        weights=final_w.detach().clone(),
        last_weights=s.objective.report(s.w.detach()).clone(),
        objective=objective,
        var_level=var_level,
        history=s.history,
        steps=s.step,
        samples_seen=s.samples,
        wall_time=wall,
        lr=None if s.lr is None else float(s.lr),
        optimizer=s.optimizer_name.value,
        averaging=s.averaging.value,
        stop_reason=s.stop_reason,
        step_graphs=s.graphs.summary(),
        polish=polish,
        polished=polished,
    )


def _finished_weights(s: EngineState) -> tuple[torch.Tensor, torch.Tensor, str, list[bool]]:
    """``(weights, objective, polish summary, polished)`` of the run's end.

    The early finish's verified optimum when it stopped the loop; otherwise the reported
    (or best exact) iterate, moved to the exact problem's dtype after a float32 phase, and
    the exact finish of it.
    """
    if s.early.result is not None:
        w, objective, summary, polished = s.early.result
        return w, objective, summary + s.early.describe(), polished
    final_w = s.objective.report(s.average.report(s.w.detach()))
    objective = _evaluator(s)(s.problem, final_w, s.risk_aversions, s.quad)
    final_w, objective = s.stopping.pick(objective, final_w)
    exact = s.exact_problem
    if exact is not s.problem:  # after a float32 phase: evaluated on the float64 data
        final_w = final_w.to(exact.returns.dtype)
        objective = evaluate(exact, final_w, s.exact_lam)
    final_w, objective, polish, polished = polish_final(
        exact, s.config, final_w, objective, s.exact_lam
    )
    return final_w, objective, polish + s.early.describe(), polished


def _set_exact_problem(s: EngineState, exact: Problem) -> None:
    """Record the problem the run ends on and the grid's per-run parameters in its dtype."""
    s.exact_problem = exact
    s.exact_lam = s.risk_aversions
    values = s.grid.risk_aversions
    if exact is not s.problem and values is not None:
        s.exact_lam = torch.tensor(
            [float(v) for v in values], device=exact.returns.device, dtype=exact.returns.dtype
        )


def _evaluator(s: EngineState):  # noqa: ANN202 - the evaluate signature
    """The full-data evaluation: the single-process one, or the state's hook."""
    return evaluate if s.hooks is None else s.hooks.evaluate


def _progress(config: EngineConfig) -> Progress:
    """The steps' progress: no total, since the step budget is a cap the tolerance test
    usually stops well before (a bar to it would show a wrong estimate of the time left)."""
    return Progress(config.progress, desc="SGD steps", unit="step", total=None)
