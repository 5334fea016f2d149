"""Mini-batch (or full-data) losses and gradients of K runs at once."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

from .objectives import ObjectiveSpec, scenario_derivatives, scenario_losses
from .objectives.common import mean_returns, weighted_mean
from .quadratic import QuadraticForm, quadratic_loss_and_gradient
from .sampling import BatchSampler

if TYPE_CHECKING:  # pragma: no cover
    from .engine.problem import Problem


def batch_gradient(
    problem: Problem,
    w: torch.Tensor,
    t: torch.Tensor | None,
    lam: torch.Tensor | None,
    sizes: list[int],
    full: bool,
    sampler: BatchSampler,
    tau: float = 0.0,
    quad: QuadraticForm | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Mini-batch losses (K,), weight gradients (K, N) and VaR-level gradients (K,).

    With ``full`` the gradient is exact: from the moment matrix ``quad`` when given (see
    :mod:`portfolio_sgd.quadratic`), else from a pass over the data. A term of the
    objective that depends on the weights directly (``weight_loss``/``weight_gradient``,
    e.g. risk parity's barrier) is added exactly, once, to the sampled part.
    """
    losses, grad_w, grad_t = _scenario_gradient(problem, w, t, lam, sizes, full, sampler, tau, quad)
    objective = problem.spec.impl
    extra = objective.weight_gradient(w)
    if extra is None:
        return losses, grad_w, grad_t
    return losses + objective.weight_loss(w), grad_w + extra, grad_t  # type: ignore[operator]


def _scenario_gradient(
    problem: Problem,
    w: torch.Tensor,
    t: torch.Tensor | None,
    lam: torch.Tensor | None,
    sizes: list[int],
    full: bool,
    sampler: BatchSampler,
    tau: float,
    quad: QuadraticForm | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The part of :func:`batch_gradient` that comes from the scenarios (losses per row)."""
    R, spec, mu, c_rows = problem.returns, problem.spec, problem.means, problem.row_weights
    if full and quad is not None:
        losses, grad_w = quadratic_loss_and_gradient(spec, quad, w, mu, lam)
        return losses, grad_w, None
    mean_return = mean_returns(w, mu)
    if full:
        x = w @ R.T  # (K, T)
        bench = problem.benchmark[None, :] if problem.benchmark is not None else None
        g, c, dt = scenario_derivatives(spec, x, mean_return, t, bench, lam, tau)
        losses = weighted_mean(scenario_losses(spec, x, mean_return, t, bench, lam, tau), c_rows)
        n = float(R.shape[0])
        g = g * c_rows if c_rows is not None else g  # (K, T): each run's resample
        grad_w = spec.impl.full_gradient_product(g, R, problem.mean, lam) / n
        if c is not None:
            grad_w = grad_w + weighted_mean(c, c_rows)[:, None] * mu
        grad_t = weighted_mean(dt, c_rows) if dt is not None else None
        return losses, grad_w, grad_t
    n_runs, n_assets = w.shape
    losses = torch.empty(n_runs, dtype=w.dtype, device=w.device)
    grad_w = torch.empty_like(w)
    grad_t = torch.empty_like(t) if t is not None else None
    for rows, idx in sampler.draw_groups(sizes):
        sel = functools.partial(_select_rows, rows=rows)
        k_g, m = idx.shape
        flat = idx.reshape(-1)
        # index_select on flattened indices is ~100x faster than R[idx] with a 2-D index
        rb = R.index_select(0, flat).view(k_g, m, n_assets)  # (K_g, m, N)
        w_g = sel(w)
        x = torch.bmm(rb, w_g.unsqueeze(2)).squeeze(2)  # (K_g, m)
        bench = (
            problem.benchmark.index_select(0, flat).view(k_g, m)
            if problem.benchmark is not None
            else None
        )
        args = (spec, x, sel(mean_return), sel(t) if t is not None else None, bench)
        lam_g = sel(lam) if lam is not None else None
        g, c, dt = scenario_derivatives(*args, lam_g, tau)
        loss_g = scenario_losses(*args, lam_g, tau).mean(dim=1)
        grad_g = torch.bmm(g.unsqueeze(1), rb).squeeze(1) / m
        if c is not None:
            grad_g = grad_g + c.mean(dim=1)[:, None] * (sel(mu) if mu.ndim == 2 else mu)
        if rows is None:
            losses, grad_w = loss_g, grad_g
            if dt is not None:
                grad_t = dt.mean(dim=1)
            continue
        losses.index_copy_(0, rows, loss_g)
        grad_w.index_copy_(0, rows, grad_g)
        if dt is not None and grad_t is not None:
            grad_t.index_copy_(0, rows, dt.mean(dim=1))
    return losses, grad_w, grad_t


def gathers_tail_rows(spec: ObjectiveSpec, n_rows: int) -> bool:
    """Whether full-data gradients gather a subset of rows (CVaR's tail: a host sync)."""
    return spec.impl.gathers_tail_rows(n_rows)


def _select_rows(values: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    """``values[rows]`` along the first axis (all of it when ``rows`` is None)."""
    return values if rows is None else values.index_select(0, rows)
