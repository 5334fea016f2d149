"""Mean absolute deviation ``MAD = E|x - mu.w|`` of the daily portfolio return.

Per scenario ``|x_t - mu.w|`` (centred on the full-data mean, so a uniform batch gives an
unbiased value and subgradient); ``smoothing = s > 0`` gives ``sqrt(z^2 + s^2)``, within
``s`` above. MAD is an LP (Konno-Yamazaki): its certificate and exact finish are the window
LP of :mod:`.piecewise`. Positively homogeneous, so it has an Euler decomposition.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .base import Derivatives
from .kernels.scenario_pieces import ScenarioPieces
from .piecewise import PiecewiseLinearMeasure
from .scales import data_scales

__all__ = ["MAD", "MeanAbsoluteDeviation", "smooth_abs"]


def smooth_abs(z: torch.Tensor, smoothing: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``|z|`` and its (sub)gradient ``sign z``; with ``smoothing = s > 0``,
    ``sqrt(z^2 + s^2)`` and ``z / sqrt(z^2 + s^2)``."""
    if smoothing > 0:
        root = torch.sqrt(z * z + smoothing * smoothing)
        return root, z / root
    return z.abs(), torch.sign(z)


class MeanAbsoluteDeviation(PiecewiseLinearMeasure):
    """``E|x_t - mu.w|``, in daily return units."""

    name: ClassVar[str] = "mean-absolute-deviation"
    aliases: ClassVar[tuple[str, ...]] = ("mad",)
    label: ClassVar[str] = "daily mean absolute deviation"
    short_label: ClassVar[str] = "MAD"
    limit_option: ClassVar[str | None] = "--max-mad"
    uses_mean: ClassVar[bool] = True
    decomposes: ClassVar[bool] = True

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        return smooth_abs(x - mean_return[:, None], smoothing)[0]

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        slope = smooth_abs(x - mean_return[:, None], smoothing)[1]
        return slope, -slope, None

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.abs(x - x.mean(axis=0)).mean(axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        centred = (returns - returns.mean(axis=0)) / self.cvxpy_scale(returns)
        return cp.sum(cp.abs(centred @ w)) / returns.shape[0], []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def pieces(self, returns: np.ndarray) -> ScenarioPieces:
        """``|l_t|``, ``l_t = x_t - mean(x)``."""
        return ScenarioPieces(returns, 1.0, 1.0, 0.0, -1.0, 1.0)

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """MAD and ``w_i E[sign(z_t) (R_ti - mu_i)]`` (``z = (R - mu) w``)."""
        centred = np.asarray(returns, dtype=np.float64)
        centred = centred - centred.mean(axis=0)
        z = centred @ w
        return float(np.abs(z).mean()), w * (np.sign(z) @ centred) / len(z)


MAD = MeanAbsoluteDeviation()
"""The mean-absolute-deviation measure."""
