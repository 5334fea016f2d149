"""Kelly (log-utility): ``f(w) = -E[log(1 + x)]``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .base import Derivatives, PortfolioObjective, data_scales


class Kelly(PortfolioObjective):
    """Expected log growth, negated.

    A scenario with ``1 + x <= 0`` has an infinite loss and a non-finite derivative,
    which the engine reports as divergence.
    """

    name = "kelly"
    functions = ("log-utility",)
    cardinality_by_enumeration = True
    member = "KELLY"
    aliases = ("log-utility",)

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        return -torch.log1p(x)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        return -1.0 / (1.0 + x), None, None

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``E[r r^T / (1 + x)^2]``."""
        h = 1.0 / (1.0 + returns @ w) ** 2
        return (returns * h[:, None]).T @ returns / returns.shape[0]

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """``+inf`` for a portfolio with some ``1 + x_t <= 0``."""
        g = 1.0 + x
        bad = np.any(g <= 0.0, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(bad, np.inf, -np.log(np.where(g > 0, g, 1.0)).mean(axis=0))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        s1, _ = data_scales(returns)
        t_len = returns.shape[0]
        return -cp.sum(cp.log(1.0 + returns @ w)) / (t_len * s1), []
