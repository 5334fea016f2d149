"""The shrunk objective: a quadratic objective with ``Sigma_s = (1 - delta) S + delta F I``.

See :mod:`portfolio_sgd.objectives.shrinkage` for the estimators and why shrinkage is a
modifier. The registered objective ``base`` says how (:meth:`PortfolioObjective.shrink_parts`):
an inner objective whose variance term is scaled by ``1 - delta`` (min-variance: the
whole objective times ``outer = 1 - delta``; mean-variance: ``lam -> lam (1 - delta)``)
and the weight ``c`` of ``w'Sigma w`` in the objective (1 and ``lam / 2``), so that

    f_s(w) = outer * f_inner(w) + c delta F ||w||^2.

The ridge is a term in the weights themselves (:meth:`weight_loss`,
:meth:`weight_gradient`): the engine adds it exactly to every mini-batch step and the
certificate to its exact gradient. Per-run risk aversions (a frontier) would need one
ridge per run; they are refused unless they equal the spec's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.quadratic import QuadraticForm
from .base import Derivatives, PortfolioObjective, data_scales
from .parameters import SpecFields

_COPIED = (
    "name",
    "member",
    "aliases",
    "is_smooth",
    "uses_mean",
    "has_var_level",
    "needs_benchmark",
    "is_quadratic",
    "supports_smoothing",
    "takes_budgets",
    "feasible_set",
    "certificate_bar",
    "per_run_parameter",
)


class ShrunkObjective(PortfolioObjective):
    """A registered quadratic objective with its covariance shrunk toward ``F I``.

    Parameters
    ----------
    spec : ObjectiveSpec
        The user's spec, shrinkage resolved (``shrinkage_intensity``/``_target`` set).
    base : PortfolioObjective
        The registered objective of ``spec`` (unshrunk).
    """

    def __init__(self, spec: SpecFields, base: PortfolioObjective) -> None:
        super().__init__(spec)
        for name in _COPIED:
            setattr(self, name, getattr(base, name))
        delta, target = spec.shrinkage_intensity, spec.shrinkage_target
        if delta is None or target is None:
            raise ConfigError(
                "shrinkage is resolved from the data when it is prepared; this path (e.g. a "
                "risk limit) does not support shrinkage"
            )
        inner_spec, self.outer, weight = base.shrink_parts(float(delta))
        self.inner = inner_spec.impl
        self.ridge = weight * float(delta) * float(target)
        """Coefficient ``rho`` of ``rho ||w||^2``."""
        self._lam = float(spec.risk_aversion)
        self._lam_matters = base.per_run_parameter == "risk_aversion" and weight != 1.0

    def _check(self, risk_aversion: torch.Tensor | None) -> None:
        """Refuse per-run risk aversions other than the spec's (one ridge for all runs)."""
        if risk_aversion is None or not self._lam_matters:
            return
        if bool((risk_aversion != self._lam).any()):
            raise ConfigError(
                "shrinkage takes one risk aversion (the spec's); per-run risk aversions "
                "(a frontier) are not supported with shrinkage"
            )

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        self._check(risk_aversion)
        return self.outer * self.inner.losses(x, mean_return, var_level, benchmark, None, smoothing)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        self._check(risk_aversion)
        g, c, dt = self.inner.derivatives(x, mean_return, var_level, benchmark, None, smoothing)
        return self.outer * g, (None if c is None else self.outer * c), dt

    def weight_loss(self, w: torch.Tensor) -> torch.Tensor:
        """The ridge ``c delta F ||w||^2`` (K,)."""
        return self.ridge * (w * w).sum(dim=1)

    def weight_gradient(self, w: torch.Tensor) -> torch.Tensor:
        """``2 c delta F w`` (K, N)."""
        return 2.0 * self.ridge * w

    def full_value(
        self,
        returns: torch.Tensor,
        weights: torch.Tensor,
        mean: torch.Tensor,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        row_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``outer f_inner(w) + rho ||w||^2`` (K,)."""
        self._check(risk_aversion)
        inner = self.inner.full_value(returns, weights, mean, benchmark, None, row_weights)
        return self.outer * inner + self.weight_loss(weights)

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """``outer L_inner + 2 rho max_i 1/d_i``: a bound on the shrunk Hessian's top
        eigenvalue (the ridge's Hessian ``2 rho I`` in the metric ``d`` is ``2 rho / d``)."""
        base = self.inner.curvature(returns, mean, None, metric)
        top = 1.0 if metric is None else float((1.0 / metric.to(torch.float64)).max())
        return self.outer * base + 2.0 * self.ridge * top

    def quadratic_value_and_gradient(
        self,
        form: QuadraticForm,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The scenario part only (the engine adds the ridge as a weight term)."""
        self._check(risk_aversion)
        value, grad = self.inner.quadratic_value_and_gradient(form, w, mean, None)
        return self.outer * value, self.outer * grad

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray | None:
        """``outer H_inner + 2 rho I`` (N, N)."""
        inner = self.inner.hessian(returns, w)
        if inner is None:
            return None
        return self.outer * inner + 2.0 * self.ridge * np.eye(inner.shape[0])

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """Not defined: the ridge needs the weights, not only the portfolio returns."""
        raise ConfigError("a shrunk objective's value needs the weights; use full_value")

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """``outer * inner + rho ||w||^2 / s2`` (the inner form's data scale ``s2``)."""
        expr, cons = self.inner.cvxpy_expression(cp, w, returns, benchmark)
        _, s2 = data_scales(returns)
        return self.outer * expr + (self.ridge / s2) * cp.sum_squares(w), cons
