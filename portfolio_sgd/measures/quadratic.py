"""Exact gradients of the quadratic objectives from their N x N moment matrix.

Mean-variance, min-variance and tracking are quadratic in the weights. With the second
moment ``S = R^T R / T`` (and, for tracking, ``c = R^T b / T`` and ``E[b^2]``), the
full-data objective and gradient of K portfolios need a (K, N) x (N, N) product instead of
two passes over the (T, N) scenarios. The matrix costs one pass (a T x N x N product) to
form, so the engine builds it on its first exact step only when scenarios far outnumber
assets (``T >= GRAM_ROW_FACTOR * N``); from then on an exact step costs O(K N^2) however
many scenarios there are. The periodic full-objective evaluations still use the data.

With ``m = mu . w`` (the full-data mean return) and population moments:

- min-variance ``f = w^T S w - m^2``, ``grad = 2 (S w - m mu)``;
- mean-variance ``f = -m + lam/2 (w^T S w - m^2)``, ``grad = -mu + lam (S w - m mu)``;
- tracking ``f = w^T S w - 2 c^T w + E[b^2]``, ``grad = 2 (S w - c)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .chunks import SUM_BLOCK_ELEMENTS

ObjectiveSpec = Any
"""An :class:`~portfolio_sgd.objectives.ObjectiveSpec` (this layer sits below objectives)."""
Problem = Any
"""An :class:`~portfolio_sgd.engine.problem.Problem` (returns, benchmark, spec, row weights)."""

GRAM_ROW_FACTOR = 8
"""The moment matrix is used when T >= 8 N (it then costs at most a few exact steps)."""
GRAM_MAX_ASSETS = 8192
"""... and N is at most this (the matrix takes N^2 values of memory)."""
WEIGHTED_GRAM_MAX_ELEMENTS = 2**25
"""Row-weighted runs use one moment matrix per run when K N^2 is at most this."""


@dataclass(frozen=True)
class QuadraticForm:
    """Moments of the data that define a quadratic objective.

    Attributes
    ----------
    second : Tensor, shape (N, N)
        ``R^T R / T`` in the data's dtype (accumulated in float64).
    cross : Tensor, shape (N,) or None
        ``R^T b / T`` (tracking only).
    bench_square : float
        ``E[b^2]`` (tracking only, else 0).
    """

    second: torch.Tensor
    cross: torch.Tensor | None = None
    bench_square: float = 0.0


def uses_quadratic_form(spec: ObjectiveSpec, n_rows: int, n_assets: int) -> bool:
    """Whether exact steps of this problem go through the moment matrix."""
    return (
        spec.impl.is_quadratic
        and n_rows >= GRAM_ROW_FACTOR * n_assets
        and n_assets <= GRAM_MAX_ASSETS
    )


def quadratic_form(problem: Problem) -> QuadraticForm:
    """The moments of ``problem``'s data, in blocks of rows.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    QuadraticForm
    """
    R, bench = problem.returns, problem.benchmark
    n_rows, n_assets = R.shape
    second = torch.zeros(n_assets, n_assets, dtype=torch.float64, device=R.device)
    cross = (
        torch.zeros(n_assets, dtype=torch.float64, device=R.device) if bench is not None else None
    )
    rows = max(1, SUM_BLOCK_ELEMENTS // n_assets)
    for start in range(0, n_rows, rows):
        block = R[start : start + rows]
        second += (block.T @ block).to(torch.float64)
        if cross is not None and bench is not None:
            cross += (block.T @ bench[start : start + rows]).to(torch.float64)
    second = (second + second.T) / (2.0 * n_rows)  # exactly symmetric
    bench_square = 0.0
    if bench is not None and cross is not None:
        cross = (cross / n_rows).to(R.dtype)
        bench_square = float((bench.to(torch.float64) ** 2).mean())
    return QuadraticForm(second=second.to(R.dtype), cross=cross, bench_square=bench_square)


def exact_step_form(problem: Problem) -> QuadraticForm | None:
    """The moment matrix (or matrices) exact steps of ``problem`` use; None: data passes.

    Without row weights this is :func:`quadratic_form` when :func:`uses_quadratic_form`.
    Row-weighted runs (:mod:`portfolio_sgd.engine.weighting`) of an objective centred on
    the mean (mean- and min-variance) get one matrix per run,
    :func:`weighted_quadratic_form`, when K N^2 is small enough; otherwise their exact
    steps are passes over the data, ``(g * c) @ R``.
    """
    spec, (n_rows, n_assets) = problem.spec, problem.returns.shape
    c = problem.row_weights
    if c is None:
        return quadratic_form(problem) if uses_quadratic_form(spec, n_rows, n_assets) else None
    if not uses_weighted_form(spec, n_rows, n_assets, c.shape[0]):
        return None
    return weighted_quadratic_form(problem.returns, c)


def uses_weighted_form(spec: ObjectiveSpec, n_rows: int, n_assets: int, n_runs: int) -> bool:
    """Whether K row-weighted runs take exact steps through one moment matrix per run
    (quadratic objectives centred on the mean, ``T >= 8 N``, ``K N^2`` small enough)."""
    return (
        uses_quadratic_form(spec, n_rows, n_assets)
        and not spec.impl.needs_benchmark
        and n_runs * n_assets * n_assets <= WEIGHTED_GRAM_MAX_ELEMENTS
    )


def weighted_quadratic_form(returns: torch.Tensor, row_weights: torch.Tensor) -> QuadraticForm:
    """Per-run second moments ``S_k = R^T diag(c_k) R / T``, shape (K, N, N).

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    row_weights : Tensor, shape (K, T)
        Mean 1 per run.

    Returns
    -------
    QuadraticForm
        ``second`` of shape (K, N, N) in the data's dtype (accumulated in float64).
    """
    n_rows, n_assets = returns.shape
    n_runs = row_weights.shape[0]
    second = torch.zeros(n_runs, n_assets * n_assets, dtype=torch.float64, device=returns.device)
    rows = max(1, SUM_BLOCK_ELEMENTS // (n_assets * n_assets))
    for start in range(0, n_rows, rows):
        block = returns[start : start + rows].to(torch.float64)
        outer = (block[:, :, None] * block[:, None, :]).reshape(block.shape[0], -1)
        second += row_weights[:, start : start + rows].to(torch.float64) @ outer
    second = second.view(n_runs, n_assets, n_assets) / n_rows
    second = (second + second.transpose(1, 2)) / 2.0
    return QuadraticForm(second=second.to(returns.dtype))


def quadratic_loss_and_gradient(
    spec: ObjectiveSpec,
    form: QuadraticForm,
    w: torch.Tensor,
    mean: torch.Tensor,
    risk_aversion: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-data objective (K,) and gradient (K, N) of K portfolios.

    Each quadratic objective gives its formula
    (``PortfolioObjective.quadratic_value_and_gradient``).

    Parameters
    ----------
    spec : ObjectiveSpec
    form : QuadraticForm
    w : Tensor, shape (K, N)
    mean : Tensor, shape (N,)
    risk_aversion : Tensor, shape (K,), optional
        Per-run risk aversion (mean-variance), else ``spec.risk_aversion``.

    Returns
    -------
    (Tensor, Tensor)
        Values (K,) and gradients (K, N).
    """
    return spec.impl.quadratic_value_and_gradient(form, w, mean, risk_aversion)
