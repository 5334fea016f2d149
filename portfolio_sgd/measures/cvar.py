"""Conditional value at risk: ``CVaR_alpha(-x)``, the mean loss in the worst ``1 - alpha`` tail.

Per scenario (Rockafellar-Uryasev) ``t + (-x_t - t)_+ / (1 - alpha)``, minimised over the
VaR level ``t``. The hinge is not differentiable: the engine replaces it by
``tau softplus(z / tau)`` with a shrinking ``tau`` and reports exact values. Its lower
bound is the tail-scenario LP dual (:mod:`.cvar_bound`), its exact finish the tail LP
(:mod:`.kernels.cvar_polish`), its curvature that of the smoothed loss at a point.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .base import Derivatives, RiskMeasure
from .curvature import smoothed_cvar_curvature
from .cvar_bound import cvar_bound
from .kernels.budget_lp import BudgetEpigraph, tail_epigraph
from .kernels.cvar_master import master_weights
from .kernels.cvar_polish import PolishOptions, polish_cvar, polish_cvar_cap
from .kernels.tail_form import TailForm, tail_form
from .kernels.tail_lp import l1_radius
from .performance import cvar_and_var
from .scales import data_scales

__all__ = ["CVAR", "ConditionalValueAtRisk"]

WHOLE_DATA_TRUST = 1e6
"""The trust box of the whole-data LP, in largest weights: wide enough never to bind."""


class ConditionalValueAtRisk(RiskMeasure):
    """Daily historical CVaR at ``alpha`` of the losses ``-x``."""

    name: ClassVar[str] = "cvar"
    aliases: ClassVar[tuple[str, ...]] = ("es", "expected-shortfall")
    label: ClassVar[str] = "daily CVaR"
    limit_option: ClassVar[str | None] = "--max-cvar"
    short_label: ClassVar[str] = "CVaR"
    is_smooth: ClassVar[bool] = False
    has_var_level: ClassVar[bool] = True
    decomposes: ClassVar[bool] = True
    uses_alpha: ClassVar[bool] = True
    minimum_objective: ClassVar[str] = "cvar"
    minimum_parameters: ClassVar[dict[str, float]] = {"return_weight": 0.0}
    has_capped_finish: ClassVar[bool] = True
    whole_data_lp: ClassVar[bool] = True

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """``t + (z)_+ / (1 - alpha)``, ``z = -x - t``; ``smoothing = tau > 0`` uses
        ``tau softplus(z / tau)`` (an upper bound within ``tau log 2``)."""
        t = _var_level(var_level)
        z = -x - t
        hinge = smoothing * F.softplus(z / smoothing) if smoothing > 0 else torch.relu(z)
        return t + hinge / (1.0 - alpha)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        t = _var_level(var_level)
        z = -x - t
        step = torch.sigmoid(z / smoothing) if smoothing > 0 else (z > 0).to(x.dtype)
        tail = step / (1.0 - alpha)
        return -tail, None, 1.0 - tail

    def budget_epigraph(self, returns: np.ndarray, alpha: float = 0.95) -> BudgetEpigraph:
        """The Rockafellar-Uryasev LP: the mean of the worst ``(1 - alpha) T`` losses."""
        return tail_epigraph(tail_form(returns, (1.0 - alpha) * returns.shape[0], False, 1.0))

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        value, _ = cvar_and_var(-np.asarray(x, dtype=np.float64), alpha)
        return np.atleast_1d(np.asarray(value, dtype=np.float64))

    def form(self, returns: np.ndarray, alpha: float, polytope: Any) -> TailForm:
        """The LP epigraph (Rockafellar-Uryasev, tail mass ``(1 - alpha) T``) of CVaR over
        ``returns`` (T, N) for weights in ``polytope`` (max-ratio's Charnes-Cooper LP)."""
        return tail_form(returns, (1.0 - alpha) * returns.shape[0], False, l1_radius(polytope))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """The Rockafellar-Uryasev LP over ``(t, z)``, divided by ``s1``."""
        s1, _ = data_scales(returns)
        t_len = returns.shape[0]
        t_var = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        expr = t_var + cp.sum(z) / ((1.0 - alpha) * t_len)
        return expr, [z >= -(returns / s1) @ w - t_var]

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def curvature(
        self, returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None = None
    ) -> float:
        """Refused: CVaR has no global curvature (see :meth:`smoothed_curvature`)."""
        raise ConfigError("CVaR is not smooth: its curvature is that of a smoothing at a point")

    def smoothed_curvature(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        tau: float,
        alpha: float,
        metric: torch.Tensor | None = None,
        portfolio_x: torch.Tensor | None = None,
    ) -> float:
        """Largest curvature of the ``tau``-smoothed loss at run 0's point ``(w, t)``."""
        return smoothed_cvar_curvature(returns, w, t, tau, alpha, metric, portfolio_x=portfolio_x)

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        alpha: float = 0.95,
        chunk_rows: int = 65_536,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The LP-duality bound from the tail scenarios (:func:`.cvar_bound.cvar_bound`)."""
        res = cvar_bound(
            returns, w, mean, feasible, alpha=alpha, return_weight=0.0, chunk_rows=chunk_rows
        )
        return res.value, res.lower_bound

    def finish_applies(self, feasible: Any) -> bool:
        return True

    def exact_finish(self, *args: Any, **kwargs: Any) -> Any:
        """The tail LP (arguments as :func:`.kernels.cvar_polish.polish_cvar`)."""
        return polish_cvar(*args, **kwargs)

    def whole_data_options(self, n_rows: int) -> PolishOptions:
        """The tail LP over every scenario (the window is the whole data, the trust box never
        binds): the Rockafellar-Uryasev LP, exact from any start in one LP."""
        return PolishOptions(
            half_width=n_rows, trust=WHOLE_DATA_TRUST, max_rounds=2, max_window=n_rows
        )

    def master_weights(
        self, returns: np.ndarray, columns: np.ndarray, level: float, alpha: float
    ) -> np.ndarray | None:
        """The restricted master LP (:mod:`.kernels.cvar_master`)."""
        return master_weights(returns, columns, level, alpha)

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """The daily CVaR and ``w_i E[-R_i | tail]`` (the tail mean's scenario weights, the
        remainder of the tail mass spread over the losses tied at the VaR)."""
        r = np.asarray(returns, dtype=np.float64)
        losses = -(r @ w)
        risk, var = cvar_and_var(losses, alpha)
        return float(risk), w * (tail_weights(losses, float(var), alpha) @ -r)

    def capped_finish(self, *args: Any, **kwargs: Any) -> Any:
        """The capped tail LP (arguments as :func:`.kernels.cvar_polish.polish_cvar_cap`)."""
        return polish_cvar_cap(*args, **kwargs)


def tail_weights(losses: np.ndarray, var: float, alpha: float) -> np.ndarray:
    """Scenario weights (T,) of the CVaR's tail mean: ``1 / ((1 - alpha) T)`` on losses
    above the VaR, and the remainder of the tail mass spread over the losses at the VaR."""
    n = len(losses)
    mass = (1.0 - alpha) * n
    above = losses > var
    at = np.isclose(losses, var, rtol=0.0, atol=1e-15) & ~above
    out = np.where(above, 1.0, 0.0)
    rest = mass - above.sum()
    if at.any() and rest > 0:
        out[at] = rest / at.sum()
    return out / mass


def _var_level(var_level: torch.Tensor | None) -> torch.Tensor:
    """``t`` (K, 1), or a one-line error when it is missing."""
    if var_level is None:
        raise ConfigError("the CVaR loss needs its VaR level t")
    return var_level[:, None]


CVAR = ConditionalValueAtRisk()
"""The CVaR measure."""
