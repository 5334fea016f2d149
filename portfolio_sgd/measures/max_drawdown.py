"""Maximum drawdown of the cumulative (uncompounded) return path (skfolio's
``MAX_DRAWDOWN``, Riskfolio-Lib's ``MDD``): the largest drawdown, an LP
(:mod:`.tail_lp_measure`, tail mass 1).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .cdar import CDAR
from .drawdown_path import cvxpy_drawdowns, drawdowns, torch_drawdowns
from .tail_lp_measure import TailLPMeasure

__all__ = ["MAX_DRAWDOWN", "MaxDrawdown"]


class MaxDrawdown(TailLPMeasure):
    """``max_t D_t`` of the uncompounded drawdowns."""

    name: ClassVar[str] = "max-drawdown"
    aliases: ClassVar[tuple[str, ...]] = ("mdd",)
    label: ClassVar[str] = "max drawdown (uncompounded)"
    limit_option: ClassVar[str | None] = "--max-drawdown"
    short_label: ClassVar[str] = "max drawdown"
    shows_percent: ClassVar[bool] = True

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        return 1.0

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        return torch_drawdowns(x).max(dim=1).values

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return np.atleast_1d(drawdowns(x).max(axis=0))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``max_t (u_t - C_t.w)`` with running peaks ``u``, scaled as CDaR's."""
        dd, rows = cvxpy_drawdowns(cp, w, returns, self.cvxpy_scale(returns))
        return cp.max(dd), rows

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return CDAR.cvxpy_scale(returns)


MAX_DRAWDOWN = MaxDrawdown()
"""The max-drawdown measure."""
