"""Estimation error of the weights by the bootstrap: resamples, batched runs, summaries.

Each of B resamples of the T rows is one run of a (B, N) batch through per-run row
weights: ``c_bt`` counts how often row t appears in resample b, so run b minimises the
resample's full-data objective ``(1/T) sum_t c_bt l_t`` (centred on the resample's own
mean) without copying the data (:mod:`portfolio_sgd.engine.weighting`).

Resampling is the stationary block bootstrap of Politis & Romano (1994): blocks start at
uniform positions, wrap around the end, and have geometric lengths with mean L. ``L = 1``
is the i.i.d. bootstrap. The default L is an automatic rule: the AR(1) plug-in of the
Politis & White (2004) optimal mean block length, ``L = (2 rho / (1 - rho^2))^(2/3)
T^(1/3)``, with ``rho`` the first-order autocorrelation of the squared returns of the
point-estimate portfolio (variance objectives depend on second moments, and volatility
clustering is what makes daily squared returns dependent), clipped to
``[1, min(sqrt(T), T / 10)]``.

A block length must leave at least :data:`MIN_BLOCKS` (10) blocks on average: ``L <= T/10``
(:func:`check_block_length`). With ``L`` near ``T`` every resample is one block, a
rotation of the data that every run optimises to the same portfolio, so the error bars
collapse to zero. The stationary bootstrap is consistent only when ``L / T -> 0``; ten
blocks is the usual floor for a percentile interval to mean anything.

Row weights (recency) shrink the sample: their effective size ``(sum c)^2 / sum c^2``
(Kish) must be at least :data:`~portfolio_sgd.data.validation.MIN_ROWS`, the floor raw
rows must meet (:func:`check_effective_rows`).

The summaries are the bootstrap standard error (standard deviation across resamples,
``ddof=1``), the 5-95% percentile interval, and the probability that an asset is held
(``w > 1e-4``); the objective, annual return and annual volatility of each resample's
portfolio on its own resample give their intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.validation import MIN_ROWS
from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ..engine import Problem
    from ..engine.config import EngineConfig
    from ..engine.prepare import PreparedData
    from ..results import OptimizationResult
    from .noise_comparison import NoiseComparison

HELD_THRESHOLD = 1e-4
"""An asset counts as held when its weight exceeds this."""
LEVELS = (0.05, 0.95)
"""Percentile interval reported."""
MIN_BLOCKS = 10
"""Fewest blocks (``T / L``) a stationary-bootstrap resample may have on average."""


def check_block_length(n_rows: int, block_length: float) -> None:
    """Refuse a mean block length that leaves fewer than :data:`MIN_BLOCKS` blocks.

    Raises
    ------
    ConfigError
        One line stating the rule ``L <= T / 10`` and the largest length allowed.
    """
    if not block_length >= 1.0:
        raise ConfigError(f"block length must be >= 1, got {block_length}")
    if block_length * MIN_BLOCKS > n_rows:
        raise ConfigError(
            f"block length {block_length:g} leaves fewer than {MIN_BLOCKS} blocks in "
            f"{n_rows} rows: the bootstrap needs block length <= rows / {MIN_BLOCKS} "
            f"(here <= {n_rows / MIN_BLOCKS:g}), or the error bars collapse to zero"
        )


def effective_sample_size(row_weights: np.ndarray | None, n_rows: int) -> float:
    """Kish's effective sample size ``(sum c)^2 / sum c^2`` of row weights ``c`` (T,)
    (``n_rows`` without weights)."""
    if row_weights is None:
        return float(n_rows)
    c = np.asarray(row_weights, dtype=np.float64)
    return float(c.sum() ** 2 / (c @ c))


def _min_half_life(n_rows: int, min_rows: float) -> float | None:
    """The smallest half-life whose recency weights reach ``min_rows`` effective rows
    (bisection on log h; None if even equal weights do not)."""
    if n_rows < min_rows:
        return None
    lo, hi = 1e-3, 1e9
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if effective_sample_size(recency_weights(n_rows, mid), n_rows) >= min_rows:
            hi = mid
        else:
            lo = mid
    return hi


def check_effective_rows(row_weights: np.ndarray, half_life: float | None = None) -> float:
    """The effective sample size of ``row_weights`` (T,); refuse one below ``MIN_ROWS``.

    Raises
    ------
    ConfigError
        One line naming the effective size, the floor and (for a half-life) the
        smallest half-life that meets it.
    """
    n_rows = len(row_weights)
    ess = effective_sample_size(row_weights, n_rows)
    if ess >= MIN_ROWS - 1e-9:
        return ess
    what = "the row weights" if half_life is None else f"half-life {half_life:g}"
    fix = ""
    least = _min_half_life(n_rows, MIN_ROWS) if half_life is not None else None
    if least is not None:
        fix = f"; use a half-life of at least {math.ceil(least * 100) / 100:g} periods"
    raise ConfigError(
        f"{what} leaves an effective sample size (sum w)^2/sum w^2 of {ess:.3g} of "
        f"{n_rows} rows, fewer than the {MIN_ROWS} rows an optimisation needs{fix}"
    )


def stationary_indices(
    n_rows: int, n_resamples: int, block_length: float, rng: np.random.Generator
) -> np.ndarray:
    """Row indices of B stationary-bootstrap resamples, shape (B, T), int64.

    Each position starts a new block with probability ``1 / block_length`` (always at
    position 0) at a uniform row; otherwise it takes the row after the previous one,
    wrapping from T - 1 to 0. ``block_length = 1`` gives i.i.d. draws.

    Raises
    ------
    ConfigError
        For ``block_length < 1`` or fewer than 2 resamples.
    """
    if not block_length >= 1.0:
        raise ConfigError(f"block length must be >= 1, got {block_length}")
    if n_resamples < 2:
        raise ConfigError(f"the bootstrap needs at least 2 resamples, got {n_resamples}")
    new = rng.random((n_resamples, n_rows)) < 1.0 / block_length
    new[:, 0] = True
    starts = rng.integers(0, n_rows, size=(n_resamples, n_rows))
    positions = np.arange(n_rows)
    began = np.maximum.accumulate(np.where(new, positions, 0), axis=1)  # block start
    first = np.take_along_axis(starts, began, axis=1)
    return (first + (positions - began)) % n_rows


def resample_counts(indices: np.ndarray, n_rows: int) -> np.ndarray:
    """Counts ``c_bt`` (B, T) of row t in resample b, from indices (B, T); rows sum to T."""
    n_resamples = indices.shape[0]
    flat = indices + n_rows * np.arange(n_resamples)[:, None]
    counts = np.bincount(flat.ravel(), minlength=n_resamples * n_rows)
    return counts.reshape(n_resamples, n_rows).astype(np.float64)


def recency_weights(n_rows: int, half_life: float) -> np.ndarray:
    """Exponentially decaying row weights (T,) with mean 1: ``c_t ∝ 2^(-(T-1-t)/h)``.

    The last row weighs most; a row ``h`` periods older weighs half as much.

    Raises
    ------
    ConfigError
        For a half-life that is not positive.
    """
    if not half_life > 0.0:
        raise ConfigError(f"half-life must be positive, got {half_life}")
    age = np.arange(n_rows, dtype=np.float64)[::-1]
    c = np.exp2(-age / float(half_life))
    return c * (n_rows / c.sum())


def auto_block_length(x: np.ndarray) -> float:
    """Mean block length from the autocorrelation of squared returns ``x`` (T,).

    ``L = (2 rho / (1 - rho^2))^(2/3) T^(1/3)`` (the AR(1) plug-in of Politis & White),
    ``rho`` the lag-1 autocorrelation of ``x^2`` (its absolute value, capped at 0.99),
    clipped to ``[1, min(sqrt(T), T / 10)]`` (at least :data:`MIN_BLOCKS` blocks).
    """
    sq = np.asarray(x, dtype=np.float64) ** 2
    dev = sq - sq.mean()
    denom = float(dev @ dev)
    rho = 0.0 if denom <= 0.0 else min(abs(float(dev[1:] @ dev[:-1]) / denom), 0.99)
    n = len(sq)
    length = (2.0 * rho / (1.0 - rho * rho)) ** (2.0 / 3.0) * n ** (1.0 / 3.0)
    return float(max(min(length, math.sqrt(n), n / MIN_BLOCKS), 1.0))


@dataclass(frozen=True)
class ErrorBars:
    """Bootstrap error bars of an optimisation (``OptimizationResult.error_bars``).

    Attributes
    ----------
    weights_se, weights_lo, weights_hi, p_held : pandas.Series, shape (N,)
        Standard error, 5% and 95% percentiles of the weights across resamples, and the
        fraction of resamples holding the asset (``w > 1e-4``), by ticker.
    objective, annual_return, annual_volatility : tuple of float
        5-95% intervals of each resample's portfolio on its own resample.
    n_resamples : int
    block_length : float
        Mean block length used (1: i.i.d.).
    resampled : bool
        The reported weights are the resampled (Michaud) average.
    bootstrap_weights : pandas.DataFrame, shape (B, N)
    noise : NoiseComparison, optional
        SGD's stationary spread at the run's batch size next to these standard errors
        (:mod:`portfolio_sgd.estimation.noise_comparison`); None where it does not apply.
    noise_note : str
        Why ``noise`` is None (empty otherwise).
    """

    weights_se: pd.Series
    weights_lo: pd.Series
    weights_hi: pd.Series
    p_held: pd.Series
    objective: tuple[float, float]
    annual_return: tuple[float, float]
    annual_volatility: tuple[float, float]
    n_resamples: int
    block_length: float
    resampled: bool
    bootstrap_weights: pd.DataFrame
    noise: NoiseComparison | None = None
    noise_note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (per-asset values as ticker -> value)."""

        def by_ticker(s: pd.Series) -> dict[str, float]:
            return {str(k): float(v) for k, v in s.items()}

        return {
            "weights_se": by_ticker(self.weights_se),
            "weights_lo": by_ticker(self.weights_lo),
            "weights_hi": by_ticker(self.weights_hi),
            "p_held": by_ticker(self.p_held),
            "objective_interval": list(self.objective),
            "annual_return_interval": list(self.annual_return),
            "annual_volatility_interval": list(self.annual_volatility),
            "n_resamples": self.n_resamples,
            "block_length": self.block_length,
            "resampled": self.resampled,
            "noise": self.noise.to_dict()
            if self.noise is not None
            else {"unavailable": self.noise_note},
        }


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
    from ..engine import RunGrid, run_engine
    from ..measures.quadratic import uses_weighted_form

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
    import dataclasses

    import torch

    from ..data.frequency import periods_per_year

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
        return dataclasses.replace(result, error_bars=bars)
    problem = prepared.problem
    average = weights.mean(axis=0)
    w = torch.as_tensor(
        average[None, :], dtype=problem.returns.dtype, device=problem.returns.device
    )
    value = _full_value(problem, w, base)
    return dataclasses.replace(
        result,
        weights=pd.Series(average, index=prepared.tickers),
        objective_value=float(value[0]),
        error_bars=bars,
        certificate_method=(
            f"{result.certificate_method}, of the point estimate (the resampled average is "
            "not an optimum of the full-data objective by design)"
        ),
    )


def _full_value(problem: Problem, w: torch.Tensor, base: np.ndarray | None) -> torch.Tensor:
    """The objective (1,) of weights (1, N) on the data, weighted by ``base`` (T,) if given."""
    import torch

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
    import dataclasses

    from .noise_comparison import compare_noise

    try:
        noise = compare_noise(problem, result.config, point, result.lr, bars.weights_se, base)
    except ConfigError as exc:
        return dataclasses.replace(bars, noise_note=str(exc))
    if result.polished:  # the spread is SGD's at this m; the reported weights carry none
        finished = "this run's reported weights were finished exactly, so carry no SGD noise"
        noise = dataclasses.replace(noise, note=f"{noise.note.split('; ')[0]}; {finished}")
    return dataclasses.replace(bars, noise=noise)
