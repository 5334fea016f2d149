"""SGD's own noise next to the data's: which one dominates the weights' uncertainty.

Two sources of spread in a weight vector found by mini-batch SGD on a history:

- **SGD noise**: at a constant step ``eta`` and batch size ``m``, the iterates fluctuate
  around the optimum with the stationary covariance of
  :func:`portfolio_sgd.engine.stationary.stationary_covariance` (this run's optimiser,
  momentum and preconditioner, linearised at the weights found), the spread set by the
  temperature ``eta sigma^2 / (2 m)``. It shrinks as ``1 / m``.
- **Data noise**: the history is one draw; the bootstrap standard error
  (:class:`portfolio_sgd.estimation.bootstrap.ErrorBars`) measures how the optimum moves with it.

Totals are root sums of per-asset variances. The batch size that makes SGD's noise
negligible is the smallest ``m`` whose total SGD standard deviation is at most
``NEGLIGIBLE`` (10%) of the data's. The comparison is for constant-step SGD at the
*chosen* (initial) batch size: with a growing batch schedule the engine ends on
full-data steps, and the reported weights then carry less SGD noise than this (the
``note`` says so).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from ..engine import Problem, RunGrid
from ..engine.config import EngineConfig
from ..engine.defaults import auto_lr, resolve_metric, resolve_optimizer
from ..engine.sampling import Sampling, finite_population_factor
from ..engine.stationary import stationary_covariance
from ..errors import ConfigError
from ..objectives import PortfolioObjective
from ..results.noise import NEGLIGIBLE, NoiseComparison

FREE_TOL = 1e-7
"""A weight within this of a bound is held at the bound (not free)."""
MAX_FREE = 1500
"""Largest number of free assets for which the Lyapunov equation is solved."""


def negligible_batch_size(
    sgd_total: float, data_total: float, batch_size: int, n_rows: int, replacement: bool
) -> int:
    """Smallest ``m`` whose SGD total spread is ``<= NEGLIGIBLE * data_total``.

    The stationary variance is ``v1 / m`` with replacement (``v1`` its value at m = 1) and
    ``v1 (T/(T-1)) (1/m - 1/T)`` for shuffled epochs; capped at T (full-data steps).
    """
    target = (NEGLIGIBLE * data_total) ** 2
    var = sgd_total**2
    if var <= target:
        return 1
    factor = 1.0 if replacement else (1.0 - batch_size / n_rows) * n_rows / (n_rows - 1)
    v1 = var * batch_size / factor if factor > 0 else 0.0
    if replacement:
        m = v1 / target
    else:
        m = 1.0 / (target * (n_rows - 1) / (v1 * n_rows) + 1.0 / n_rows)
    return int(min(math.ceil(m * (1.0 - 1e-12)), n_rows))


def gradient_moments(
    impl: PortfolioObjective,
    returns: torch.Tensor,
    w: torch.Tensor,
    mean: torch.Tensor,
    rows: torch.Tensor | None,
    benchmark: torch.Tensor | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hessian (N, N) of the full objective and covariance (N, N) of per-sample gradients.

    The Hessian is autograd's, of ``full_value`` (the weight terms included); per-sample
    gradients ``g_t R_t + c_t mu`` have the sampling distribution of the engine: row t
    drawn with probability ``c_t / T`` (uniform without row weights).
    """
    w = w.detach().clone()

    def value(v: torch.Tensor) -> torch.Tensor:
        row = None if rows is None else rows[None, :]
        return impl.full_value(returns, v[None, :], mean, benchmark, None, row)[0]

    hess = torch.autograd.functional.hessian(value, w)
    x = (returns @ w)[None, :]
    bench = None if benchmark is None else benchmark[None, :]
    g, c, _ = impl.derivatives(x, (mean @ w)[None], None, bench)
    grads = g[0][:, None] * returns
    if c is not None:
        grads = grads + c[0][:, None] * mean[None, :]
    p = torch.full((returns.shape[0],), 1.0 / returns.shape[0], dtype=returns.dtype)
    if rows is not None:
        p = rows / rows.sum()
    centred = grads - p @ grads
    cov = (centred * p[:, None]).T @ centred
    return hess.numpy(), cov.numpy()


def default_step_size(problem: Problem, config: EngineConfig) -> float:
    """The step size a run of ``config`` on ``problem`` takes by default (``auto_lr`` at its
    batch size): what a run that finished exactly before its first step would have used."""
    grid = RunGrid(batch_sizes=(int(config.batch_size or 1),))
    return auto_lr(problem, config, grid, resolve_metric(problem, config))


