"""Semi-deviation ``sqrt(E[min(x - mu.w, 0)^2])``: the square root of the semi-variance.

Not an expectation of a per-scenario loss, so (as volatility through the variance) it is
optimised through the semi-variance (``penalised_by``): min-risk over the semi-deviation
is min-risk over the semi-variance (the same weights), and a semi-deviation limit ``S`` is
the semi-variance limit ``S^2``. It is stated in daily return units (skfolio's
``SEMI_DEVIATION``), and is positively homogeneous (an Euler decomposition).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .base import RiskMeasure
from .scales import data_scales
from .semi_variance import SEMI_VARIANCE

__all__ = ["SEMI_DEVIATION", "SemiDeviation"]


class SemiDeviation(RiskMeasure):
    """``sqrt(E[min(x_t - mu.w, 0)^2])``, in daily return units."""

    name: ClassVar[str] = "semi-deviation"
    aliases: ClassVar[tuple[str, ...]] = ("semideviation", "downside-deviation")
    label: ClassVar[str] = "daily semi-deviation"
    short_label: ClassVar[str] = "semi-deviation"
    is_expectation: ClassVar[bool] = False
    uses_mean: ClassVar[bool] = True
    penalised_by: ClassVar[str | None] = SEMI_VARIANCE.name
    decomposes: ClassVar[bool] = True

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return np.sqrt(SEMI_VARIANCE.numpy_value(x, alpha))

    def stated_from_value(self, value: float) -> float:
        """A certified semi-variance as a semi-deviation."""
        return math.sqrt(max(value, 0.0))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``||min((R - mu) w, 0)|| / (s1 sqrt T)``: a second-order cone."""
        centred = (returns - returns.mean(axis=0)) / self.cvxpy_scale(returns)
        return cp.norm(cp.neg(centred @ w)) / math.sqrt(returns.shape[0]), []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """The semi-deviation and ``w_i E[min(z, 0) (R_i - mu_i)] / sd``."""
        centred = np.asarray(returns, dtype=np.float64)
        centred = centred - centred.mean(axis=0)
        down = np.minimum(centred @ w, 0.0)
        risk = math.sqrt(float(np.mean(down * down)))
        grad = down @ centred / (len(down) * risk) if risk > 0 else np.zeros_like(w)
        return risk, w * grad

    def penalty_value(self, stated: float) -> float:
        """A semi-deviation as a semi-variance, ``S^2``."""
        return stated**2

    def penalised_level(self, level: float) -> float:
        """The semi-variance level ``S^2``."""
        return level**2

    def shadow_price(self, nu: float, level: float) -> float:
        """``2 nu S``: the semi-variance multiplier per unit of semi-deviation."""
        return 2.0 * nu * level


SEMI_DEVIATION = SemiDeviation()
"""The semi-deviation below the mean."""
