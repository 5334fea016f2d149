"""Error bars and resampled portfolios: B bootstrap resamples optimised as one batch.

Each of B resamples of the T rows is one run of a (B, N) batch through per-run row
weights: ``c_bt`` counts how often row t appears in resample b, so run b minimises the
resample's full-data objective ``(1/T) sum_t c_bt l_t`` (centred on the resample's own
mean) without copying the data (:mod:`portfolio_sgd.engine.weighting`). The resamples
are the stationary block bootstrap of :mod:`.resampling`.

The summaries are the bootstrap standard error (standard deviation across resamples,
``ddof=1``), the 5-95% percentile interval, and the probability that an asset is held
(``w > 1e-4``); the objective, annual return and annual volatility of each resample's
portfolio on its own resample give their intervals.

:class:`BootstrapSolver` runs its inner solver (the point estimate), then the resamples.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..data.frequency import periods_per_year
from ..engine import Problem, RunGrid, run_engine
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData
from ..errors import ConfigError
from ..measures.quadratic import uses_weighted_form
from ..results import ErrorBars, OptimizationResult
from .base import Solver, Task
from .noise_comparison import compare_noise
from .resampling import auto_block_length, check_block_length, resample_counts, stationary_indices

HELD_THRESHOLD = 1e-4
"""An asset counts as held when its weight exceeds this."""
LEVELS = (0.05, 0.95)
"""Percentile interval reported."""


@dataclass(frozen=True)
class BootstrapSolver:
    """The inner solver's point estimate with bootstrap error bars (or, with
    ``resample``, the resampled (Michaud) portfolio in its place).

    Attributes
    ----------
    inner : Solver
        Solves the point estimate (a plain run, recency-weighted if the task says so).
    n_resamples : int, optional
        B (default :data:`DEFAULT_RESAMPLES`).
    block_length : float, optional
        Mean block length (1: i.i.d.; None: automatic).
    resample : bool
        Report the resampled portfolio instead of the point estimate.
    """

    inner: Solver
    n_resamples: int | None = None
    block_length: float | None = None
    resample: bool = False

    def solve(self, task: Task) -> OptimizationResult:
        """The point estimate, then the resamples (the block length checked first)."""
        base = task.row_weights
        if self.block_length is not None:
            check_block_length(task.prepared.problem.n_rows, float(self.block_length))
        result = self.inner.solve(task)
        return with_error_bars(
            result, task.prepared, self.n_resamples, self.block_length, self.resample, base
        )


def summarise(
    weights: np.ndarray,
    objective: np.ndarray,
    returns: np.ndarray,
    counts: np.ndarray,
    tickers: list[str],
    periods: int,
    block_length: float,
    resampled: bool = False,
) -> ErrorBars:
    """The :class:`ErrorBars` of bootstrap weights (B, N).

    Parameters
    ----------
    weights : ndarray, shape (B, N)
    objective : ndarray, shape (B,)
        Each run's objective on its own resample.
    returns : ndarray, shape (T, N)
    counts : ndarray, shape (B, T)
        Resample counts (rows sum to T).
    tickers : list of str, length N
    periods : int
        Periods per year (annualisation).
    block_length : float
    resampled : bool
    """
    n_rows = returns.shape[0]
    x = weights @ returns.T  # (B, T): each portfolio's returns
    growth = (counts * np.log1p(x)).sum(axis=1) / n_rows
    annual = np.expm1(periods * growth)
    mean = (counts * x).sum(axis=1) / n_rows
    var = (counts * (x - mean[:, None]) ** 2).sum(axis=1) / (n_rows - 1)
    vol = np.sqrt(var * periods)
    lo, hi = np.quantile(weights, LEVELS, axis=0)

    def interval(v: np.ndarray) -> tuple[float, float]:
        a, b = np.quantile(v, LEVELS)
        return float(a), float(b)

    return ErrorBars(
        weights_se=pd.Series(weights.std(axis=0, ddof=1), index=tickers),
        weights_lo=pd.Series(lo, index=tickers),
        weights_hi=pd.Series(hi, index=tickers),
        p_held=pd.Series((weights > HELD_THRESHOLD).mean(axis=0), index=tickers),
        objective=interval(objective),
        annual_return=interval(annual),
        annual_volatility=interval(vol),
        n_resamples=int(weights.shape[0]),
        block_length=float(block_length),
        resampled=resampled,
        bootstrap_weights=pd.DataFrame(weights, columns=tickers),
    )


DEFAULT_RESAMPLES = 200
"""Resamples when ``--resample`` or ``--error-bars`` is asked for without a count."""


def bootstrap_runs(
    prepared: PreparedData,
    config: EngineConfig,
    point: np.ndarray,
    n_resamples: int,
    block_length: float | None,
    base: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Optimise B resamples as one batch of row-weighted runs (warm-started at ``point``).

    Parameters
    ----------
    prepared : PreparedData
    config : EngineConfig
        The point estimate's settings; its seed also seeds the resampling.
    point : ndarray, shape (N,)
        The point-estimate weights (warm start, and the portfolio whose squared returns
        set the automatic block length).
    n_resamples : int
    block_length : float, optional
        Mean block length (1: i.i.d.); None: :func:`auto_block_length`.
    base : ndarray, shape (T,), optional
        Row weights of the point estimate (recency weighting): resample b weighs row t
        by ``counts_bt * base_t`` (rescaled to mean 1).

    Returns
    -------
    (weights (B, N), objective (B,), row weights (B, T) with mean 1, block_length)
    """
    problem = prepared.problem
    returns = problem.returns.detach().cpu().numpy().astype(np.float64)
    if block_length is None:
        block_length = auto_block_length(returns @ point)
    check_block_length(problem.n_rows, float(block_length))
    rng = np.random.default_rng([int(config.seed), 14])
    counts = resample_counts(
        stationary_indices(problem.n_rows, int(n_resamples), float(block_length), rng),
        problem.n_rows,
    )
    if base is not None:
        counts = counts * base[None, :]
        counts *= problem.n_rows / counts.sum(axis=1, keepdims=True)
    # with one moment matrix per resample (quadratic objectives) an exact step costs
    # O(N^2) per run: the resamples then take exact steps from the start
    exact = uses_weighted_form(problem.spec, problem.n_rows, problem.n_assets, len(counts))
    grid = RunGrid(
        batch_sizes=(problem.n_rows if exact else int(config.batch_size),) * int(n_resamples),
        init_weights=point,
        row_weights=counts,
    )
    out = run_engine(problem, config, grid, ())
    weights = out.weights.detach().cpu().numpy().astype(np.float64)
    objective = out.objective.detach().cpu().numpy().astype(np.float64)
    return weights, objective, counts, float(block_length)


