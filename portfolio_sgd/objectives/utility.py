"""Utility over any measure: ``f(w) = -E[x] + g rho(w)``, per scenario ``-x + g l_t``.

``g`` is ``spec.risk_aversion`` (or each run's, in a batch), so a frontier or a risk limit
over ``g`` is one batched run. ``mean - g rho`` is maximised.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .base import Derivatives, per_run
from .measured import MeasuredObjective


class Utility(MeasuredObjective):
    """Mean minus ``g`` times ``spec.measure`` (``--objective utility --measure M``).

    For variance this is mean-variance at ``lam = 2 g``; for CVaR, mean-CVaR at
    ``return_weight = 1 / g`` (up to the factor ``g``): the dedicated objectives, with
    their exact finishes, are what :func:`~.composition.compose` picks for those.
    """

    name = "utility"
    member = "UTILITY"
    functions = ()

    def _g(self, risk_aversion: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
        """``g`` per run (K, 1)."""
        return per_run(risk_aversion, self.spec.risk_aversion, x)[:, None]

    def measure_weights(self, per_run: torch.Tensor | None) -> tuple[np.ndarray, np.ndarray]:
        """``(g, 1 / g)`` per run: ``-mu.w + g rho = g (rho - mu.w / g)``."""
        g = (
            np.full(1, self.spec.risk_aversion)
            if per_run is None
            else per_run.double().cpu().numpy()
        )
        return g, 1.0 / g

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        risk = self.risk.losses(x, mean_return, var_level, self.spec.alpha, smoothing)
        return -x + self._g(risk_aversion, x) * risk

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        g = self._g(risk_aversion, x)
        dx, dm, dt = self.risk.derivatives(x, mean_return, var_level, self.spec.alpha, smoothing)
        return (
            -1.0 + g * dx,
            None if dm is None else g * dm,
            None if dt is None else g * dt,
        )

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        g = risk_aversion if risk_aversion is not None else self.spec.risk_aversion
        return max(g * self.risk.curvature(returns, mean, metric), 1e-300)

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        risk = self.risk.numpy_value(x, self.spec.alpha)
        return -x.mean(axis=0) + self.spec.risk_aversion * risk

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """``f / s`` with ``s`` the measure's scale: ``-(mu / s).w + g rho / s``."""
        expr, aux = self.risk.cvxpy_expression(cp, w, returns, self.spec.alpha)
        scale = self.risk.cvxpy_scale(returns)
        mu = returns.mean(axis=0)
        return -(mu / scale) @ w + self.spec.risk_aversion * expr, aux

    def cvxpy_scale(self, cp: Any, returns: np.ndarray, benchmark: np.ndarray | None) -> float:
        return self.risk.cvxpy_scale(returns)
