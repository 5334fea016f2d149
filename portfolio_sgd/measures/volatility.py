"""Annualised volatility ``sqrt(252) * std[x]``: the volatility limit and frontier axis.

Volatility is not an expectation of a per-scenario loss (it is the square root of one), so
it is optimised through the variance: a limit ``sqrt(252 Var) <= S`` is the variance limit
``Var <= (S / sqrt 252)^2``, penalised as ``(nu / 2)(Var - V)`` (``penalised_by``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .base import RiskMeasure
from .scales import data_scales, triangular_factor

__all__ = ["TRADING_DAYS", "VOLATILITY", "Volatility"]

TRADING_DAYS = 252
"""Trading days a year: the annualisation of daily returns."""


class Volatility(RiskMeasure):
    """The annualised population standard deviation of the daily portfolio return."""

    name: ClassVar[str] = "volatility"
    aliases: ClassVar[tuple[str, ...]] = ("vol", "std", "standard-deviation")
    label: ClassVar[str] = "annualised volatility"
    limit_option: ClassVar[str | None] = "--max-volatility"
    short_label: ClassVar[str] = "volatility"
    shows_percent: ClassVar[bool] = True
    is_expectation: ClassVar[bool] = False
    uses_mean: ClassVar[bool] = True
    penalised_by: ClassVar[str | None] = "variance"
    minimum_objective: ClassVar[str] = "min-variance"
    decomposes: ClassVar[bool] = True
    covariance_norm: ClassVar[bool] = True
    """The value is ``sqrt(w' Sigma w)`` of the population covariance: max-ratio (Sharpe)
    is then one QP (:mod:`.kernels.ratio_qp`)."""

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        """The daily standard deviation (K,) of ``x`` (T, K)."""
        return np.asarray(x, dtype=np.float64).std(axis=0)

    def stated_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        """``sqrt(252)`` times the daily standard deviation."""
        return math.sqrt(TRADING_DAYS) * self.numpy_value(x, alpha)

    def annualise(self, value: float) -> float:
        """A daily standard deviation as an annualised volatility, ``sqrt(252) * value``."""
        return math.sqrt(TRADING_DAYS) * value

    def stated_from_value(self, value: float) -> float:
        """A certified daily variance as an annualised volatility."""
        return math.sqrt(TRADING_DAYS * max(value, 0.0))

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``std[x] / s1`` as the norm of a thin-QR factor of the centred returns."""
        s1, _ = data_scales(returns)
        t_len = returns.shape[0]
        centred = (returns - returns.mean(axis=0)) / (s1 * math.sqrt(t_len))
        return cp.norm(triangular_factor(centred) @ w), []

    def cvxpy_limit(
        self, cp: Any, w: Any, returns: np.ndarray, level: float, alpha: float
    ) -> list[Any]:
        """The second-order cone ``||F w|| <= S / sqrt(252)`` (data-scaled)."""
        expr, _ = self.cvxpy_expression(cp, w, returns, alpha)
        return [expr <= level / (self.cvxpy_scale(returns) * math.sqrt(TRADING_DAYS))]

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """The daily sample volatility ``sqrt(w'Sw)`` (``ddof = 1``) and ``w_i (Sw)_i / sigma``."""
        r = np.asarray(returns, dtype=np.float64)
        centred = r - r.mean(axis=0)
        cov_w = centred.T @ (centred @ w) / (len(r) - 1)  # S w
        risk = math.sqrt(max(float(w @ cov_w), 0.0))
        return risk, (w * cov_w / risk if risk > 0 else np.zeros_like(w))

    def penalty_value(self, stated: float) -> float:
        """An annualised volatility as a daily variance, ``S^2 / 252``."""
        return stated**2 / TRADING_DAYS

    def penalised_level(self, level: float) -> float:
        """``V / 2`` with ``V = (S / sqrt 252)^2`` (the variance penalty carries 1/2)."""
        return 0.5 * (level / math.sqrt(TRADING_DAYS)) ** 2

    def shadow_price(self, nu: float, level: float) -> float:
        """``nu S / 252``: the variance multiplier per unit of annualised volatility."""
        return nu * level / TRADING_DAYS


VOLATILITY = Volatility()
"""The annualised-volatility measure."""
