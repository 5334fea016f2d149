"""Worst realisation (max loss) ``max_t -x_t`` (skfolio's ``WORST_REALIZATION``,
Riskfolio-Lib's ``WR``, the minimax portfolio of Young 1998): an LP
(:mod:`.tail_lp_measure`, tail mass 1, the returns' own losses).

With ``smoothing = tau > 0`` its SGD value is ``tau log sum_t exp(-x_t / tau)``, within
``[max, max + tau log B]`` of the sample's max loss (the gap is ``tau log B``); the
engine's runs of min-risk and utility pass ``tau = 0`` (the exact max and a subgradient)
and the exact LP finish and its dual bound give the answer.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .scales import data_scales
from .tail_lp_measure import TailLPMeasure

__all__ = ["WORST_REALIZATION", "WorstRealization"]


class WorstRealization(TailLPMeasure):
    """The largest loss ``max_t -x_t``."""

    name: ClassVar[str] = "worst-realization"
    aliases: ClassVar[tuple[str, ...]] = ("worst-realisation", "max-loss", "minimax")
    label: ClassVar[str] = "worst realisation (max daily loss)"
    limit_option: ClassVar[str | None] = "--max-worst-realization"
    short_label: ClassVar[str] = "max loss"
    shows_percent: ClassVar[bool] = True
    peaks: ClassVar[bool] = False

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        return 1.0

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        if smoothing > 0:
            return smoothing * torch.logsumexp(-x / smoothing, dim=1)
        return (-x).max(dim=1).values

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return np.atleast_1d((-np.asarray(x, dtype=np.float64)).max(axis=0))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``max_t -(R_t / s1).w``."""
        return cp.max(-(returns / self.cvxpy_scale(returns)) @ w), []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]


WORST_REALIZATION = WorstRealization()
"""The worst-realisation measure."""
