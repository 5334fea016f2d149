"""Covariance shrinkage in a sharded run: the intensity from sums reduced over ranks.

Ledoit-Wolf and OAS (:mod:`portfolio_sgd.objectives.shrinkage`) need the covariance
``S`` and, for Ledoit-Wolf, ``sum_t (sum_i X_ti^2)^2`` over the centred rows. ``S`` is
the moment rows' covariance (:func:`.problem.moment_rows`: all-reduced mean and second
moment); the fourth-power sum is a sum over rows, one all-reduce. So every rank fills the
single-process ``(delta, F)`` into the spec, and the shrunk objective, a function of the
covariance, is minimised, finished and certified on the moment rows like any other.
"""

from __future__ import annotations

import dataclasses

import torch

from ..objectives.shrinkage import (
    Shrinkage,
    ledoit_wolf_from_moments,
    oas_from_covariance,
    parse_shrinkage,
)
from .problem import CHUNK_ELEMENTS, ShardedProblem


def resolve_sharded_shrinkage(problem: ShardedProblem) -> ShardedProblem:
    """``problem`` with its spec's shrinkage intensity and target filled in (unchanged
    without shrinkage, or when they were given)."""
    spec = problem.spec
    kind = parse_shrinkage(spec.shrinkage)
    if kind is Shrinkage.NONE or spec.shrinkage_intensity is not None:
        return problem
    cov = _covariance(problem)
    if kind is Shrinkage.LEDOIT_WOLF:
        delta, target = ledoit_wolf_from_moments(cov, _fourth_sum(problem), problem.n_rows)
    else:
        delta, target = oas_from_covariance(cov, problem.n_rows)
    spec = dataclasses.replace(spec, shrinkage_intensity=delta, shrinkage_target=target)
    return dataclasses.replace(problem, spec=spec)


def _covariance(problem: ShardedProblem) -> torch.Tensor:
    """The data's covariance (N, N, ``1/T``) in float64, from the moment rows."""
    rows = problem.moments.to(torch.float64)  # type: ignore[union-attr]
    centred = rows - rows.mean(dim=0)
    return centred.T @ centred / rows.shape[0]


def _fourth_sum(problem: ShardedProblem) -> float:
    """``sum_t (sum_i (r_ti - mu_i)^2)^2`` over every rank's rows (all-reduced)."""
    local = problem.returns
    mean = problem.mean.to(torch.float64)
    total = torch.zeros(1, dtype=torch.float64, device=local.device)
    step = max(1, CHUNK_ELEMENTS // max(1, problem.n_assets))
    for start in range(0, problem.local_rows, step):
        block = local[start : start + step].to(torch.float64) - mean
        total += ((block * block).sum(dim=1) ** 2).sum()
    return float(problem.ctx.all_reduce(total)[0])
