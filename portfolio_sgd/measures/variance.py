"""The variance measure ``Var[x]``, and the variance maths the variance objectives share.

Variances are *population* variances (divide by T), centred on the full-data mean ``mu``
(precomputed once), so the mini-batch mean of a loss is an unbiased estimate of ``f``
and its gradient an unbiased estimate of ``grad f`` for any uniformly drawn batch.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch

from .base import Derivatives, RiskMeasure
from .curvature import top_eigenvalue
from .kernels.qp_finish import applies, polish_quadratic
from .scales import data_scales, triangular_factor


def covariance_curvatures(
    returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None
) -> tuple[float, float]:
    """Top eigenvalues ``(second moment, covariance)`` of the (preconditioned) data.

    The second moment only sets a floor, so a few power iterations suffice for it.
    """
    second = top_eigenvalue(returns, None, metric=metric, iters=5)
    cov = top_eigenvalue(returns, mean, metric=metric)
    return second, cov


def covariance(returns: np.ndarray) -> np.ndarray:
    """Population covariance (N, N) of ``returns`` (T, N)."""
    centred = returns - returns.mean(axis=0)
    return centred.T @ centred / returns.shape[0]


def centred_moments(
    form_second: torch.Tensor, w: torch.Tensor, mean: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(m, Var, centred)`` from the second moment ``S``: ``m = mu.w``,
    ``Var = w'Sw - m^2`` (K,), ``centred = S w - m mu`` (K, N).

    ``S`` is (N, N), or (K, N, N) with ``mu`` (K, N): one moment matrix per run
    (row-weighted runs)."""
    if form_second.ndim == 3:
        sw = (w.unsqueeze(2) * form_second).sum(dim=1)  # (K, N); faster than a tiny bmm
    else:
        sw = w @ form_second  # (K, N); S is symmetric
    quad = (w * sw).sum(dim=1)
    m = (w * mean).sum(dim=1) if mean.ndim == 2 else w @ mean  # (K,)
    return m, quad - m * m, sw - m[:, None] * mean


def variance_finish(
    model,  # noqa: ANN001 - (sigma, mu, param) -> (H, g)
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    feasible,  # noqa: ANN001 - FeasibleSet or TradingSet
    per_run: torch.Tensor,
):  # noqa: ANN201 - see measures.kernels.qp_finish.polish_quadratic
    """The exact QP finish of a variance objective (:mod:`portfolio_sgd.measures.kernels.qp_finish`)."""
    return polish_quadratic(model, returns, mean, weights, feasible, per_run)


def variance_finish_applies(feasible) -> bool:  # noqa: ANN001 - FeasibleSet or TradingSet
    """Whether the exact QP finish runs over ``feasible`` (not with a leverage cap or
    market impact)."""
    return applies(feasible)


def numpy_variance(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (K,) and population variance (K,) of portfolio returns ``x`` (T, K)."""
    mean = x.mean(axis=0)
    return mean, ((x - mean) ** 2).mean(axis=0)


def cvxpy_variance(cp, w, returns: np.ndarray, s2: float):  # noqa: ANN001, ANN201 - cvxpy
    """``Var[x] / s2`` as a sum of squares of a thin-QR factor of the centred returns."""
    t_len = returns.shape[0]
    fac = triangular_factor((returns - returns.mean(axis=0)) / math.sqrt(t_len * s2))
    return cp.sum_squares(fac @ w)


class Variance(RiskMeasure):
    """The population variance of the daily portfolio return, ``E[(x - mu.w)^2]``.

    Per scenario ``(x_t - mu.w)^2`` (centred on the full-data mean, so a uniformly drawn
    batch gives an unbiased value and gradient). Its exact finish is the QP on the
    covariance (:mod:`portfolio_sgd.measures.kernels.qp_finish`).
    """

    name: ClassVar[str] = "variance"
    aliases: ClassVar[tuple[str, ...]] = ("var",)
    label: ClassVar[str] = "daily variance"
    short_label: ClassVar[str] = "variance"
    uses_mean: ClassVar[bool] = True
    minimum_objective: ClassVar[str] = "min-variance"

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        dev = x - mean_return[:, None]
        return dev * dev

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        dev = x - mean_return[:, None]
        return 2.0 * dev, -2.0 * dev, None

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return numpy_variance(np.asarray(x, dtype=np.float64))[1]

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        return cvxpy_variance(cp, w, returns, data_scales(returns)[1]), []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[1]

    def bessel_factor(self, n_observations: int) -> float:
        """``T / (T - 1)``: the sample variance over the population one."""
        t = int(n_observations)
        return t / max(t - 1, 1)

    def curvature(
        self, returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None = None
    ) -> float:
        """Twice the covariance's top eigenvalue (floored at 1e-3 of ``E[r r^T]``)."""
        second, cov = covariance_curvatures(returns, mean, metric)
        return max(2.0 * cov, 1e-3 * second, 1e-300)

    def finish_applies(self, feasible: Any) -> bool:
        return variance_finish_applies(feasible)

    def exact_finish(self, *args: Any, **kwargs: Any) -> Any:
        """The QP finish (arguments as :func:`variance_finish`)."""
        return variance_finish(*args, **kwargs)


VARIANCE = Variance()
"""The variance measure."""
