"""Measures of a whole sample of returns (a drawdown path, a worst case, an entropic mean).

A :class:`SampleMeasure` is a function ``rho(x_1..x_B)`` of the portfolio returns of a
sample read in time order, not the mean of a per-row loss. It still speaks the
per-scenario protocol of :class:`~.base.RiskMeasure`: :meth:`~SampleMeasure.losses` gives
every row the sample's value (so their mean is ``rho``), and
:meth:`~SampleMeasure.derivatives` gives ``B d rho / d x_s`` (so the mean of ``g_s R_s``
is the gradient), from autograd of :meth:`~SampleMeasure.torch_value`.

On the full data in time order (the engine's evaluations and exact full-data steps) these
are exact. On a mini-batch of sampled rows they are the measure of that sample, a biased
surrogate that only steers the first steps: the answer of these measures is their exact
finish (an LP or a smooth convex solve on the full data) and the certificate is their own
(an LP dual or a Frank-Wolfe bound), never the smooth-only default.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .base import Derivatives, RiskMeasure
from .curvature import top_eigenvalue

__all__ = ["SampleMeasure"]


class SampleMeasure(RiskMeasure):
    """Base of the measures of a whole sample (see the module docstring)."""

    is_smooth: ClassVar[bool] = False
    finish_takes_linear: ClassVar[bool] = True
    path_dependent: ClassVar[bool] = True
    decomposes: ClassVar[bool] = True

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        """``rho`` (K,) of the samples ``x`` (K, B), in time order, differentiable."""
        raise NotImplementedError

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """The sample's value on every row (K, B)."""
        return self.torch_value(x, alpha, smoothing)[:, None].expand_as(x)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        """``(B d rho / d x_s, None, None)`` by autograd of :meth:`torch_value`."""
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.torch_value(leaf, alpha, smoothing).sum(), leaf)
        return grad * x.shape[1], None, None

    def curvature(
        self, returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None = None
    ) -> float:
        """A step-size scale, not a bound (the measure is not smooth): ``2 T lambda_max``
        of the second moment, the size of a path's subgradient steps."""
        return max(2.0 * returns.shape[0] * top_eigenvalue(returns, None, metric=metric), 1e-300)

    def lower_bound(self, *args: Any, **kwargs: Any) -> Any:
        """Each measure gives its own certificate."""
        raise NotImplementedError

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """``rho`` and ``w_i d rho / d w_i`` (N,) by autograd; they sum to ``rho`` (these
        measures are positively homogeneous)."""
        r = torch.from_numpy(np.array(returns, dtype=np.float64))
        leaf = torch.from_numpy(np.asarray(w, dtype=np.float64).copy()).requires_grad_(True)
        value = self.torch_value((r @ leaf)[None, :], alpha, 0.0)[0]
        (grad,) = torch.autograd.grad(value, leaf)
        return float(value.detach()), np.asarray(w) * grad.numpy()
