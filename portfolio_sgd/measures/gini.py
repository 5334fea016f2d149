"""The Gini mean difference ``GMD = mean_{i != j} |x_i - x_j|`` of the daily portfolio return.

An average over the ``T (T - 1)`` ordered pairs of distinct scenarios (skfolio's
``GINI_MEAN_DIFFERENCE``), computed exactly in ``O(T log T)`` from the sorted returns:
``GMD = sum_k 2 (2k - T - 1) x_(k) / (T (T - 1))``.

Pairs make mini-batches natural: the per-scenario loss of scenario ``i`` in a batch of
``B`` is ``l_i = sum_{j in batch, j != i} |x_i - x_j| / (B - 1)``, so the batch mean is the
U-statistic over the batch's pairs: unbiased for the GMD when the batch is drawn without
replacement (with replacement, ``(T - 1) / T`` times it: the same minimiser for min-risk).
No engine change: the pairs live inside :meth:`GiniMeanDifference.losses`, computed by a
sort in ``O(B log B)``. The certificate and the exact finish are the window LP over pairs
(:mod:`.kernels.pair_pieces`), which never forms the ``T^2`` pairs; the cvxpy form (one
``|.|`` per pair) is for moderate ``T`` only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from .base import Derivatives
from .kernels.pair_pieces import PairPieces, sorted_weights
from .piecewise import PiecewiseLinearMeasure
from .scales import data_scales

__all__ = ["GINI", "GiniMeanDifference", "batch_gini_terms"]


def batch_gini_terms(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-scenario pair losses and derivatives (each (K, B)) of a batch ``x`` (K, B).

    With ranks ``k = 0..B-1`` and ``P_k`` the sum of the smaller returns,
    ``sum_j |x_k - x_j| = (2k - B) x_k + S - 2 P_k``; the derivative of the batch mean,
    times ``B``, is ``2 (2k - B + 1) / (B - 1)`` (ties: one subgradient).
    """
    b = x.shape[1]
    if b < 2:
        zero = torch.zeros_like(x)
        return zero, zero
    y, order = torch.sort(x, dim=1)
    k = torch.arange(b, dtype=x.dtype, device=x.device)
    before = torch.cumsum(y, dim=1) - y
    total = y.sum(dim=1, keepdim=True)
    sums = (2.0 * k - b) * y + total - 2.0 * before
    slopes = 2.0 * (2.0 * k - b + 1.0) / (b - 1)
    losses = torch.empty_like(x).scatter_(1, order, sums / (b - 1))
    grads = torch.empty_like(x).scatter_(1, order, slopes.expand_as(y).contiguous())
    return losses, grads


class GiniMeanDifference(PiecewiseLinearMeasure):
    """``mean_{i != j} |x_i - x_j|``, in daily return units."""

    name: ClassVar[str] = "gini-mean-difference"
    aliases: ClassVar[tuple[str, ...]] = ("gini", "gmd")
    label: ClassVar[str] = "daily Gini mean difference"
    short_label: ClassVar[str] = "GMD"
    limit_option: ClassVar[str | None] = "--max-gini"
    decomposes: ClassVar[bool] = True
    whole_data_lp: ClassVar[bool] = False  # T^2 pairs: the band LP, never the whole set

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """The batch's pair losses (``smoothing`` is not used: exact subgradients)."""
        return batch_gini_terms(x)[0]

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        return batch_gini_terms(x)[1], None, None

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        """``sum_k owa_k x_(k)`` per column of ``x`` (T, K)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        return sorted_weights(x.shape[0]) @ np.sort(x, axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``sum_{i<j} |(R_i - R_j) w| * 2 / (T (T - 1))``: ``T (T - 1) / 2`` terms."""
        t_len = returns.shape[0]
        i, j = np.triu_indices(t_len, k=1)
        scaled = returns / self.cvxpy_scale(returns)
        pairs = scaled[i] - scaled[j]
        return cp.sum(cp.abs(pairs @ w)) * (2.0 / (t_len * (t_len - 1))), []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def pieces(self, returns: np.ndarray) -> PairPieces:
        """The pairs, never materialised (:class:`~.kernels.pair_pieces.PairPieces`)."""
        return PairPieces(returns)

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """GMD and ``w_i sum_k owa_k R_{pi(k) i}`` (``pi`` sorts ``R w``)."""
        r = np.asarray(returns, dtype=np.float64)
        x = r @ w
        order = np.argsort(x, kind="stable")
        owa = sorted_weights(len(x))
        return float(owa @ x[order]), w * (owa @ r[order])


GINI = GiniMeanDifference()
"""The Gini-mean-difference measure."""
