"""Average drawdown of the cumulative (uncompounded) return path (skfolio's
``AVERAGE_DRAWDOWN``, Riskfolio-Lib's ``ADD``): the mean drawdown, an LP
(:mod:`.tail_lp_measure`, tail mass ``T``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .cdar import CDAR
from .drawdown_path import cvxpy_drawdowns, drawdowns, torch_drawdowns
from .tail_lp_measure import TailLPMeasure

__all__ = ["AVERAGE_DRAWDOWN", "AverageDrawdown"]


class AverageDrawdown(TailLPMeasure):
    """``mean_t D_t`` of the uncompounded drawdowns."""

    name: ClassVar[str] = "average-drawdown"
    aliases: ClassVar[tuple[str, ...]] = ("add",)
    label: ClassVar[str] = "average drawdown (uncompounded)"
    limit_option: ClassVar[str | None] = "--max-average-drawdown"
    short_label: ClassVar[str] = "average drawdown"
    shows_percent: ClassVar[bool] = True

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        return float(n_rows)

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        return torch_drawdowns(x).mean(dim=1)

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return np.atleast_1d(drawdowns(x).mean(axis=0))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``mean_t (u_t - C_t.w)`` with running peaks ``u``, scaled as CDaR's."""
        dd, rows = cvxpy_drawdowns(cp, w, returns, self.cvxpy_scale(returns))
        return cp.sum(dd) / returns.shape[0], rows

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return CDAR.cvxpy_scale(returns)


AVERAGE_DRAWDOWN = AverageDrawdown()
"""The average-drawdown measure."""
