"""Batch size <-> estimation error: gradient noise, temperature and the weights' dispersion.

The mini-batch size m sets the gradient noise (variance sigma^2/m), the noise sets the
effective temperature eta*sigma^2/(2m) of constant-step SGD, and the temperature sets the
estimation error of the weights. The studies measure that chain on real data:

- :func:`batch_size_sweep` -> :class:`RiskReport` (one row per m);
- :func:`linear_scaling_study` -> :class:`StudyReport` (pairs (k*eta, k*m));
- :func:`annealing_study` -> :class:`StudyReport` (constant vs growing batch sizes).

All runs of a study are optimised together by the engine as one (K, N) weight tensor.
"""

from __future__ import annotations

from .annealing import SCHEDULES, annealing_study
from .cost_model import CostModel, measure_cost_model, recommend_batch_size
from .noise import (
    finite_population_factor,
    gradient_variance,
    measure_batch_variance,
    per_sample_gradients,
    predicted_batch_variance,
    temperature,
)
from .problem import RiskProblem, make_problem, prepare_problem, split_returns, validate_grid
from .report import RiskReport, StudyReport
from .scaling import linear_scaling_study
from .sweep import DEFAULT_BATCH_SIZES, batch_size_sweep, out_of_sample

__all__ = [
    "DEFAULT_BATCH_SIZES",
    "SCHEDULES",
    "CostModel",
    "RiskProblem",
    "RiskReport",
    "StudyReport",
    "annealing_study",
    "batch_size_sweep",
    "finite_population_factor",
    "gradient_variance",
    "linear_scaling_study",
    "make_problem",
    "measure_batch_variance",
    "measure_cost_model",
    "out_of_sample",
    "per_sample_gradients",
    "predicted_batch_variance",
    "prepare_problem",
    "recommend_batch_size",
    "split_returns",
    "temperature",
    "validate_grid",
]
