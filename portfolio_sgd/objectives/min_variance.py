"""Minimum variance: ``f(w) = Var[x]``, per scenario ``(x - mu.w)^2``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..measures.variance import (
    centred_moments,
    covariance,
    covariance_curvatures,
    cvxpy_variance,
    numpy_variance,
    variance_finish,
    variance_finish_applies,
)
from .base import Derivatives, PortfolioObjective, data_scales, unshrunk
from .lagrangian import meaningless_limit
from .parameters import SpecFields


class MinVariance(PortfolioObjective):
    """The population variance of the portfolio return."""

    name = "min-variance"
    member = "MIN_VARIANCE"
    uses_mean = True
    functions = ("min-risk",)
    measure = "variance"
    cardinality_by_enumeration = True
    is_quadratic = True

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        dev = x - mean_return[:, None]
        return dev * dev

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        dev = x - mean_return[:, None]
        return 2.0 * dev, -2.0 * dev, None

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """Twice the covariance's top eigenvalue (floored at 1e-3 of E[r r^T])."""
        second, cov = covariance_curvatures(returns, mean, metric)
        return max(2.0 * cov, 1e-3 * second, 1e-300)

    def quadratic_value_and_gradient(
        self,
        form: Any,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``f = w'Sw - m^2``, ``grad = 2 (S w - m mu)``."""
        _, variance, centred = centred_moments(form.second, w, mean)
        return variance, 2.0 * centred

    def exact_quadratic(
        self, returns: np.ndarray, risk_aversion: float, benchmark: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """``H = 2 Sigma``, ``c = 0`` (population covariance)."""
        return 2.0 * covariance(returns), np.zeros(returns.shape[1]), 0.0

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        return 2.0 * covariance(returns)

    def shrink_parts(self, delta: float) -> tuple[SpecFields, float, float]:
        """``(1 - delta) Var[x] + delta F ||w||^2``: the whole objective scaled, ``c = 1``."""
        return unshrunk(self.spec), 1.0 - delta, 1.0

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        return numpy_variance(x)[1]

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        _, s2 = data_scales(returns)
        return cvxpy_variance(cp, w, returns, s2), []

    has_exact_finish = True
    finish_takes_trading = True

    def quadratic_model(
        self, sigma: np.ndarray, mu: np.ndarray, param: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``f = 1/2 w'Hw + g'w`` with ``H = 2 Sigma``, ``g = 0`` (population covariance)."""
        return 2.0 * sigma, np.zeros_like(mu)

    def finish_applies(self, feasible: Any) -> bool:
        return variance_finish_applies(feasible)

    def engine_polish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        per_run: torch.Tensor,
        options: Any = None,
    ) -> Any:
        """The exact QP on ``Sigma`` (:mod:`portfolio_sgd.measures.kernels.qp_finish`)."""
        return variance_finish(self.quadratic_model, returns, mean, weights, feasible, per_run)

    def limit_family(self, measure: str) -> Any:
        """Refused: the minimum-variance portfolio is the least volatile one already."""
        raise meaningless_limit(self.name, measure)
