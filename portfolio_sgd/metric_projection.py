"""Projections in a diagonal metric, for diagonally preconditioned steps.

A preconditioned projected-gradient step ``w <- P_D(w - lr * D^{-1} g)`` must project in
the metric of ``D``: it solves, row by row,

    min_w  sum_i d_i (w_i - v_i)^2   s.t.  sum_i w_i = 1,  lo <= w_i <= hi.

The KKT conditions give ``w_i = clip(v_i - tau / d_i, lo, hi)`` for one scalar shift
``tau``; ``phi(tau) = sum_i w_i(tau)`` is continuous and non-increasing, so ``tau`` is
found by bisection (fixed iteration count: no host-device synchronisation) followed by an
exact closed-form solve on the free set. With ``d = 1`` this is the ordinary Euclidean
projection onto the capped simplex.
"""

from __future__ import annotations

import torch


def project_box_sum_metric(
    v: torch.Tensor, d: torch.Tensor, lo: float, hi: float, iters: int | None = None
) -> torch.Tensor:
    """Project each row of ``v`` onto ``{sum w = 1, lo <= w <= hi}`` in the ``d``-metric.

    Parameters
    ----------
    v : Tensor, shape (K, N)
        Points to project.
    d : Tensor, shape (N,)
        Positive metric weights.
    lo, hi : float
        Bounds (``lo * N <= 1 <= hi * N``).
    iters : int, optional
        Bisection steps (default 64 for float64, 40 for float32).

    Returns
    -------
    Tensor, shape (K, N)
    """
    if iters is None:
        iters = 64 if v.dtype == torch.float64 else 40
    inv_d = 1.0 / d
    scaled = v * d  # tau at which entry i hits a bound: d_i (v_i - bound)
    t_lo = (scaled - hi * d).min(dim=1, keepdim=True).values  # every entry at hi: sum >= 1
    t_hi = (scaled - lo * d).max(dim=1, keepdim=True).values  # every entry at lo: sum <= 1
    for _ in range(iters):
        mid = 0.5 * (t_lo + t_hi)
        total = torch.clamp(v - mid * inv_d, lo, hi).sum(dim=1, keepdim=True)
        above = total > 1.0
        t_lo = torch.where(above, mid, t_lo)
        t_hi = torch.where(above, t_hi, mid)
    tau = 0.5 * (t_lo + t_hi)
    raw = v - tau * inv_d
    free = (raw > lo) & (raw < hi)
    fixed_sum = torch.where(raw <= lo, lo, 0.0).sum(1, keepdim=True) + torch.where(
        raw >= hi, hi, 0.0
    ).sum(1, keepdim=True)
    free_v = torch.where(free, v, 0.0).sum(1, keepdim=True)
    free_inv = torch.where(free, inv_d.expand_as(v), 0.0).sum(1, keepdim=True)
    exact = (free_v + fixed_sum - 1.0) / free_inv.clamp_min(torch.finfo(v.dtype).tiny)
    tau = torch.where(free_inv > 0, exact, tau)
    return torch.clamp(v - tau * inv_d, lo, hi)
