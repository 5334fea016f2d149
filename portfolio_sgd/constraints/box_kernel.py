"""Exact, batched projection onto per-asset boxes with a budget (equality or range), and an
optional gross-exposure cap: the kernel of mandates with bounds that differ by asset.

The set is ``{lo_i <= w_i <= hi_i, sum(w) = B (or B_lo <= sum(w) <= B_hi), sum|w| <= L}``.
The projection of a row ``x`` is ``w = clip(x + nu, lo, hi)`` with the shift ``nu`` fixed by
the budget: ``g(nu) = sum_i clip(x_i + nu, lo_i, hi_i)`` is continuous, non-decreasing and
piecewise linear with the ``2N`` breakpoints ``lo_i - x_i`` (slope +1 after it) and
``hi_i - x_i`` (slope -1). One sort of the breakpoints and two cumulative sums give ``g`` at
every breakpoint; the target is bracketed, interpolated (``g`` is linear there), and ``nu``
is recomputed in closed form on the free set with a direct sum.

A binding cap splits, as in :func:`~.kernels.project_long_short`, into a long part
``clip(x + a, max(lo, 0), max(hi, 0))`` summing to ``(B + L) / 2`` and a short part
``clip(x + b, min(lo, 0), min(hi, 0))`` summing to ``(B - L) / 2``: two more shift
equations, no nested search. A budget range projects with ``nu = 0`` when the clipped row's
sum is inside the range, else onto the nearer end.
"""

from __future__ import annotations

import torch

__all__ = ["clip_shift", "project_box_budget"]


def clip_shift(
    x: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """``clip(x + nu, lo, hi)`` with ``nu`` per row such that each row sums to ``target``.

    Parameters
    ----------
    x : torch.Tensor, shape (K, N)
    lo, hi : torch.Tensor, shape (N,)
        Finite bounds with ``lo <= hi``.
    target : torch.Tensor, shape (K, 1)
        Row sums, within ``[sum lo, sum hi]``.

    Returns
    -------
    torch.Tensor, shape (K, N)
    """
    k_rows, n = x.shape
    breaks = torch.cat([lo - x, hi - x], dim=-1)  # (K, 2N)
    slopes = torch.cat(
        [torch.ones_like(x), -torch.ones_like(x)], dim=-1
    )  # slope change after each breakpoint
    t, order = torch.sort(breaks, dim=-1)
    slope = torch.cumsum(torch.gather(slopes, -1, order), dim=-1)  # slope right of t_j
    rise = slope[:, :-1] * torch.diff(t, dim=-1)
    g = lo.sum() + torch.cat([torch.zeros_like(t[:, :1]), torch.cumsum(rise, dim=-1)], dim=-1)
    j = torch.searchsorted(g.contiguous(), target.contiguous()).clamp(1, 2 * n - 1)  # g_j >= tgt
    g_a, g_b = torch.gather(g, -1, j - 1), torch.gather(g, -1, j)
    t_a, t_b = torch.gather(t, -1, j - 1), torch.gather(t, -1, j)
    gap = g_b - g_a
    frac = torch.where(gap > 0, (target - g_a) / torch.where(gap > 0, gap, 1.0), 0.0)
    nu = t_a + frac.clamp(0.0, 1.0) * (t_b - t_a)
    y = x + nu  # closed form on the free set, with a direct sum
    at_lo, at_hi = y <= lo, y >= hi
    free = ~(at_lo | at_hi)
    cnt = free.sum(dim=-1, keepdim=True)
    fixed = torch.where(at_lo, lo, torch.where(at_hi, hi, 0.0)).sum(dim=-1, keepdim=True)
    free_x = torch.where(free, x, 0.0).sum(dim=-1, keepdim=True)
    nu = torch.where(cnt > 0, (target - fixed - free_x) / cnt.clamp(min=1).to(x.dtype), nu)
    w = torch.minimum(torch.maximum(x + nu, lo), hi)
    inside = (w > lo) & (w < hi)  # the rounding left in the sum, spread on the free set
    resid = (target - w.sum(dim=-1, keepdim=True)) / inside.sum(-1, keepdim=True).clamp(min=1)
    return torch.where(inside, torch.minimum(torch.maximum(w + resid, lo), hi), w)


def project_box_budget(
    v: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    budget: tuple[float, float],
    leverage: float | None = None,
) -> torch.Tensor:
    """Euclidean projection of each row of ``v`` onto the box, budget and cap set.

    Parameters
    ----------
    v : torch.Tensor, shape (..., N)
    lo, hi : torch.Tensor, shape (N,)
        Finite per-asset bounds (float64; moved to ``v``'s device and dtype).
    budget : (float, float)
        ``(B_lo, B_hi)``: the range of ``sum(w)`` (equal ends: a fixed budget).
    leverage : float or None
        Gross-exposure cap ``L`` (only with a fixed budget).

    Returns
    -------
    torch.Tensor, same shape, dtype and device as ``v``
    """
    shape, dtype = v.shape, v.dtype
    x = v.reshape(-1, shape[-1]).to(torch.float64)
    lo, hi = lo.to(x), hi.to(x)
    b_lo, b_hi = float(budget[0]), float(budget[1])
    total = torch.minimum(torch.maximum(x, lo), hi).sum(dim=-1, keepdim=True)
    if b_lo < b_hi:  # a range: nu = 0 inside it, else the nearer end
        target = total.clamp(b_lo, b_hi)
        clipped = torch.minimum(torch.maximum(x, lo), hi)
        w = torch.where(target == total, clipped, clip_shift(x, lo, hi, target))
        return w.reshape(shape).to(dtype)
    x = x - x.mean(dim=-1, keepdim=True)  # a fixed budget: shift-invariant, keep sums small
    target = torch.full_like(total, b_lo)
    w = clip_shift(x, lo, hi, target)
    if leverage is None:
        return w.reshape(shape).to(dtype)
    zero = torch.zeros_like(lo)
    active = w.abs().sum(dim=-1, keepdim=True) > leverage
    long_part = clip_shift(
        x,
        torch.maximum(lo, zero),
        torch.maximum(hi, zero),
        torch.full_like(total, 0.5 * (b_lo + leverage)),
    )
    short_part = clip_shift(
        x,
        torch.minimum(lo, zero),
        torch.minimum(hi, zero),
        torch.full_like(total, 0.5 * (b_lo - leverage)),
    )
    w = torch.where(active, long_part + short_part, w)
    return w.reshape(shape).to(dtype)
