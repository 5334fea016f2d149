"""Maximum mean return: ``f(w) = -E[x] = -mu.w``, per scenario ``-x``.

Alone on the long-only simplex its optimum is the single asset with the best mean
return (a vertex of the feasible set); it is meant with a risk limit
(``--max-volatility`` or ``--max-cvar``, :mod:`portfolio_sgd.limits`), whose Lagrangian is
mean-variance (volatility) or mean-CVaR (CVaR) at one parameter per multiplier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..measures.cvar import CVAR
from ..measures.registry import get_measure
from ..measures.variance import variance_finish, variance_finish_applies
from ..measures.volatility import VOLATILITY
from .base import Derivatives, PortfolioObjective, data_scales
from .lagrangian import LagrangianFamily, unsupported_limit


class MaxReturn(PortfolioObjective):
    """The negated full-data mean return (linear in ``w``)."""

    name = "max-return"
    member = "MAX_RETURN"
    aliases = ("max-mean",)
    maximises_return_only = True
    functions = ("max-return",)
    is_quadratic = True
    """Linear, a degenerate quadratic: full-data steps use the exact gradient ``-mu``."""

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        return -x

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        return -torch.ones_like(x), None, None

    def quadratic_value_and_gradient(
        self,
        form: Any,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``f = -mu.w`` (K,), ``grad = -mu`` (K, N)."""
        m = (w * mean).sum(dim=1) if mean.ndim == 2 else w @ mean
        return -m, (-mean).expand_as(w)

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.zeros((returns.shape[1], returns.shape[1]))

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        return -x.mean(axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        s1, _ = data_scales(returns)
        return -(returns.mean(axis=0) / s1) @ w, []

    has_exact_finish = True
    finish_takes_trading = True

    def quadratic_model(
        self, sigma: np.ndarray, mu: np.ndarray, param: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``f = g'w`` with ``H = 0``, ``g = -mu``: the finish is the LP over the set, solved
        at its vertex and verified by the same KKT check."""
        return np.zeros_like(sigma), -mu

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
        """The exact LP (:mod:`portfolio_sgd.measures.kernels.qp_finish` with ``H = 0``)."""
        return variance_finish(self.quadratic_model, returns, mean, weights, feasible, per_run)

    def limit_family(self, measure: str) -> LagrangianFamily:
        """Mean-variance at ``lam = nu`` (volatility) or mean-CVaR at ``lam_r = 1/nu``."""
        chosen = get_measure(measure)
        if chosen is VOLATILITY:
            return LagrangianFamily("mean-variance", VOLATILITY.name)
        if chosen is CVAR:
            return LagrangianFamily("cvar", CVAR.name, base=0.0, scaled=True)
        if chosen.is_expectation:  # any other measure: utility over it, g = nu
            return LagrangianFamily("utility", chosen.name)
        raise unsupported_limit(self.name, measure)
