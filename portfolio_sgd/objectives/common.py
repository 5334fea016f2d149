"""Functions shared by every objective: portfolio returns and the VaR level (from
:mod:`portfolio_sgd.measures.scenarios`), and the functional forms of the protocol (``scenario_losses`` etc. dispatch to the registered class).
"""

from __future__ import annotations

import torch

from ..measures.scenarios import mean_returns, optimal_var_level, portfolio_returns, weighted_mean
from .base import Derivatives
from .spec import ObjectiveSpec


def scenario_losses(
    spec: ObjectiveSpec,
    x: torch.Tensor,
    mean_return: torch.Tensor,
    var_level: torch.Tensor | None = None,
    benchmark: torch.Tensor | None = None,
    risk_aversion: torch.Tensor | None = None,
    smoothing: float = 0.0,
) -> torch.Tensor:
    """Per-scenario losses (K, B) of ``spec``'s objective (see ``PortfolioObjective.losses``)."""
    return spec.impl.losses(x, mean_return, var_level, benchmark, risk_aversion, smoothing)


def scenario_derivatives(
    spec: ObjectiveSpec,
    x: torch.Tensor,
    mean_return: torch.Tensor,
    var_level: torch.Tensor | None = None,
    benchmark: torch.Tensor | None = None,
    risk_aversion: torch.Tensor | None = None,
    smoothing: float = 0.0,
) -> Derivatives:
    """``(g, c, dt)`` of ``spec``'s objective (see ``PortfolioObjective.derivatives``)."""
    return spec.impl.derivatives(x, mean_return, var_level, benchmark, risk_aversion, smoothing)


def full_objective(
    spec: ObjectiveSpec,
    returns: torch.Tensor,
    weights: torch.Tensor,
    mean: torch.Tensor,
    benchmark: torch.Tensor | None = None,
    risk_aversion: torch.Tensor | None = None,
) -> torch.Tensor:
    """Exact objective ``f(w)`` (K,) on the full data (see ``PortfolioObjective.full_value``).

    Parameters
    ----------
    spec : ObjectiveSpec
    returns : Tensor, shape (T, N)
    weights : Tensor, shape (K, N)
    mean : Tensor, shape (N,)
    benchmark : Tensor, shape (T,), optional
    risk_aversion : Tensor, shape (K,), optional
    """
    return spec.impl.full_value(returns, weights, mean, benchmark, risk_aversion)


__all__ = [
    "full_objective",
    "mean_returns",
    "optimal_var_level",
    "portfolio_returns",
    "scenario_derivatives",
    "scenario_losses",
    "weighted_mean",
]
