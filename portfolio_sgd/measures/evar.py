"""Entropic value at risk ``EVaR_alpha(-x) = inf_{z>0} z log(E[exp(-x/z)] / (1 - alpha))``
(Ahmadi-Javid 2012; skfolio's ``EVAR``, Riskfolio-Lib's ``EVaR``), at the measure's
``alpha`` (skfolio's ``evar_beta``).

A sample measure (:mod:`.sample_measure`): the value of a sample is its minimum over
``z`` (:mod:`.entropic`), and its gradient ``-p.R`` with the tilted weights ``p`` at the
optimal ``z`` (Danskin). It is differentiable, but not an expectation of a per-row loss,
so the engine treats it as a sample measure (its own bound, the 1e-3 bar). The exact
finish is SLSQP in ``(w, z)``, the certificate Frank-Wolfe's on the convex ``EVaR(w)``
(:mod:`.kernels.evar_finish`); the cvxpy form is the exponential cone.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch

from .entropic import entropic_values
from .kernels.budget_entropic import EntropicBudgetForm
from .kernels.cvar_polish import PolishRow
from .kernels.evar_finish import evar_bound, evar_finish
from .run_finish import bound_runs, finish_runs
from .sample_measure import SampleMeasure
from .scales import data_scales

__all__ = ["EVAR", "EntropicValueAtRisk"]


class EntropicValueAtRisk(SampleMeasure):
    """Historical EVaR at ``alpha`` of the losses ``-x``."""

    name: ClassVar[str] = "evar"
    aliases: ClassVar[tuple[str, ...]] = ("entropic-value-at-risk",)
    label: ClassVar[str] = "daily EVaR"
    limit_option: ClassVar[str | None] = "--max-evar"
    short_label: ClassVar[str] = "EVaR"
    shows_percent: ClassVar[bool] = True
    uses_alpha: ClassVar[bool] = True
    skfolio_beta: ClassVar[str] = "evar_beta"

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        """``z* (logsumexp(-x / z*) - log(B (1 - alpha)))`` at each sample's ``z*`` (held
        fixed: the envelope gives the gradient); the max loss where ``z* = 0``."""
        _, z = entropic_values(-x.detach().to("cpu", torch.float64).numpy().T, alpha)
        level = torch.as_tensor(z, dtype=x.dtype, device=x.device)[:, None]
        safe = torch.where(level > 0, level, torch.ones_like(level))
        shift = math.log(x.shape[1]) + math.log1p(-alpha)
        tilted = safe[:, 0] * (torch.logsumexp(-x / safe, dim=1) - shift)
        return torch.where(level[:, 0] > 0, tilted, (-x).max(dim=1).values)

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        arr = np.asarray(x, dtype=np.float64)
        return entropic_values(-(arr[:, None] if arr.ndim == 1 else arr), alpha)[0]

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``s - z log(1 - alpha)`` with ``sum_t z exp((-x_t - s) / z) <= T z`` (exponential
        cones), on returns divided by ``s1``."""
        x = (returns / self.cvxpy_scale(returns)) @ w
        t_len = returns.shape[0]
        s, z, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(t_len)
        rows = [cp.constraints.ExpCone(-x - s, z * np.ones(t_len), u), cp.sum(u) <= t_len * z]
        return s - z * math.log1p(-alpha), rows

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def budget_smooth(self, returns: np.ndarray, alpha: float = 0.95) -> EntropicBudgetForm:
        """EVaR of unnormalised weights with its exact Hessian (risk budgeting's Newton)."""
        return EntropicBudgetForm(returns, alpha)

    def finish_applies(self, feasible: Any) -> bool:
        return True

    def exact_finish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        linear: torch.Tensor | None = None,
        options: Any = None,
        alpha: float = 0.95,
    ) -> tuple[torch.Tensor, list[PolishRow]]:
        """Each run's ``min rho(w) + c_k.w`` (``linear`` (K, N); ``options`` not used) (:func:`evar_finish`)."""
        return finish_runs(
            partial(evar_finish, alpha=alpha, feasible=feasible),
            returns,
            weights,
            linear,
        )

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        alpha: float = 0.95,
        chunk_rows: int = 65_536,
        linear: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Each run's ``(rho(w) + c.w, lower bound)`` (:func:`evar_bound`; trading costs
        are refused)."""
        one = partial(evar_bound, alpha=alpha, minimize_=feasible.minimize)
        return bound_runs(one, self.name, returns, w, feasible, linear)


EVAR = EntropicValueAtRisk()
"""The EVaR measure."""
