"""One engine step as a closure of device operations (capturable as a CUDA graph).

:func:`make_step` binds the Python-side constants of the current regime (batch sizes,
smoothing, step-size scale, restart and averaging switches) into a closure that samples a
batch, forms the gradients, lets ``torch.optim`` take the step, projects, tests for a
momentum restart and updates the average. It also returns the regime's key for
:class:`~portfolio_sgd.engine.step_graphs.StepGraphs`, or None when the step cannot be
captured.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import torch

from ..measures.quadratic import exact_step_form
from .batching import Regime
from .gradients import batch_gradient
from .restart import restart_momentum
from .sampling import Sampling
from .state import EngineState


def make_step(state: EngineState, regime: Regime) -> tuple[Callable[[], None], Hashable | None]:
    """The step closure for ``regime`` and its capture key (None: run it eagerly).

    A step cannot be captured when an lr scheduler changes the step size every step,
    when shuffled epochs or mixed batch sizes build index tensors on the host, or when a
    full-data step gathers rows found on the host (large CVaR problems).
    """
    s, problem = state, state.problem
    full, sizes = regime.full, regime.sizes
    if full and not s.quad_checked:
        s.quad = exact_step_form(problem)  # once, on the first exact step
        s.quad_checked = True
    quad = s.quad if full else None
    tau = s.smoothing.tau
    scale = s.batches.lr_scale(regime, s.lr_scales)
    restart_now = s.restart.active(full)
    averaging_now = s.average.active_at(s.step)
    w, t, metric = s.w, s.t, s.metric
    orthant = s.orthant
    gradient = batch_gradient if s.hooks is None else s.hooks.gradient
    prox, step_size = s.prox, _prox_step(s, scale)

    def tensor_step() -> None:
        """One step on device tensors (no host synchronisation but CVaR's tail gather)."""
        with torch.no_grad():
            losses, grad_w, grad_t = gradient(
                problem, w, t, s.risk_aversions, sizes, full, s.sampler, tau, quad
            )
            if scale is not None:
                grad_w = grad_w * (scale[:, None] if isinstance(scale, torch.Tensor) else scale)
            # The component along (1, ..., 1) never moves a fully invested portfolio (the
            # projection removes it); dropping it keeps Adam's per-coordinate scaling on
            # the differences between assets. An orthant iterate (risk parity) keeps it.
            if not orthant:
                grad_w = grad_w - grad_w.mean(dim=1, keepdim=True)
            if metric is not None:
                grad_w = grad_w / metric
            w.grad = grad_w
            # the restart test needs the previous iterate, only once gradients are exact
            prev_w = w.detach().clone() if restart_now else None
            prev_t = t.detach().clone() if (restart_now and t is not None) else None
            if t is not None:
                t.grad = grad_t
        s.optimizer.step()
        with torch.no_grad():
            w.copy_(s.project(w) if prox is None else prox(w, step_size))
            if prev_w is not None:
                raw_grad = grad_w * (metric if metric is not None else 1.0)
                uphill = (raw_grad * (w - prev_w)).sum(dim=1)
                if t is not None and prev_t is not None:
                    uphill = uphill + grad_t * (t - prev_t)
                restart_momentum(s.optimizer, uphill > 0)
            if averaging_now:
                s.average.update(w, t)
            s.loss_sum.add_(losses)

    replacement = s.config.sampling is Sampling.REPLACEMENT
    capturable = s.scheduler is None and (
        (full and not s.objective.gathers_tail_rows(problem.n_rows))
        or (not full and replacement and len(set(sizes)) == 1)
    )
    # everything Python-side the step reads (lr and momentum live in the optimiser's
    # param groups: a graph bakes them in)
    key = (
        tuple(sizes),
        full,
        tau,
        s.lr,
        s.restart.raised,
        averaging_now,
        s.batches.linear_factor(regime),
    )
    return tensor_step, (key if capturable else None)


def _prox_step(s: EngineState, scale: float | torch.Tensor | None) -> float | torch.Tensor:
    """Each run's step size now (a float, or (K, 1) with per-run scales): the prox's
    threshold multiplier (the optimiser's current lr times the run's scale)."""
    lr = float(s.optimizer.param_groups[0]["lr"])
    if scale is None:
        return lr
    return lr * scale[:, None] if isinstance(scale, torch.Tensor) else lr * float(scale)
