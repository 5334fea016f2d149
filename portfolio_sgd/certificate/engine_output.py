"""Certificates of engine outputs: every result says how far from optimal it can be."""

from __future__ import annotations

from typing import Any

import torch

from ..engine import Problem
from .api import GapCertificate, optimality_gap


def certify(
    problem: Problem,
    weights: torch.Tensor,
    risk_aversions: torch.Tensor | None = None,
    row_weights: Any = None,
) -> GapCertificate:
    """The certificate of ``weights`` (K, N) for ``problem`` (its data, objective, set).

    Parameters
    ----------
    problem : Problem
    weights : Tensor, shape (K, N)
    risk_aversions : Tensor, shape (K,), optional
        Per-run risk aversion (else the spec's).
    row_weights : array, shape (T,), optional
        Row weights of a recency-weighted run (mean 1).
    """
    spec = problem.spec
    lam = risk_aversions if risk_aversions is not None else spec.risk_aversion
    if isinstance(lam, torch.Tensor):
        lam = lam.detach().to("cpu", torch.float64).numpy()
    return optimality_gap(
        spec,
        problem.returns,
        weights.detach(),
        risk_aversion=lam,
        benchmark=None if problem.benchmark is None else problem.benchmark.cpu().numpy(),
        feasible=problem.constraints.linear_oracle(problem.n_assets),
        row_weights=row_weights,
    )
