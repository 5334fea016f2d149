"""Automatic step sizes from the data's curvature.

Portfolio returns have a tiny scale (daily variances ~1e-4), so a step size that works on
one dataset is wrong by orders of magnitude on another. Instead of a fixed default, the
engine estimates the largest curvature ``L`` of the objective by power iteration on (a
random subsample of) the data, and uses ``lr = lr_factor / L`` for SGD. This makes the
default invariant to rescaling the returns and to the number of assets.

For Adam (``optimizer="adam"``), the step is per coordinate, so the natural scale is the
weight scale ``1/N`` for the weights and the return scale for the VaR variable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..measures.chunks import SUM_BLOCK_ELEMENTS
from ..measures.curvature import return_scale, smoothed_cvar_curvature, top_eigenvalue

if TYPE_CHECKING:  # pragma: no cover
    from ..objectives import ObjectiveSpec

__all__ = [
    "ADAM_LR_FACTOR",
    "SGD_LR_FACTOR",
    "curvature",
    "diagonal_metric",
    "return_scale",
    "smoothed_cvar_curvature",
    "top_eigenvalue",
]

SGD_LR_FACTOR = 0.5
ADAM_LR_FACTOR = 0.5


def curvature(
    spec: ObjectiveSpec,
    returns: torch.Tensor,
    mean: torch.Tensor,
    risk_aversion: float | None = None,
    metric: torch.Tensor | None = None,
) -> float:
    """Largest Hessian eigenvalue (an estimate) of ``spec``'s objective.

    Each objective gives its own bound (``PortfolioObjective.curvature``): min-variance
    ``2C``, mean-variance ``lam C``, tracking ``2 E[r r^T]``, Kelly
    ``E[r r^T / (1 + x)^2] ~ E[r r^T]``, where ``C`` is the covariance, with a floor of
    1e-3 of the second moment that keeps pure-return problems finite.

    Parameters
    ----------
    spec : ObjectiveSpec
    returns : Tensor, shape (T, N)
    mean : Tensor, shape (N,)
    risk_aversion : float, optional
        The largest risk aversion among the runs (mean-variance).
    metric : Tensor, shape (N,), optional
        Diagonal preconditioner: the curvature of the preconditioned problem.

    Returns
    -------
    float
    """
    return spec.impl.curvature(returns, mean, risk_aversion, metric)


def diagonal_metric(spec: ObjectiveSpec, returns: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """Jacobi preconditioner: per-asset variances (variance objectives) or second moments.

    Parameters
    ----------
    spec : ObjectiveSpec
    returns : Tensor, shape (T, N)
    mean : Tensor, shape (N,)

    Returns
    -------
    Tensor, shape (N,)
        Positive entries, floored at 1e-12 of the largest, in the returns' dtype.
    """
    center = mean.to(returns.dtype) if spec.impl.uses_mean else None
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    rows = max(1, SUM_BLOCK_ELEMENTS // max(1, returns.shape[1]))
    for start in range(0, returns.shape[0], rows):
        # block sums in the data's dtype (a float64 copy costs 10x the time), accumulated
        # in float64 across blocks; temporaries stay one block in size
        block = returns[start : start + rows]
        if center is not None:
            block = block - center
        total += (block * block).sum(dim=0).to(torch.float64)
    d = total / returns.shape[0]
    d = torch.clamp(d, min=float(d.max()) * 1e-12 + 1e-300)
    return d.to(returns.dtype)
