"""Drawdowns of the cumulative (uncompounded) return path, as skfolio and Riskfolio-Lib
define them: ``C_t = x_1 + ... + x_t``, the peak ``P_t = max(0, C_1, ..., C_t)`` (the
starting wealth 0 is the first peak) and the drawdown ``D_t = P_t - C_t >= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["cvxpy_drawdowns", "drawdowns", "torch_drawdowns"]


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


def cvxpy_drawdowns(cp: Any, w: Any, returns: np.ndarray, scale: float) -> tuple[Any, list]:
    """``(D, rows)``: the drawdowns (T,) of the path ``cumsum(R) / scale`` as cvxpy
    expressions ``u - C w`` over running peaks ``u`` and their rows ``u >= C w``, ``u >= 0``,
    ``u_t >= u_{t-1}`` (at a minimum of an increasing function of ``D``, ``u`` is the peak)."""
    path = np.cumsum(returns, axis=0) / scale
    u = cp.Variable(path.shape[0])
    return u - path @ w, [u >= path @ w, u >= 0, u[1:] >= u[:-1]]
