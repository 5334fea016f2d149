"""The root of a sum of clipped linear functions, by a sort of its breakpoints (batched, exact).

For rows of offsets ``c``, slopes ``s > 0`` and intervals ``[lo, hi]`` (all (K, M)) it finds
``t`` (one per row) with

    S(t) = sum_i clip(c_i - s_i t, lo_i, hi_i) = target

and returns the terms ``clip(c_i - s_i t, lo_i, hi_i)``. ``S`` is continuous, non-increasing
and piecewise linear: term ``i`` leaves ``hi_i`` at ``t = (c_i - hi_i) / s_i`` (the slope
falls by ``s_i``) and reaches ``lo_i`` at ``t = (c_i - lo_i) / s_i`` (it rises by ``s_i``).
One sort of the ``2M`` breakpoints and two cumulative sums give ``S`` at every breakpoint,
which locates the linear piece holding the root; the terms are then the combination of
the piece's two ends whose sum is the target (each term is linear on the piece), so every
term stays exactly inside its interval. A fixed handful of tensor operations: no Python
loop, no host synchronisation.
"""

from __future__ import annotations

import torch

__all__ = ["clip_sum_root", "fraction"]


def clip_sum_root(
    c: torch.Tensor, s: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """The terms ``clip(c - s t, lo, hi)`` (K, M) at the root ``t`` of ``S(t) = target``.

    Parameters
    ----------
    c, s, lo, hi : Tensor, float64, shape (K, M)
        Offsets, positive slopes and intervals (``lo <= hi``, finite).
    target : Tensor, float64, shape (K, 1)
        Within ``[sum lo, sum hi]`` (outside, the terms saturate at the nearest end).

    Returns
    -------
    Tensor, float64, shape (K, M)
    """
    live = (hi > lo).to(c.dtype) * s
    events = torch.cat([(c - hi) / s, (c - lo) / s], dim=1)  # (K, 2M), leaving hi, reaching lo
    steps = torch.cat([-live, live], dim=1)
    order = torch.argsort(events, dim=1)
    t_s, ds_s = torch.gather(events, 1, order), torch.gather(steps, 1, order)
    slope = torch.cumsum(ds_s, dim=1)
    moment = torch.cumsum(ds_s * t_s, dim=1)
    total = hi.sum(dim=1, keepdim=True) + slope * t_s - moment  # S at each breakpoint
    last = t_s.shape[1] - 1
    j = ((total >= target).sum(dim=1, keepdim=True) - 1).clamp(0, last)
    left = torch.gather(t_s, 1, j)
    # the next distinct breakpoint (ties, such as a fixed term's two, share one point)
    right = torch.where(t_s > left, t_s, torch.inf).amin(dim=1, keepdim=True)
    right = torch.where(torch.isfinite(right), right, left + 1.0)  # past the last: flat
    va = torch.minimum(torch.maximum(c - s * left, lo), hi)
    vb = torch.minimum(torch.maximum(c - s * right, lo), hi)
    fa, fb = va.sum(dim=1, keepdim=True), vb.sum(dim=1, keepdim=True)
    return vb + fraction(fa, fb, target) * (va - vb)


def fraction(fa: torch.Tensor, fb: torch.Tensor, target: float | torch.Tensor) -> torch.Tensor:
    """``theta`` in [0, 1] with ``fb + theta (fa - fb) = target`` (0 on a flat bracket).

    Parameters
    ----------
    fa, fb : Tensor, shape (K, 1)
        Values at the two ends of a bracket, ``fa >= fb``.
    target : float or Tensor, shape (K, 1)

    Returns
    -------
    Tensor, shape (K, 1)
    """
    gap = fa - fb
    ok = gap > 0
    theta = torch.where(ok, (target - fb) / torch.where(ok, gap, torch.ones_like(gap)), 0.0)
    return theta.clamp(0.0, 1.0)
