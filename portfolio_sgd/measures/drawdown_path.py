"""Drawdowns of the cumulative (uncompounded) return path, as skfolio and Riskfolio-Lib
define them: ``C_t = x_1 + ... + x_t``, the peak ``P_t = max(0, C_1, ..., C_t)`` (the
starting wealth 0 is the first peak) and the drawdown ``D_t = P_t - C_t >= 0``.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["drawdowns", "torch_drawdowns"]


def drawdowns(x: np.ndarray) -> np.ndarray:
    """Drawdown magnitudes (T, K) of returns ``x`` (T, K) or (T,), float64."""
    c = np.cumsum(np.asarray(x, dtype=np.float64), axis=0)
    peak = np.maximum(np.maximum.accumulate(c, axis=0), 0.0)
    return peak - c


def torch_drawdowns(x: torch.Tensor) -> torch.Tensor:
    """Drawdown magnitudes (K, B) of returns ``x`` (K, B) read along dim 1 (differentiable)."""
    c = torch.cumsum(x, dim=1)
    peak = torch.cummax(c, dim=1).values.clamp(min=0.0)
    return peak - c
