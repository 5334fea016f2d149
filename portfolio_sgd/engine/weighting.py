"""Per-run row weights: each run of the grid minimises its own weighted objective.

Run k of a grid with row weights ``c`` (K, T) minimises ``(1/T) sum_t c_kt l_t(w)``,
centred (variance objectives) on its own weighted mean ``mu_k = c_k R / T``. Bootstrap
resamples are counts (how often row t appears in resample k), recency weighting is an
exponential decay; both are rescaled to mean 1 per run, so the uniform weights ``c = 1``
give the plain problem. The data itself is never copied: full-data gradients become a
(K, T) x (T, N) product ``(g * c) @ R`` (or per-run moment matrices, see
:func:`portfolio_sgd.measures.quadratic.weighted_quadratic_form`), and mini-batches are drawn per
run with probabilities ``c_kt / T`` (:class:`portfolio_sgd.engine.sampling.BatchSampler`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ..errors import ConfigError
from .config import EngineConfig
from .problem import Problem, RunGrid
from .sampling import Sampling


def weighted_problem(problem: Problem, grid: RunGrid, config: EngineConfig) -> Problem:
    """``problem`` with the grid's row weights (K, T) and per-run means (K, N) attached.

    Returns ``problem`` unchanged when the grid has no row weights.

    Raises
    ------
    ConfigError
        For weights of the wrong shape, negative or non-finite weights, a run whose
        weights are all zero, an objective that does not support them, or shuffled
        sampling.
    """
    if grid.row_weights is None:
        return problem
    objective = problem.spec.impl
    if objective.has_var_level or objective.feasible_set != "budget":
        raise ConfigError(f"row weights (bootstrap, recency) do not support {objective.name}")
    if config.sampling is not Sampling.REPLACEMENT:
        raise ConfigError("row weights (bootstrap, recency) need sampling with replacement")
    R = problem.returns
    given = grid.row_weights
    if isinstance(given, torch.Tensor):
        c = given.detach().to(device=R.device, dtype=torch.float64)
    else:
        c = torch.as_tensor(np.asarray(given, dtype=np.float64), device=R.device)
    if tuple(c.shape) != (grid.size, problem.n_rows):
        raise ConfigError(
            f"row weights have shape {tuple(c.shape)}, expected ({grid.size}, {problem.n_rows})"
        )
    if not bool(torch.isfinite(c).all()) or bool((c < 0).any()):
        raise ConfigError("row weights must be finite and non-negative")
    totals = c.sum(dim=1, keepdim=True)
    if bool((totals <= 0).any()):
        raise ConfigError("every run needs a positive row weight")
    c = (c * (problem.n_rows / totals)).to(R.dtype)
    # uniform weights: every run's mean is the data's mean (kept as the one (N,) vector)
    run_means = None if bool((c == 1.0).all()) else (c @ R) / problem.n_rows
    return dataclasses.replace(problem, row_weights=c, run_means=run_means)