def compare_noise(
    problem: Problem,
    config: EngineConfig,
    point: np.ndarray,
    lr: float | None,
    data_se: pd.Series,
    rows: np.ndarray | None = None,
) -> NoiseComparison:
    """SGD's stationary spread at the run's (eta, m) next to the bootstrap's, per asset.

    Parameters
    ----------
    problem : engine.Problem
        The point estimate's problem (spec resolved).
    config : EngineConfig
    point : ndarray, shape (N,)
        The point estimate (the linearisation point).
    lr : float or None
        The step size the run used; None for a run the exact finish ended before its
        first step (its step size was never computed): the default step size its steps
        would have taken (:func:`default_step_size`).
    data_se : Series, shape (N,)
        Bootstrap standard errors by ticker.
    rows : ndarray, shape (T,), optional
        Row weights of the objective (recency).

    Raises
    ------
    ConfigError
        Where the linearisation does not apply (a non-smooth objective, Adam, an iterate
        off the budget set, a binding leverage cap, too many free assets, an unstable step).
    """
    _check_applicable(problem, config, point)
    lr = default_step_size(problem, config) if lr is None else float(lr)
    hess, cov, n_rows = _moments_at(problem, point, rows)
    lo, hi = (
        np.asarray(b) for b in (problem.constraints.min_weight, problem.constraints.max_weight)
    )
    free = (point > lo + FREE_TOL) & (point < hi - FREE_TOL)  # bounds: one or one per asset
    if int(free.sum()) > MAX_FREE:
        raise ConfigError(f"{int(free.sum())} free assets: the Lyapunov solve is skipped")
    m = min(int(config.batch_size), n_rows)
    sampling = Sampling(config.sampling)
    var = _stationary_variance(problem, config, hess, cov, free, lr, m, n_rows)
    centre = np.eye(len(point)) - 1.0 / len(point)
    sigma2 = float(np.trace(centre @ cov @ centre))
    sgd_total, data_total = float(np.sqrt(var.sum())), float(np.sqrt((data_se**2).sum()))
    ratio = sgd_total / data_total if data_total > 0 else math.inf
    replacement = sampling is Sampling.REPLACEMENT
    return NoiseComparison(
        sgd_sd=pd.Series(np.sqrt(var), index=data_se.index),
        data_se=data_se,
        sgd_total=sgd_total,
        data_total=data_total,
        ratio=ratio,
        dominant="sgd" if ratio > 1.0 else "data",
        batch_size=m,
        lr=float(lr),
        temperature=float(lr) * sigma2 / (2.0 * m),
        negligible_batch_size=negligible_batch_size(sgd_total, data_total, m, n_rows, replacement),
        note=_note(config, m, n_rows),
        n_rows=n_rows,
    )


def _moments_at(
    problem: Problem, point: np.ndarray, rows: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """The Hessian (N, N) and per-scenario gradient covariance (N, N) at ``point``, in
    float64 on the CPU, and the number of rows T."""
    R = problem.returns.detach().to("cpu", torch.float64)
    n_rows = R.shape[0]
    rows_t = None if rows is None else torch.as_tensor(rows, dtype=torch.float64)
    mean = R.mean(dim=0) if rows_t is None else (rows_t @ R) / n_rows
    bench = problem.benchmark
    bench = None if bench is None else bench.detach().to("cpu", torch.float64)
    w = torch.tensor(np.array(point, dtype=np.float64))
    hess, cov = gradient_moments(problem.spec.impl, R, w, mean, rows_t, bench)
    return hess, cov, n_rows


def _stationary_variance(
    problem: Problem,
    config: EngineConfig,
    hess: np.ndarray,
    cov: np.ndarray,
    free: np.ndarray,
    lr: float,
    m: int,
    n_rows: int,
) -> np.ndarray:
    """Per-asset stationary variance (N,) of SGD at step ``lr`` and batch ``m`` (zero when
    the batch is the whole data: no sampling noise)."""
    if m >= n_rows:
        return np.zeros(len(free))
    metric = resolve_metric(problem, config)
    sigma = stationary_covariance(
        hess,
        cov,
        free,
        float(lr),
        m,
        momentum=float(config.momentum),
        nesterov=bool(config.nesterov),
        metric=None if metric is None else metric.detach().cpu().double().numpy(),
        population_factor=finite_population_factor(m, n_rows, Sampling(config.sampling)),
    )
    return np.clip(np.diag(sigma), 0.0, None)


def _check_applicable(problem: Problem, config: EngineConfig, point: np.ndarray) -> None:
    """Raise :class:`ConfigError` where the linearised SGD step does not describe the run."""
    impl, cons = problem.spec.impl, problem.constraints
    if not impl.is_smooth or impl.feasible_set != "budget":
        raise ConfigError(
            f"no stationary SGD spread for {impl.name} (no Hessian on the budget set)"
        )
    if resolve_optimizer(config, problem.spec).value != "sgd":
        raise ConfigError("no stationary SGD spread for Adam (not a linear step)")
    lev = cons.max_leverage
    if lev is not None and float(np.abs(point).sum()) >= lev - 1e-6:
        raise ConfigError("no stationary SGD spread with a binding leverage cap")


def _note(config: EngineConfig, m: int, n_rows: int) -> str:
    """How the comparison relates to the run actually made (schedule, averaging)."""
    if m >= n_rows:
        return "the batch is the full data: exact gradients, no SGD noise"
    parts = [f"constant-step SGD at m = {m} (this run's step size, momentum, preconditioner)"]
    schedule = config.batch_schedule.value
    if schedule != "constant":
        parts.append(
            f"this run's batch grew from m ({schedule} schedule), so its reported weights "
            "carry less SGD noise than this"
        )
    if config.averaging is not None and config.averaging.value != "none":
        parts.append("iterate averaging reduces it further")
    return "; ".join(parts)
