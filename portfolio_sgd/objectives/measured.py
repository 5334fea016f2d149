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

import torch

from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.registry import get_measure
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
        self.has_exact_finish = self.risk.finish_takes_linear

    def risk_losses(
        self, x: torch.Tensor, mean_return: torch.Tensor, var_level: Any
    ) -> torch.Tensor:
        """The measure's per-scenario losses (K, B) at the spec's ``alpha``."""
        return self.risk.losses(x, mean_return, var_level, self.spec.alpha)

    def measure_terms(
        self, mean: torch.Tensor, per_run: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(a, c)`` with ``f(w) = a (rho(w) + c.w)``: ``a`` (K,), ``c`` (K, N), from the
        runs' per-run parameters (K,). Min-risk: ``a = 1``, ``c = 0``."""
        a = torch.ones_like(per_run, dtype=torch.float64)
        return a, torch.zeros(per_run.shape[0], mean.shape[-1], dtype=torch.float64)

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
        """The Frank-Wolfe bound of a smooth measure; a non-smooth one supplies its own
        (:meth:`~portfolio_sgd.measures.base.RiskMeasure.lower_bound`, with the objective's
        linear term where the measure takes one)."""
        if self.is_smooth:
            return super().lower_bound(returns, w, mean, feasible, **kwargs)
        weighted = " with row-weighted runs" if kwargs.get("row_weights") is not None else ""
        if weighted or not self.risk.finish_takes_linear:
            raise ConfigError(
                f"no optimality certificate for {self.name} over the non-smooth "
                f"{self.risk.name}{weighted}"
            )
        per_run = kwargs["risk_aversion"].detach().to("cpu", torch.float64)
        a, c = self.measure_terms(mean.detach().to("cpu", torch.float64), per_run)
        value, lower = self.risk.lower_bound(
            returns, w, mean, feasible, alpha=self.spec.alpha, linear=c
        )
        wd = w.to(returns.dtype)
        lam = per_run.to(device=returns.device, dtype=returns.dtype)
        losses = self.losses(wd @ returns.T, wd @ mean.to(returns.dtype), None, None, lam)
        abs_loss = losses.abs().mean(dim=1).to("cpu", torch.float64)
        return a * value, a * lower, abs_loss, self.risk.bound_method

    def finish_applies(self, feasible: Any) -> bool:
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
        """The measure's exact finish with the objective's linear term (None: it has none)."""
        if not self.has_exact_finish:
            return None
        _, c = self.measure_terms(mean.detach().to("cpu", torch.float64), per_run)
        return self.risk.exact_finish(
            returns, mean, weights, feasible, linear=c, options=options, alpha=self.spec.alpha
        )
