"""Semi-variance ``E[min(x - tau, 0)^2]``: the second lower partial moment.

``tau`` is the portfolio's mean return ``mu.w`` (``semi-variance``, skfolio's
``SEMI_VARIANCE`` default) or a fixed daily target (``SemiVariance(target=0.0, ...)``;
register it under its own name). Per scenario ``min(x_t - tau, 0)^2``: C1 and convex, so
the smooth defaults apply (the Frank-Wolfe certificate; the second-moment curvature
``2 lambda_max(E[r r^T])`` bounds ``2 E[1{z < 0} d d^T]``, ``d = r - mu`` or ``r``).
Population moments (divide by T); skfolio's default is the sample one (``T / (T - 1)``
times), which :meth:`SemiVariance.bessel_factor` reports.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .base import Derivatives, RiskMeasure
from .scales import data_scales

__all__ = ["SEMI_VARIANCE", "SemiVariance"]


class SemiVariance(RiskMeasure):
    """``E[min(x_t - tau, 0)^2]`` below ``target`` (None: below the mean ``mu.w``).

    Parameters
    ----------
    target : float or None
    name : str
    aliases : tuple of str
    """

    label: ClassVar[str] = "daily semi-variance"
    short_label: ClassVar[str] = "semi-variance"

    def __init__(
        self,
        target: float | None = None,
        name: str = "semi-variance",
        aliases: tuple[str, ...] = ("semivariance",),
    ) -> None:
        self.target = target
        self.name = name  # type: ignore[misc]
        self.aliases = aliases  # type: ignore[misc]
        self.uses_mean = target is None  # type: ignore[misc]
        self.limit_option = f"--max-{name}"  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"SemiVariance(target={self.target!r}, name={self.name!r})"

    def downside(self, x: torch.Tensor, mean_return: torch.Tensor) -> torch.Tensor:
        """``min(x - tau, 0)`` (K, B)."""
        tau = mean_return[:, None] if self.target is None else self.target
        return torch.clamp(x - tau, max=0.0)

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        down = self.downside(x, mean_return)
        return down * down

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        down = self.downside(x, mean_return)
        return 2.0 * down, (-2.0 * down if self.target is None else None), None

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        tau = x.mean(axis=0) if self.target is None else self.target
        return (np.minimum(x - tau, 0.0) ** 2).mean(axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        s1 = data_scales(returns)[0]
        if self.target is None:
            excess = ((returns - returns.mean(axis=0)) / s1) @ w
        else:
            excess = (returns / s1) @ w - self.target / s1
        return cp.sum_squares(cp.neg(excess)) / returns.shape[0], []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[1]

    def bessel_factor(self, n_observations: int) -> float:
        """``T / (T - 1)``: skfolio's sample semi-variance over the population one."""
        t = int(n_observations)
        return t / max(t - 1, 1)


SEMI_VARIANCE = SemiVariance()
"""The semi-variance below the mean."""
