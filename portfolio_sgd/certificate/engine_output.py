"""Certificates of engine outputs: every result says how far from optimal it can be."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from ..engine import Problem
from ..utils.small_data_threads import small_data_threads
from .api import GapCertificate, optimality_gap


def certify(
    problem: Problem,
    weights: torch.Tensor,
    risk_aversions: torch.Tensor | None = None,
    row_weights: Any = None,
    finish: str = "",
) -> GapCertificate:
    """The certificate of ``weights`` (K, N) for ``problem`` (its data, objective, set).

    Parameters
    ----------
    problem : Problem
    weights : Tensor, shape (K, N)
    risk_aversions : Tensor, shape (K,), optional
        Per-run values of the objective's ``per_run_parameter`` (the risk aversion, or
        mean-CVaR's return weight); else the spec's.
    row_weights : array, shape (T,), optional
        Row weights of a recency-weighted run (mean 1).
    finish : str
        The engine's finish summary (``EngineOutput.polish``). When the exact QP finish
        verified every run (:mod:`portfolio_sgd.engine.qp_finish`), the method says so
        ahead of the bound that proves the gap.
    """
    with small_data_threads(problem.returns.numel(), problem.returns.device):
        cert = _certify_runs(problem, weights, risk_aversions, row_weights)
    if finish.startswith(QP_FINISH):
        cert = dataclasses.replace(cert, method=f"{QP_FINISH} (KKT verified); {cert.method}")
    return cert


QP_FINISH = "exact QP finish"


def _certify_runs(
    problem: Problem,
    weights: torch.Tensor,
    risk_aversions: torch.Tensor | None,
    row_weights: Any,
) -> GapCertificate:
    """:func:`certify` without the finish's label."""
    spec = problem.spec
    field = spec.impl.per_run_parameter
    if risk_aversions is not None and field != "risk_aversion":
        values = risk_aversions.detach().to("cpu", torch.float64).numpy()
        rows = [
            _certify(
                problem,
                dataclasses.replace(spec, **{field: float(v)}),
                weights[k : k + 1],
                row_weights=row_weights,
            )
            for k, v in enumerate(values)
        ]
        return _stack(rows)
    lam = risk_aversions if risk_aversions is not None else spec.risk_aversion
    if isinstance(lam, torch.Tensor):
        lam = lam.detach().to("cpu", torch.float64).numpy()
    return _certify(problem, spec, weights, lam, row_weights)


def _certify(
    problem: Problem,
    spec: object,
    weights: torch.Tensor,
    lam: float | np.ndarray = 10.0,
    row_weights: Any = None,
) -> GapCertificate:
    """:func:`optimality_gap` of ``weights`` (K, N) under ``spec`` on the problem's data."""
    return optimality_gap(
        spec,
        problem.returns,
        weights.detach(),
        risk_aversion=lam,
        benchmark=None if problem.benchmark is None else problem.benchmark.cpu().numpy(),
        feasible=problem.feasible,
        row_weights=row_weights,
        mean=_plain_mean(problem, row_weights),
    )


def _plain_mean(problem: Problem, row_weights: Any) -> torch.Tensor | None:
    """The problem's column mean (N,) where it is the certificate's own ``mu`` to the bit:
    float64 data in one chunk of :func:`optimality_gap`, no row weights (the column sum
    divided by T, as :func:`~portfolio_sgd.measures.chunks.column_mean` computes it);
    None otherwise (the certificate then computes it)."""
    plain = row_weights is None and problem.row_weights is None
    one_chunk = problem.n_rows <= CERTIFICATE_CHUNK_ROWS
    if plain and one_chunk and problem.returns.dtype == torch.float64:
        return problem.mean
    return None


CERTIFICATE_CHUNK_ROWS = 65_536
""":func:`optimality_gap`'s default ``chunk_rows``."""


def _stack(rows: list[GapCertificate]) -> GapCertificate:
    """One certificate (K,) from K one-row certificates (methods joined once each)."""
    first = rows[0]
    arrays = {
        f.name: np.concatenate([getattr(r, f.name) for r in rows])
        for f in dataclasses.fields(first)
        if isinstance(getattr(first, f.name), np.ndarray)
    }
    method = "; ".join(dict.fromkeys(r.method for r in rows))
    return dataclasses.replace(first, method=method, **arrays)
