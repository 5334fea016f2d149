"""The engine's data passes for a sharded problem: gradients, evaluations, the VaR level.

Each function has the signature of the single-process one it replaces
(:func:`portfolio_sgd.engine.gradients.batch_gradient`, :func:`portfolio_sgd.engine.setup.evaluate`,
the VaR of the final weights) and is plugged into the engine through
:class:`ShardedHooks`. A rank sums the per-scenario terms of its rows; the sums of all
ranks are added by one all-reduce per step: the (K, N) gradient sums, the (K,) loss
sums, and the (K,) sums of ``dl/d(mu.w)`` and ``dl/dt`` (CVaR), in one flat buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..constraints.trading.terms import trading_value
from ..errors import ConfigError
from ..objectives import PortfolioObjective, scenario_derivatives, scenario_losses
from ..objectives.common import mean_returns, portfolio_returns
from .problem import ShardedProblem
from .sampling import GlobalIndexSampler
from .selection import kth_smallest


def check_shardable(objective: PortfolioObjective) -> None:
    """Raise a ConfigError for an objective whose full value cannot be sharded.

    The value of an objective that keeps the base ``full_value`` is a mean over
    scenarios (plus the VaR for CVaR), which shards; one that overrides it is sharded
    when it is a function of the covariance (``is_quadratic``, no benchmark), evaluated
    on the moment rows.
    """
    own_value = type(objective).full_value is not PortfolioObjective.full_value
    if own_value and not (objective.is_quadratic and not objective.needs_benchmark):
        raise ConfigError(f"objective {objective.name!r} cannot run sharded across ranks")


def sharded_var_level(problem: ShardedProblem, x: torch.Tensor) -> torch.Tensor:
    """The VaR ``ceil(alpha T)``-th smallest loss ``-x`` (K,) of local returns x (K, T_r)."""
    total = problem.n_rows
    k = min(max(math.ceil(problem.spec.alpha * total), 1), total)
    return kth_smallest(-x, k, total, problem.ctx)


def sharded_evaluate(
    problem: ShardedProblem, weights: torch.Tensor, lam: torch.Tensor | None, quad: object = None
) -> torch.Tensor:
    """The exact full-data objective (K,) of ``weights`` (K, N), the same on every rank
    (with the trading-cost term, which depends on the weights only)."""
    return _data_value(problem, weights, lam) + trading_value(problem, weights)


def _data_value(
    problem: ShardedProblem, weights: torch.Tensor, lam: torch.Tensor | None
) -> torch.Tensor:
    """The objective (K,) without trading costs, reduced over ranks."""
    impl = problem.spec.impl
    with torch.no_grad():
        if type(impl).full_value is not PortfolioObjective.full_value:
            moments = problem.moment_problem()
            return impl.full_value(moments.returns, weights, problem.mean, None, lam)
        x = portfolio_returns(problem.returns, weights)  # (K, T_r)
        t = sharded_var_level(problem, x) if impl.has_var_level else None
        bench = problem.benchmark[None, :] if problem.benchmark is not None else None
        losses = scenario_losses(
            problem.spec, x, mean_returns(weights, problem.mean), t, bench, lam
        )
        total = problem.ctx.all_reduce(losses.sum(dim=1))
        return total / problem.n_rows


def sharded_batch_gradient(
    problem: ShardedProblem,
    w: torch.Tensor,
    t: torch.Tensor | None,
    lam: torch.Tensor | None,
    sizes: list[int],
    full: bool,
    sampler: GlobalIndexSampler,
    tau: float = 0.0,
    quad: object = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Mini-batch (or full-data) losses (K,), weight gradients (K, N), VaR gradients (K,).

    The batch is the global one (:class:`GlobalIndexSampler`); each rank sums the terms
    of its entries and one all-reduce adds them up.
    """
    n_runs, n_assets = w.shape
    mean_return = mean_returns(w, problem.mean)
    if full:
        sums = _full_sums(problem, w, t, lam, tau, mean_return)
        counts = torch.full((n_runs,), float(problem.n_rows), dtype=w.dtype, device=w.device)
    else:
        sums = _batch_sums(problem, w, t, lam, tau, mean_return, sampler, sizes)
        counts = torch.tensor([float(m) for m in sizes], dtype=w.dtype, device=w.device)
    problem.ctx.all_reduce(sums)
    grad_sum = sums[: n_runs * n_assets].view(n_runs, n_assets)
    loss_sum, c_sum, dt_sum = sums[n_runs * n_assets :].view(3, n_runs)
    grad_w = grad_sum / counts[:, None]
    if problem.spec.impl.uses_mean:
        grad_w = grad_w + (c_sum / counts)[:, None] * problem.mean
    grad_t = dt_sum / counts if t is not None else None
    losses = loss_sum / counts
    objective = problem.spec.impl
    extra = objective.weight_gradient(w)
    if extra is None:
        return losses, grad_w, grad_t
    return losses + objective.weight_loss(w), grad_w + extra, grad_t  # type: ignore[operator]


