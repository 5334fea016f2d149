"""CVaR's smoothing continuation on a sharded problem.

:class:`ShardedSmoothing` stands in for the objective inside
:class:`~portfolio_sgd.engine.continuation.SmoothingContinuation`: the same policy
(``tau`` from the return scale, halved down to a floor relative to the portfolio's
spread, the VaR level moved to the exact VaR at each stage), with every full-data
quantity reduced over ranks. The smoothed curvature is the top eigenvalue of the exact,
all-reduced (N+1) x (N+1) matrix ``E[s_t a_t a_t']`` (``a_t = (r_t, 1)``) instead of the
single-process power iteration on a row sample.
"""

from __future__ import annotations

from typing import Any

import torch

from ..objectives import PortfolioObjective
from ..objectives.common import portfolio_returns
from .ops import sharded_var_level
from .problem import CHUNK_ELEMENTS, ShardedProblem

NEGLIGIBLE = 1e-8
"""Curvature weights below this fraction of the largest are left out (as single-process)."""


class ShardedSmoothing:
    """The smoothing methods of ``objective`` evaluated over every rank's rows."""

    def __init__(self, objective: PortfolioObjective, problem: ShardedProblem) -> None:
        self.objective = objective
        self.problem = problem

    def __getattr__(self, name: str) -> Any:
        return getattr(self.objective, name)

    def initial_smoothing(self, returns: torch.Tensor) -> float:
        """The return scale: RMS of the equal-weight returns over all T rows."""
        p = self.problem
        x = p.returns.mean(dim=1).to(torch.float64)
        total = p.ctx.all_reduce((x * x).sum().reshape(1))
        return max(float(torch.sqrt(total / p.n_rows)), 1e-12)

    def next_smoothing(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        tau: float,
        final_fraction: float,
    ) -> tuple[float, torch.Tensor]:
        """As ``CVaR.next_smoothing``: ``t`` moved to the VaR, ``tau`` halved to its floor."""
        p = self.problem
        with torch.no_grad():
            x = portfolio_returns(p.returns, w)  # (K, T_r)
            t.copy_(sharded_var_level(p, x))
            x0 = x[0].to(torch.float64)
            sums = p.ctx.all_reduce(torch.stack([x0.sum(), (x0 * x0).sum()]))
            n = p.n_rows
            if n > 1:
                scale = float(torch.sqrt(((sums[1] - sums[0] ** 2 / n) / (n - 1)).clamp_min(0)))
            else:
                scale = abs(float(sums[0]))
        floor = max(scale, 1e-300) * max(final_fraction, 10.0 / n)
        return max(floor, 0.5 * tau), x

    def smoothed_curvature(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        tau: float,
        metric: torch.Tensor | None,
        portfolio_x: torch.Tensor | None = None,
    ) -> float:
        """Top eigenvalue of ``E[s_t a_t a_t']`` at run 0's point (in the metric)."""
        p = self.problem
        x = portfolio_x[0] if portfolio_x is not None else p.returns @ w[0].to(p.returns.dtype)
        z = -x.to(torch.float64) - float(t[0])
        sig = torch.sigmoid(z / tau)
        s = sig * (1.0 - sig) / (tau * (1.0 - self.objective.spec.alpha))
        top = p.ctx.all_reduce(s.max().reshape(1) if s.numel() else s.new_zeros(1), "max")
        hessian = p.ctx.all_reduce(_weighted_second_moment(p.returns, s, NEGLIGIBLE * top))
        hessian = hessian / p.n_rows
        if metric is not None:
            scale = torch.ones(hessian.shape[0], dtype=torch.float64, device=hessian.device)
            scale[:-1] = 1.0 / torch.sqrt(metric.to(torch.float64))
            hessian = hessian * scale[:, None] * scale[None, :]
        return max(float(torch.linalg.eigvalsh(hessian)[-1]), 1e-300)


def _weighted_second_moment(
    returns: torch.Tensor, s: torch.Tensor, threshold: float
) -> torch.Tensor:
    """``sum_t s_t a_t a_t'`` (N + 1, N + 1), float64, over the rows with ``s_t > threshold``.

    ``returns`` (T_r, N) are this rank's rows and ``s`` (T_r,) their weights. The rows
    are taken in blocks of at most :data:`~.problem.CHUNK_ELEMENTS` elements, so the
    float64 temporaries stay small whatever the shard's size (a full-shard copy would
    double the rank's memory).
    """
    n_assets = returns.shape[1]
    out = torch.zeros(n_assets + 1, n_assets + 1, dtype=torch.float64, device=returns.device)
    step = max(1, CHUNK_ELEMENTS // max(1, n_assets))
    for start in range(0, returns.shape[0], step):
        weight = s[start : start + step]
        keep = (weight > threshold).nonzero().squeeze(1)
        a = returns[start : start + step].index_select(0, keep).to(torch.float64)
        a = torch.cat([a, torch.ones_like(a[:, :1])], dim=1)  # (n, N + 1)
        out += (a * weight.index_select(0, keep)[:, None]).T @ a
    return out
