"""Conditional drawdown at risk ``CDaR_beta``: the mean of the worst ``1 - beta`` of the
drawdowns of the cumulative (uncompounded) return path (skfolio's ``CDAR``,
Riskfolio-Lib's ``CDaR``). ``beta`` is the measure's ``alpha`` (``--alpha``, skfolio's
``cdar_beta``). An LP (:mod:`.tail_lp_measure`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .drawdown_path import cvxpy_drawdowns, drawdowns, torch_drawdowns
from .performance import cvar_and_var
from .scales import data_scales
from .tail_lp_measure import TailLPMeasure
from .tail_mean import torch_tail_mean

__all__ = ["CDAR", "ConditionalDrawdownAtRisk"]


class ConditionalDrawdownAtRisk(TailLPMeasure):
    """``CDaR_beta`` of the uncompounded drawdowns, ``beta = alpha``."""

    name: ClassVar[str] = "cdar"
    aliases: ClassVar[tuple[str, ...]] = ("conditional-drawdown-at-risk",)
    label: ClassVar[str] = "CDaR (uncompounded drawdown)"
    limit_option: ClassVar[str | None] = "--max-cdar"
    short_label: ClassVar[str] = "CDaR"
    shows_percent: ClassVar[bool] = True
    uses_alpha: ClassVar[bool] = True
    skfolio_beta: ClassVar[str] = "cdar_beta"

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        return (1.0 - alpha) * n_rows

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        return torch_tail_mean(torch_drawdowns(x), (1.0 - alpha) * x.shape[1])

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        value, _ = cvar_and_var(drawdowns(x), alpha)
        return np.atleast_1d(np.asarray(value, dtype=np.float64))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """Rockafellar-Uryasev over the drawdowns with running peaks ``u``, divided by
        the cumulative path's scale."""
        dd, rows = cvxpy_drawdowns(cp, w, returns, self.cvxpy_scale(returns))
        t_len = returns.shape[0]
        z, d = cp.Variable(), cp.Variable(t_len, nonneg=True)
        return z + cp.sum(d) / ((1.0 - alpha) * t_len), [*rows, d >= dd - z]

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0] * np.sqrt(returns.shape[0])


CDAR = ConditionalDrawdownAtRisk()
"""The CDaR measure."""