def _full_sums(problem, w, t, lam, tau, mean_return) -> torch.Tensor:  # noqa: ANN001
    """Flat sums [g R (K*N), losses (K), c (K), dt (K)] over this rank's rows."""
    R, spec = problem.returns, problem.spec
    x = portfolio_returns(R, w)  # (K, T_r)
    bench = problem.benchmark[None, :] if problem.benchmark is not None else None
    g, c, dt = scenario_derivatives(spec, x, mean_return, t, bench, lam, tau)
    losses = scenario_losses(spec, x, mean_return, t, bench, lam, tau)
    return _pack(g @ R, losses.sum(dim=1), _row_sum(c, w), _row_sum(dt, w))


def _batch_sums(problem, w, t, lam, tau, mean_return, sampler, sizes) -> torch.Tensor:  # noqa: ANN001
    """Flat sums as :func:`_full_sums` over this rank's entries of the global batch.

    Each entry is treated as a run of one scenario (its run's parameters gathered), so
    the objective's per-scenario code runs unchanged on a (n, 1) batch.
    """
    R, spec = problem.returns, problem.spec
    runs, rows = sampler.local_entries(sizes)
    rb = R.index_select(0, rows)  # (n, N)
    x = (rb * w.index_select(0, runs)).sum(dim=1, keepdim=True)  # (n, 1)
    bench = (
        problem.benchmark.index_select(0, rows)[:, None] if problem.benchmark is not None else None
    )
    args = (
        spec,
        x,
        mean_return.index_select(0, runs),
        t.index_select(0, runs) if t is not None else None,
        bench,
        lam.index_select(0, runs) if lam is not None else None,
    )
    g, c, dt = scenario_derivatives(*args, tau)
    losses = scenario_losses(*args, tau)
    n_runs = w.shape[0]
    grad = torch.zeros_like(w).index_add_(0, runs, g * rb)
    return _pack(
        grad,
        _scatter(losses, runs, n_runs, w),
        _scatter(c, runs, n_runs, w),
        _scatter(dt, runs, n_runs, w),
    )


def _scatter(values: torch.Tensor | None, runs: torch.Tensor, n_runs: int, like: torch.Tensor):  # noqa: ANN202
    out = torch.zeros(n_runs, dtype=like.dtype, device=like.device)
    return out if values is None else out.index_add_(0, runs, values[:, 0])


def _row_sum(values: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    if values is None:
        return torch.zeros(like.shape[0], dtype=like.dtype, device=like.device)
    return values.sum(dim=1)


def _pack(*parts: torch.Tensor) -> torch.Tensor:
    return torch.cat([p.reshape(-1) for p in parts])


@dataclass(frozen=True)
class ShardedHooks:
    """The engine's data passes replaced for a sharded problem (see ``EngineState.hooks``)."""

    gradient: object = sharded_batch_gradient
    evaluate: object = sharded_evaluate

    @staticmethod
    def var_level(problem: ShardedProblem, weights: torch.Tensor) -> torch.Tensor:
        """The VaR level (K,) of the final weights."""
        return sharded_var_level(problem, portfolio_returns(problem.returns, weights))
