"""Index tracking: ``f(w) = E[(x - b)^2]`` against benchmark returns ``b``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, DataError
from ..measures.curvature import top_eigenvalue
from .base import Derivatives, PortfolioObjective, data_scales, require, triangular_factor


class Tracking(PortfolioObjective):
    """Mean squared tracking difference against a benchmark series."""

    name = "tracking"
    member = "TRACKING"
    needs_benchmark = True
    functions = ("tracking",)
    cardinality_by_enumeration = True
    is_quadratic = True

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        diff = x - require(benchmark, "benchmark")
        return diff * diff

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        return 2.0 * (x - require(benchmark, "benchmark")), None, None

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """Twice the top eigenvalue of ``E[r r^T]``."""
        second = top_eigenvalue(returns, None, metric=metric)
        return max(2.0 * second, 1e-3 * second, 1e-300)

    def quadratic_value_and_gradient(
        self,
        form: Any,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``f = w'Sw - 2 c'w + E[b^2]``, ``grad = 2 (S w - c)``."""
        sw = w @ form.second  # (K, N); S is symmetric
        quad = (w * sw).sum(dim=1)
        cross = form.cross
        if cross is None:
            raise ConfigError("tracking needs the benchmark moments")
        return quad - 2.0 * (w @ cross) + form.bench_square, 2.0 * (sw - cross)

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        return 2.0 * returns.T @ returns / returns.shape[0]

    def exact_quadratic(
        self, returns: np.ndarray, risk_aversion: float, benchmark: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """``H = 2 E[r r']``, ``c = 2 E[r b]``, ``const = E[b^2]``."""
        t_len = returns.shape[0]
        b = np.asarray(require(benchmark, "a benchmark"), dtype=np.float64)  # type: ignore[arg-type]
        return 2.0 * returns.T @ returns / t_len, 2.0 * returns.T @ b / t_len, float(np.mean(b * b))

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        b = _numpy_benchmark(benchmark, x.shape[0])
        return ((x - b[:, None]) ** 2).mean(axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        t_len, n = returns.shape
        b = _numpy_benchmark(benchmark, t_len)
        _, s2 = data_scales(returns)
        scale = s2 + float(np.mean(b**2)) or 1.0
        fac = triangular_factor(np.column_stack([returns, b]) / math.sqrt(t_len * scale))
        return cp.sum_squares(fac[:, :n] @ w - fac[:, n]), []


def _numpy_benchmark(benchmark: np.ndarray | None, t_len: int) -> np.ndarray:
    if benchmark is None:
        raise ConfigError("objective 'tracking' needs a benchmark return series of shape (T,)")
    b = np.asarray(benchmark, dtype=np.float64).reshape(-1)
    if b.shape != (t_len,) or not np.all(np.isfinite(b)):
        raise DataError(f"benchmark must be finite with shape ({t_len},), got {b.shape}")
    return b
