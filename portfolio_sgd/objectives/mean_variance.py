"""Mean-variance: ``f(w) = -E[x] + (lam/2) Var[x]``, per scenario ``-x + (lam/2)(x - mu.w)^2``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..measures.registry import get_measure
from ..measures.variance import (
    centred_moments,
    covariance,
    covariance_curvatures,
    cvxpy_variance,
    numpy_variance,
    variance_finish,
    variance_finish_applies,
)
from ..measures.volatility import VOLATILITY
from .base import Derivatives, PortfolioObjective, data_scales, per_run, unshrunk
from .lagrangian import LagrangianFamily, unsupported_limit
from .parameters import SpecFields


class MeanVariance(PortfolioObjective):
    """Mean-variance utility with risk aversion ``lam`` (``spec.risk_aversion``)."""

    name = "mean-variance"
    member = "MEAN_VARIANCE"
    uses_mean = True
    functions = ("utility",)
    measure = "variance"
    cardinality_by_enumeration = True
    frontier_measure = "volatility"
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
        lam = per_run(risk_aversion, self.spec.risk_aversion, x)
        dev = x - mean_return[:, None]
        return -x + 0.5 * lam[:, None] * dev * dev

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        lam = per_run(risk_aversion, self.spec.risk_aversion, x)[:, None]
        dev = x - mean_return[:, None]
        return -1.0 + lam * dev, -lam * dev, None

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """``lam`` times the covariance's top eigenvalue (floored at 1e-3 of E[r r^T])."""
        second, cov = covariance_curvatures(returns, mean, metric)
        lam = risk_aversion if risk_aversion is not None else self.spec.risk_aversion
        return max(lam * cov, 1e-3 * second, 1e-300)

    def quadratic_value_and_gradient(
        self,
        form: Any,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``f = -m + lam/2 (w'Sw - m^2)``, ``grad = -mu + lam (S w - m mu)``."""
        m, variance, centred = centred_moments(form.second, w, mean)
        lam = (
            risk_aversion
            if risk_aversion is not None
            else torch.full_like(m, float(self.spec.risk_aversion))
        )
        return -m + 0.5 * lam * variance, -mean + lam[:, None] * centred

    def composed_parameters(self, function: str, risk_aversion: float) -> dict[str, float]:
        """Utility ``mean - g Var`` is mean-variance at ``lam = 2 g`` (its loss halves ``lam``)."""
        return {"risk_aversion": 2.0 * risk_aversion}

    def exact_quadratic(
        self, returns: np.ndarray, risk_aversion: float, benchmark: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """``H = lam Sigma``, ``c = mu``."""
        return risk_aversion * covariance(returns), returns.mean(axis=0), 0.0

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.spec.risk_aversion * covariance(returns)

    def shrink_parts(self, delta: float) -> tuple[SpecFields, float, float]:
        """``-mu.w + (lam/2)((1 - delta) Var[x] + delta F ||w||^2)``: ``lam -> lam (1 - delta)``,
        ``c = lam / 2``."""
        lam = float(self.spec.risk_aversion)
        return unshrunk(self.spec, lam * (1.0 - delta)), 1.0, 0.5 * lam

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        mean, variance = numpy_variance(x)
        return -mean + 0.5 * self.spec.risk_aversion * variance

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        _, s2 = data_scales(returns)
        mu = returns.mean(axis=0)
        quad = cvxpy_variance(cp, w, returns, s2)
        return -(mu / s2) @ w + 0.5 * self.spec.risk_aversion * quad, []

    has_exact_finish = True
    finish_takes_trading = True

    def quadratic_model(
        self, sigma: np.ndarray, mu: np.ndarray, param: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``f = 1/2 w'Hw + g'w`` with ``H = lam Sigma``, ``g = -mu`` (``param``: ``lam``)."""
        return param * sigma, -mu

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

    def limit_family(self, measure: str) -> LagrangianFamily:
        """A volatility limit adds its multiplier to the risk aversion: ``lam = g + nu``."""
        if get_measure(measure) is not VOLATILITY:
            raise unsupported_limit(self.name, measure)
        return LagrangianFamily(self.name, VOLATILITY.name, base=float(self.spec.risk_aversion))
