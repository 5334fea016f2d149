"""Mini-batch (or full-data) losses and gradients of K runs at once."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

from ..measures.quadratic import QuadraticForm, quadratic_loss_and_gradient
from ..objectives import ObjectiveSpec, scenario_derivatives, scenario_losses
from ..objectives.common import mean_returns, weighted_mean
from .sampling import BatchSampler

if TYPE_CHECKING:  # pragma: no cover
    from .problem import Problem


GATHER_ELEMENTS = 1 << 22
"""Numbers gathered at a time for a mini-batch (4 M: 16 MB in float32)."""


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
    :mod:`portfolio_sgd.measures.quadratic`), else from a pass over the data. A term of the
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
        lam_g = sel(lam) if lam is not None else None
        mu_g = sel(mu) if mu.ndim == 2 else mu
        t_g = sel(t) if t is not None else None
        loss_g, grad_g, dt = _sampled_gradient(
            problem, idx, sel(w), sel(mean_return), t_g, lam_g, mu_g, tau
        )
        if rows is None:
            losses, grad_w, grad_t = loss_g, grad_g, dt
            continue
        losses.index_copy_(0, rows, loss_g)
        grad_w.index_copy_(0, rows, grad_g)
        if dt is not None and grad_t is not None:
            grad_t.index_copy_(0, rows, dt)
    return losses, grad_w, grad_t


def _sampled_gradient(
    problem: Problem,
    idx: torch.Tensor,
    w: torch.Tensor,
    mean_return: torch.Tensor,
    t: torch.Tensor | None,
    lam: torch.Tensor | None,
    mu: torch.Tensor,
    tau: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Mean losses (K_g,), weight gradients (K_g, N) and VaR gradients (K_g,) of one group
    of runs on its sampled rows ``idx`` (K_g, m).

    The rows are gathered :data:`GATHER_ELEMENTS` numbers at a time (every scenario term
    is row-wise), so a batch near the data's size never copies the whole matrix.
    """
    R, spec = problem.returns, problem.spec
    k_g, m = idx.shape
    n_assets = R.shape[1]
    step = max(1, GATHER_ELEMENTS // (k_g * n_assets))
    loss_sum = torch.zeros(k_g, dtype=w.dtype, device=w.device)
    grad_sum = torch.zeros_like(w)
    dt_sum = torch.zeros_like(t) if t is not None else None
    for start in range(0, m, step):
        part = idx[:, start : start + step]
        k, mc = part.shape
        flat = part.reshape(-1)
        # index_select on flattened indices is ~100x faster than R[idx] with a 2-D index
        rb = R.index_select(0, flat).view(k, mc, n_assets)  # (K_g, mc, N)
        x = torch.bmm(rb, w.unsqueeze(2)).squeeze(2)  # (K_g, mc)
        bench = None
        if problem.benchmark is not None:
            bench = problem.benchmark.index_select(0, flat).view(k, mc)
        args = (spec, x, mean_return, t, bench)
        g, c, dt = scenario_derivatives(*args, lam, tau)
        loss_sum += scenario_losses(*args, lam, tau).sum(dim=1)
        grad_sum += torch.bmm(g.unsqueeze(1), rb).squeeze(1)
        if c is not None:
            grad_sum += c.sum(dim=1)[:, None] * mu
        if dt is not None and dt_sum is not None:
            dt_sum += dt.sum(dim=1)
    return loss_sum / m, grad_sum / m, None if dt_sum is None else dt_sum / m


def gathers_tail_rows(spec: ObjectiveSpec, n_rows: int) -> bool:
    """Whether full-data gradients gather a subset of rows (CVaR's tail: a host sync)."""
    return spec.impl.gathers_tail_rows(n_rows)


def _select_rows(values: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    """``values[rows]`` along the first axis (all of it when ``rows`` is None)."""
    return values if rows is None else values.index_select(0, rows)
