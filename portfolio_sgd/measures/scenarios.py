"""Portfolio returns of scenarios, and the per-run averages over them.

``x = R w`` is the return of each portfolio on each scenario; every measure is a function of
it (and of the full-data mean ``mu . w``). These are the shared pieces of that arithmetic.
"""

from __future__ import annotations

import math

import torch

__all__ = ["mean_returns", "optimal_var_level", "portfolio_returns", "weighted_mean"]


def portfolio_returns(
    returns: torch.Tensor, weights: torch.Tensor, chunk_rows: int = 262_144
) -> torch.Tensor:
    """Portfolio returns ``x = R w`` for K portfolios, computed in row chunks.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    weights : Tensor, shape (K, N)
    chunk_rows : int

    Returns
    -------
    Tensor, shape (K, T)
    """
    w_t = weights.T.to(returns.dtype)
    if returns.shape[0] <= chunk_rows:
        return (returns @ w_t).T
    parts = [returns[i : i + chunk_rows] @ w_t for i in range(0, returns.shape[0], chunk_rows)]
    return torch.cat(parts, dim=0).T


def optimal_var_level(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """The minimising ``t`` of the Rockafellar-Uryasev function: the alpha-quantile of losses.

    Parameters
    ----------
    x : Tensor, shape (K, T)
        Portfolio returns on the full data.
    alpha : float
        Confidence level.

    Returns
    -------
    Tensor, shape (K,)
        The ``ceil(alpha T)``-th smallest loss ``-x`` of each row (a VaR).
    """
    n = x.shape[-1]
    k = min(max(math.ceil(alpha * n), 1), n)
    return torch.kthvalue(-x, k, dim=-1).values


def mean_returns(w: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """``mu . w`` (K,) of weights (K, N), for one mean (N,) or one per run (K, N)."""
    return (w * mean).sum(dim=1) if mean.ndim == 2 else w @ mean


def weighted_mean(values: torch.Tensor, row_weights: torch.Tensor | None) -> torch.Tensor:
    """Per-run mean over scenarios (K,) of ``values`` (K, T), weighted by ``row_weights``
    (K, T) with mean 1 per run (see :mod:`portfolio_sgd.engine.weighting`)."""
    if row_weights is None:
        return values.mean(dim=1)
    return (values * row_weights).mean(dim=1)