def with_error_bars(
    result: OptimizationResult,
    prepared: PreparedData,
    n_resamples: int | None,
    block_length: float | None,
    resample: bool,
    base: np.ndarray | None = None,
) -> OptimizationResult:
    """``result`` with its :class:`ErrorBars`; with ``resample`` its weights become the
    resampled (Michaud) portfolio, the average of the bootstrap weights (feasible: the
    constraint set is convex), and ``objective_value`` that portfolio's full-data value.
    The certificate fields still describe the point estimate. ``base`` (T,): the point
    estimate's row weights (recency), applied to every resample.
    """
    n = DEFAULT_RESAMPLES if n_resamples is None else int(n_resamples)
    point = result.weights.to_numpy()
    weights, objective, counts, length = bootstrap_runs(
        prepared, result.config, point, n, block_length, base
    )
    returns = prepared.problem.returns.detach().cpu().numpy().astype(np.float64)
    periods = periods_per_year(prepared.index)
    bars = summarise(
        weights, objective, returns, counts, prepared.tickers, periods, length, resample
    )
    bars = _with_noise(bars, prepared.problem, result, point, base)
    if not resample:
        return result.with_reports(bars)
    problem = prepared.problem
    average = weights.mean(axis=0)
    w = torch.as_tensor(
        average[None, :], dtype=problem.returns.dtype, device=problem.returns.device
    )
    value = _full_value(problem, w, base)
    return result.with_reports(
        bars,
        weights=pd.Series(average, index=prepared.tickers),
        objective_value=float(value[0]),
        certificate_method=(
            f"{result.certificate_method}, of the point estimate (the resampled average is "
            "not an optimum of the full-data objective by design)"
        ),
    )


def _full_value(problem: Problem, w: torch.Tensor, base: np.ndarray | None) -> torch.Tensor:
    """The objective (1,) of weights (1, N) on the data, weighted by ``base`` (T,) if given."""
    if base is None:
        return problem.spec.impl.full_value(problem.returns, w, problem.mean, problem.benchmark)
    R = problem.returns
    c = torch.as_tensor(base[None, :], dtype=R.dtype, device=R.device)
    mean = (c @ R) / problem.n_rows
    return problem.spec.impl.full_value(R, w, mean, problem.benchmark, None, c)


def _with_noise(
    bars: ErrorBars,
    problem: Problem,
    result: OptimizationResult,
    point: np.ndarray,
    base: np.ndarray | None,
) -> ErrorBars:
    """``bars`` with SGD's noise next to the data's, or the reason it does not apply."""
    try:
        noise = compare_noise(problem, result.config, point, result.lr, bars.weights_se, base)
    except ConfigError as exc:
        return dataclasses.replace(bars, noise_note=str(exc))
    if result.polished:  # the spread is SGD's at this m; the reported weights carry none
        finished = "this run's reported weights were finished exactly, so carry no SGD noise"
        noise = dataclasses.replace(noise, note=f"{noise.note.split('; ')[0]}; {finished}")
    return dataclasses.replace(bars, noise=noise)
