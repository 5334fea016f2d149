"""Full-data summaries of fixed weights, reduced over ranks (for rank 0's report)."""

from __future__ import annotations

import math

import numpy as np
import torch

from .problem import ShardedProblem


def sharded_performance(problem: ShardedProblem, weights: np.ndarray, periods: int = 252) -> dict:
    """Annual compound return and volatility (ddof 1) of fixed ``weights`` (N,) over all
    rows, as :func:`portfolio_sgd.measures.performance.fixed_weight_performance` on the whole data.

    The compound growth is ``exp(sum log(1 + x_t))`` (sums of logs all-reduced).
    """
    w = torch.as_tensor(np.asarray(weights, dtype=np.float64), device=problem.returns.device)
    x = (problem.returns.to(torch.float64) @ w) if problem.local_rows else w.new_zeros(0)
    ruined = (x <= -1.0).sum().to(torch.float64)
    logs = torch.log1p(x.clamp_min(-1.0 + 1e-300)).sum()
    sums = problem.ctx.all_reduce(torch.stack([logs, x.sum(), (x * x).sum(), ruined]))
    n = problem.n_rows
    growth_log = float(sums[0])
    annual = -1.0 if float(sums[3]) > 0 else math.exp(growth_log * periods / n) - 1.0
    var = (float(sums[2]) - float(sums[1]) ** 2 / n) / (n - 1) if n > 1 else float("nan")
    return {
        "annual_return": annual,
        "annual_volatility": math.sqrt(max(var, 0.0) * periods),
        "periods_per_year": periods,
    }
