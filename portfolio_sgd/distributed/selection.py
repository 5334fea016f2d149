"""The k-th smallest value of numbers spread over ranks (the VaR of a sharded run).

Each rank holds its values (K, T_r) of K runs. :func:`kth_smallest` narrows an interval
``(lo, hi]`` around the answer by bisection on the value, with the counts ``#{y <= mid}``
all-reduced (K integers per round), until the answer is among the ``CANDIDATES``
smallest values of the interval; then every rank contributes those values (padded with
+inf), one all-gather brings them together and the answer is picked exactly. The
result is one of the data's values, the same whatever the number of ranks.
"""

from __future__ import annotations

import torch

from .context import DistContext

CANDIDATES = 2048
"""Values per rank and run gathered in the final, exact selection."""
MAX_ROUNDS = 200
"""Bisection rounds at most (float64 needs fewer than 70 to reach adjacent floats)."""


def kth_smallest(y: torch.Tensor, k: int, total: int, ctx: DistContext) -> torch.Tensor:
    """The ``k``-th smallest (1-based) of each run's values over all ranks.

    Parameters
    ----------
    y : Tensor, shape (K, T_r)
        This rank's values.
    k : int
        1 <= k <= total.
    total : int
        Number of values of each run over all ranks.
    ctx : DistContext

    Returns
    -------
    Tensor, shape (K,)
        The same on every rank.
    """
    if k > (total + 1) // 2:  # select from the other end: fewer values to narrow down
        return -kth_smallest(-y, total - k + 1, total, ctx)
    n_runs = y.shape[0]
    inf = torch.full((n_runs, 1), float("inf"), dtype=y.dtype, device=y.device)
    lo = ctx.all_reduce(torch.cat([y, inf], dim=1).min(dim=1).values, "min")
    hi = ctx.all_reduce(torch.cat([y, -inf], dim=1).max(dim=1).values, "max")
    lo = torch.nextafter(lo, torch.full_like(lo, -float("inf")))  # count(y <= lo) = 0 < k
    below = torch.zeros(n_runs, dtype=torch.int64, device=y.device)  # count(y <= lo)
    for _ in range(MAX_ROUNDS):
        wanted = k - below
        adjacent = torch.nextafter(lo, hi) >= hi
        if bool(((wanted <= CANDIDATES) | adjacent).all()):
            break
        mid = torch.where(adjacent, hi, lo + (hi - lo) / 2)
        count = ctx.all_reduce((y <= mid[:, None]).sum(dim=1))
        up = count < k  # the answer is above mid
        lo = torch.where(up & ~adjacent, mid, lo)
        below = torch.where(up & ~adjacent, count, below)
        hi = torch.where(up | adjacent, hi, mid)
    inside = (y > lo[:, None]) & (y <= hi[:, None])
    masked = torch.where(inside, y, torch.full_like(y, float("inf")))
    width = min(CANDIDATES, y.shape[1])
    local = torch.topk(masked, width, dim=1, largest=False).values if width else masked
    if width < CANDIDATES:
        local = torch.cat([local, inf.expand(n_runs, CANDIDATES - width)], dim=1)
    pooled = ctx.all_gather(local).permute(1, 0, 2).reshape(n_runs, -1)
    ordered = torch.sort(pooled, dim=1).values
    pick = (k - below).clamp(1, ordered.shape[1]) - 1
    chosen = ordered.gather(1, pick[:, None]).squeeze(1)
    return torch.where(torch.nextafter(lo, hi) >= hi, torch.where(chosen <= hi, chosen, hi), chosen)
