"""Shared pieces of the two variance objectives (mean-variance and min-variance).

Variances are *population* variances (divide by T), centred on the full-data mean ``mu``
(precomputed once), so the mini-batch mean of a loss is an unbiased estimate of ``f``
and its gradient an unbiased estimate of ``grad f`` for any uniformly drawn batch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..measures.curvature import top_eigenvalue
from ..measures.kernels.qp_finish import applies, polish_quadratic
from .base import triangular_factor


def covariance_curvatures(
    returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None
) -> tuple[float, float]:
    """Top eigenvalues ``(second moment, covariance)`` of the (preconditioned) data.

    The second moment only sets a floor, so a few power iterations suffice for it.
    """
    second = top_eigenvalue(returns, None, metric=metric, iters=5)
    cov = top_eigenvalue(returns, mean, metric=metric)
    return second, cov


def covariance(returns: np.ndarray) -> np.ndarray:
    """Population covariance (N, N) of ``returns`` (T, N)."""
    centred = returns - returns.mean(axis=0)
    return centred.T @ centred / returns.shape[0]


def centred_moments(
    form_second: torch.Tensor, w: torch.Tensor, mean: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(m, Var, centred)`` from the second moment ``S``: ``m = mu.w``,
    ``Var = w'Sw - m^2`` (K,), ``centred = S w - m mu`` (K, N).

    ``S`` is (N, N), or (K, N, N) with ``mu`` (K, N): one moment matrix per run
    (row-weighted runs)."""
    if form_second.ndim == 3:
        sw = (w.unsqueeze(2) * form_second).sum(dim=1)  # (K, N); faster than a tiny bmm
    else:
        sw = w @ form_second  # (K, N); S is symmetric
    quad = (w * sw).sum(dim=1)
    m = (w * mean).sum(dim=1) if mean.ndim == 2 else w @ mean  # (K,)
    return m, quad - m * m, sw - m[:, None] * mean


def variance_finish(
    model,  # noqa: ANN001 - (sigma, mu, param) -> (H, g)
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    feasible,  # noqa: ANN001 - FeasibleSet or TradingSet
    per_run: torch.Tensor,
):  # noqa: ANN201 - see engine.qp_finish.polish_quadratic
    """The exact QP finish of a variance objective (:mod:`portfolio_sgd.engine.qp_finish`)."""
    return polish_quadratic(model, returns, mean, weights, feasible, per_run)


def variance_finish_applies(feasible) -> bool:  # noqa: ANN001 - FeasibleSet or TradingSet
    """Whether the exact QP finish runs over ``feasible`` (not with a leverage cap or
    market impact)."""
    return applies(feasible)


def numpy_variance(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (K,) and population variance (K,) of portfolio returns ``x`` (T, K)."""
    mean = x.mean(axis=0)
    return mean, ((x - mean) ** 2).mean(axis=0)


def cvxpy_variance(cp, w, returns: np.ndarray, s2: float):  # noqa: ANN001, ANN201 - cvxpy
    """``Var[x] / s2`` as a sum of squares of a thin-QR factor of the centred returns."""
    t_len = returns.shape[0]
    fac = triangular_factor((returns - returns.mean(axis=0)) / math.sqrt(t_len * s2))
    return cp.sum_squares(fac @ w)
