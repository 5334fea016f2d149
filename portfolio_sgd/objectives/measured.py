"""The base of the objective functions written once over any risk measure.

:class:`MeasuredObjective` reads its measure from ``spec.measure`` (a registered
:class:`~portfolio_sgd.measures.base.RiskMeasure`) and takes the measure's flags
(``uses_mean``, ``has_var_level``, ``is_smooth``) as its own, per instance. Subclasses
(:mod:`.min_risk`, :mod:`.utility`) say how the measure's per-scenario loss enters the
objective's; the engine, certificate and exact reference then work through the
:class:`~.base.PortfolioObjective` protocol unchanged. Only measures that are an
expectation of a per-scenario loss (``is_expectation``) are accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.registry import get_measure
from ..measures.scenarios import mean_returns, portfolio_returns
from .base import PortfolioObjective
from .parameters import SpecFields

__all__ = ["MeasuredObjective"]


class MeasuredObjective(PortfolioObjective):
    """An objective function over ``spec.measure`` (see the module docstring).

    Attributes
    ----------
    risk : RiskMeasure
        The measure the objective is written over.
    """

    takes_measure: ClassVar[bool] = True

    def __init__(self, spec: SpecFields) -> None:
        super().__init__(spec)
        self.risk: RiskMeasure = get_measure(getattr(spec, "measure", None) or "variance")
        if not self.risk.is_expectation:
            raise ConfigError(
                f"{self.name} needs a measure that is an expectation of a per-scenario loss; "
                f"{self.risk.name} is not (use {self.risk.penalised_by or 'another measure'})"
            )
        self.uses_mean = self.risk.uses_mean
        self.has_var_level = self.risk.has_var_level
        self.is_smooth = self.risk.is_smooth
        self.measure = self.risk.name
        self.has_exact_finish = bool(getattr(self.risk, "path_dependent", False))

    def risk_losses(
        self, x: torch.Tensor, mean_return: torch.Tensor, var_level: Any
    ) -> torch.Tensor:
        """The measure's per-scenario losses (K, B) at the spec's ``alpha``."""
        return self.risk.losses(x, mean_return, var_level, self.spec.alpha)

    def measure_weights(self, per_run: torch.Tensor | None) -> tuple[np.ndarray, np.ndarray]:
        """``(g, lam)`` (K,) with this objective ``= g (rho - lam mu.w)`` per run (min-risk:
        ``g = 1, lam = 0``)."""
        n = 1 if per_run is None else int(per_run.numel())
        return np.ones(n), np.zeros(n)

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
        """The Frank-Wolfe bound of a smooth measure; a sample measure (``path_dependent``,
        :mod:`portfolio_sgd.measures.sample_measure`) supplies its own
        (:meth:`~portfolio_sgd.measures.base.RiskMeasure.lower_bound` with the per-run
        ``return_weights`` ``lam``, scaled by ``g``); other non-smooth measures and
        row-weighted runs are refused in one line."""
        if self.is_smooth:
            return super().lower_bound(returns, w, mean, feasible, **kwargs)
        weighted = " with row-weighted runs" if kwargs.get("row_weights") is not None else ""
        if weighted or not getattr(self.risk, "path_dependent", False):
            raise ConfigError(
                f"no optimality certificate for {self.name} over the non-smooth "
                f"{self.risk.name}{weighted}"
            )
        lam_run = kwargs.get("risk_aversion")
        g, lam = self.measure_weights(lam_run.expand(w.shape[0]) if lam_run is not None else None)
        extra = {"return_weights": lam} if np.any(lam) else {}
        value, lower = self.risk.lower_bound(
            returns, w, mean, feasible, alpha=self.spec.alpha, **extra
        )
        scale = torch.as_tensor(g, dtype=torch.float64)
        x = portfolio_returns(returns, w)
        losses = self.losses(x, mean_returns(w, mean), None, None, lam_run)
        abs_loss = losses.abs().mean(dim=1).to("cpu", torch.float64)
        return scale * value, scale * lower, abs_loss, f"LP/Lagrangian bound of {self.risk.name}"

    def finish_applies(self, feasible: Any) -> bool:
        """Whether the measure's exact finish runs over ``feasible``."""
        return self.has_exact_finish and self.risk.finish_applies(feasible)

    def engine_polish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        per_run: torch.Tensor,
        options: Any = None,
    ) -> Any:
        """The measure's exact finish of each run (``per_run``: its risk aversion)."""
        if not self.has_exact_finish:
            return None
        _, lam = self.measure_weights(per_run.expand(weights.shape[0]))
        return self.risk.exact_finish(
            returns, mean, weights, feasible, alpha=self.spec.alpha, return_weights=lam
        )
