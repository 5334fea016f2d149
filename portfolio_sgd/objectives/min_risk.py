"""Min-risk over any measure: ``f(w) = rho(w) = E[l_t]``, the measure's own loss."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .base import Derivatives
from .measured import MeasuredObjective


class MinRisk(MeasuredObjective):
    """The least-risk portfolio under ``spec.measure`` (``--objective min-risk --measure M``).

    For the built-in measures the dedicated objectives give the same optimum with their
    exact finishes (``min-variance``; ``cvar`` with ``return_weight = 0``); this class is
    what any other registered measure composes with.
    """

    name = "min-risk"
    member = "MIN_RISK"
    functions = ()

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        return self.risk.losses(x, mean_return, var_level, self.spec.alpha, smoothing)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        return self.risk.derivatives(x, mean_return, var_level, self.spec.alpha, smoothing)

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        return self.risk.curvature(returns, mean, metric)

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        return self.risk.numpy_value(x, self.spec.alpha)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        return self.risk.cvxpy_expression(cp, w, returns, self.spec.alpha)

    def cvxpy_scale(self, cp: Any, returns: np.ndarray, benchmark: np.ndarray | None) -> float:
        return self.risk.cvxpy_scale(returns)
