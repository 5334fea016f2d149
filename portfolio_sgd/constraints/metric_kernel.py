"""Projections in a diagonal metric, for diagonally preconditioned steps.

A preconditioned projected-gradient step ``w <- P_D(w - lr * D^{-1} g)`` must project in
the metric of ``D``: it solves, row by row,

    min_w  sum_i d_i (w_i - v_i)^2   s.t.  sum_i w_i = 1,  lo <= w_i <= hi.

The KKT conditions give ``w_i = clip(v_i - tau / d_i, lo, hi)`` for one scalar shift
``tau``. ``phi(tau) = sum_i w_i(tau)`` is continuous, piecewise linear and non-increasing,
with breakpoints ``d_i (v_i - hi)`` (entry i leaves its upper bound) and
``d_i (v_i - lo)`` (entry i reaches its lower bound). Sorting the 2N breakpoints and
accumulating how each one changes the slope and intercept of ``phi`` gives ``phi`` at every
breakpoint in O(N log N); the root lies on one linear piece and is solved in closed form.
Everything is batched over rows with a fixed sequence of tensor operations (no Python loop,
no host-device synchronisation). With ``d = 1`` this is the Euclidean projection onto the
capped simplex.
"""

from __future__ import annotations

import torch


def project_box_sum_metric(v: torch.Tensor, d: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """Project each row of ``v`` onto ``{sum w = 1, lo <= w <= hi}`` in the ``d``-metric.

    Parameters
    ----------
    v : Tensor, shape (K, N)
        Points to project.
    d : Tensor, shape (N,)
        Positive metric weights.
    lo, hi : float
        Bounds with ``lo * N <= 1 <= hi * N`` (``hi`` may be ``>= 1``: no upper bound).

    Returns
    -------
    Tensor, shape (K, N)
        Exact projections up to rounding.
    """
    k_rows, n = v.shape
    dtype = v.dtype
    d = d.to(dtype).expand(k_rows, n)
    inv_d = 1.0 / d
    hi_eff = min(float(hi), 1.0 - (n - 1) * float(lo))  # a weight above this is infeasible
    # Breakpoints: leaving hi at tau = d(v - hi) (slope gains -1/d, intercept gains v - hi);
    # reaching lo at tau = d(v - lo) (slope loses -1/d, intercept loses v - lo).
    tau_hi = d * (v - hi_eff)
    tau_lo = d * (v - lo)
    taus = torch.cat([tau_hi, tau_lo], dim=1)  # (K, 2N)
    d_slope = torch.cat([-inv_d, inv_d], dim=1)
    d_icpt = torch.cat([v - hi_eff, -(v - lo)], dim=1)
    order = torch.argsort(taus, dim=1)
    taus_s = torch.gather(taus, 1, order)
    slope = torch.cumsum(torch.gather(d_slope, 1, order), dim=1)
    icpt = torch.cumsum(torch.gather(d_icpt, 1, order), dim=1)
    # Just right of breakpoint j: phi(tau) = n * hi_eff + icpt_j + slope_j * tau.
    phi = n * hi_eff + icpt + slope * taus_s
    # phi is non-increasing; the root lies after the last breakpoint with phi >= 1.
    above = (phi >= 1.0).sum(dim=1, keepdim=True).clamp(1, 2 * n) - 1
    slope_j = torch.gather(slope, 1, above)
    icpt_j = torch.gather(icpt, 1, above)
    tau_j = torch.gather(taus_s, 1, above)
    tiny = torch.finfo(dtype).tiny
    flat = slope_j.abs() <= tiny
    tau = torch.where(flat, tau_j, (1.0 - n * hi_eff - icpt_j) / torch.where(flat, -1.0, slope_j))
    w = _correct(torch.clamp(v - tau * inv_d, lo, hi_eff), inv_d, lo, hi_eff)
    # A flat piece (phi = 1 throughout: every entry at a bound, e.g. a vertex) keeps a
    # rounding-sized slope from the cumulative sums instead of 0, and the division puts the
    # shift anywhere (a weight sum of 1.21 was seen). Only such rows (infeasible ones)
    # take the shift clamped to its piece, exact there; every other row is unchanged.
    bad = (w.sum(dim=1, keepdim=True) - 1.0).abs() > 1e3 * torch.finfo(dtype).eps * n
    piece = torch.minimum(torch.maximum(tau, tau_j), _next_breakpoint(taus_s, above))
    fixed = _correct(torch.clamp(v - piece * inv_d, lo, hi_eff), inv_d, lo, hi_eff)
    out = torch.where(bad, fixed, w)
    return _float64_fallback(out, v, d, lo, hi)


def _float64_fallback(
    w: torch.Tensor, v: torch.Tensor, d: torch.Tensor, lo: float, hi: float
) -> torch.Tensor:
    """Rows still infeasible in float32 (huge steps: ``v - tau / d`` cancels catastrophically)
    are projected again in float64.

    Checking for them is a host synchronisation, so it is skipped while a CUDA graph is
    being captured (the certificate still refuses an infeasible result as converged).
    """
    if w.dtype == torch.float64 or (w.is_cuda and torch.cuda.is_current_stream_capturing()):
        return w
    tol = 1e3 * torch.finfo(w.dtype).eps * w.shape[1]
    bad = (w.sum(dim=1) - 1.0).abs() > tol
    if not bool(bad.any()):
        return w
    exact = project_box_sum_metric(v[bad].double(), d[0].double(), lo, hi).to(w.dtype)
    out = w.clone()
    out[bad] = exact
    return out


def _next_breakpoint(taus_s: torch.Tensor, above: torch.Tensor) -> torch.Tensor:
    """The breakpoint (K, 1) after ``above`` in the sorted ``taus_s`` (+inf after the last)."""
    last = taus_s.shape[1] - 1
    nxt = torch.gather(taus_s, 1, (above + 1).clamp_max(last))
    return torch.where(above >= last, torch.full_like(nxt, float("inf")), nxt)


def _correct(w: torch.Tensor, inv_d: torch.Tensor, lo: float, hi_eff: float) -> torch.Tensor:
    """``w`` (K, N) after the final exact correction on the free set."""
    dtype, tiny = w.dtype, torch.finfo(w.dtype).tiny
    # Final exact correction on the free set (removes the cumulative-sum rounding).
    free = (w > lo) & (w < hi_eff)
    residual = 1.0 - w.sum(dim=1, keepdim=True)
    free_inv = torch.where(free, inv_d, torch.zeros((), dtype=dtype, device=w.device)).sum(
        1, keepdim=True
    )
    shift = residual / free_inv.clamp_min(tiny)
    w = torch.where(free, w + shift * inv_d, w)
    return torch.clamp(w, lo, hi_eff)
