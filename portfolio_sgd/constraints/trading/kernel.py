"""The proximal step of trading costs, combined with the projection (batched, exact).

For rows ``v`` (K, N), previous holdings ``p`` (N,), a diagonal metric ``d`` (N,) (ones:
Euclidean), per-asset bounds ``lo <= w <= hi`` (vectors: the box already intersected
with the per-asset turnover limits ``[p - delta_i, p + delta_i]``), L1 thresholds ``a``
(``lr * c``), impact thresholds ``b`` (``lr * kappa``) and a turnover cap ``delta``, it
solves, row by row,

    min_w  1/2 sum_i d_i (w_i - v_i)^2 + sum_i a_i |w_i - p_i| + sum_i b_i |w_i - p_i|^1.5
    s.t.   sum_i w_i = 1,  lo_i <= w_i <= hi_i,  1/2 sum_i |w_i - p_i| <= delta.

KKT, with the trade ``y = w - p``, its interval ``[l, h] = [lo - p, hi - p]``, a budget
shift ``tau`` and a turnover multiplier ``lam >= 0``: the buy and the sell of asset ``i``
are one-dimensional clips,

    y_i^+ = clip(u_i - (tau + lam + a_i) / d_i, max(l_i, 0), max(h_i, 0)),
    y_i^- = clip(u_i - (tau - lam - a_i) / d_i, min(l_i, 0), min(h_i, 0)),

with ``u = v - p`` and ``y = y^+ + y^-`` (at most one is non-zero). Without impact
(``b = 0``) every equation is a root of a sum of clipped linear functions, solved
exactly by one sort of its breakpoints (:func:`.breakpoints.clip_sum_root`):

- the budget ``sum y = r = 1 - sum p`` at ``lam = 0``: one equation in ``tau`` over the
  2N terms ``(y^+, y^-)``;
- a row whose turnover then exceeds ``delta`` has ``lam > 0`` and turnover exactly
  ``delta``: ``sum |y| = 2 delta`` with ``sum y = r`` splits into ``sum y^+ = delta + r/2``
  (an equation in ``tau + lam`` alone) and ``sum y^- = r/2 - delta`` (in ``tau - lam``
  alone): two independent equations, solved in the same batch.

No Python loop, no host synchronisation except skipping the cap on CPU when no row is
over it. With impact the pieces are curved and :func:`.impact.prox_impact` finds the
same roots numerically (one regula falsi loop for the budget, one for a binding cap). Computed in float64 and returned in the input's dtype.
"""

from __future__ import annotations

import torch

from .breakpoints import clip_sum_root
from .impact import prox_impact


def prox_trading(
    v: torch.Tensor,
    p: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    *,
    a: torch.Tensor | None = None,
    b: torch.Tensor | None = None,
    d: torch.Tensor | None = None,
    delta: float | None = None,
) -> torch.Tensor:
    """Rows of ``v`` after the trading prox and the projection (see the module docstring).

    Parameters
    ----------
    v : Tensor, shape (K, N) or (N,)
    p, lo, hi : Tensor, shape (N,)
        Previous holdings and per-asset bounds with ``sum lo <= 1 <= sum hi``.
    a, b : Tensor, shape (N,) or (K, N), optional
        L1 and impact thresholds (step size times the cost coefficients); None: 0.
    d : Tensor, shape (N,), optional
        Positive metric weights (None: Euclidean).
    delta : float, optional
        One-way turnover cap ``1/2 sum |w - p| <= delta``.

    Returns
    -------
    Tensor, same shape and dtype as ``v``
    """
    out_dtype, shape = v.dtype, v.shape
    x = v.reshape(-1, shape[-1]).to(torch.float64)
    f64 = {"dtype": torch.float64, "device": x.device}
    p, lo, hi = (t.to(**f64).expand_as(x) for t in (p, lo, hi))
    inv_d = (1.0 / d.to(**f64)).expand_as(x) if d is not None else torch.ones_like(x)
    a = a.to(**f64).expand_as(x) if a is not None else torch.zeros_like(x)
    if b is not None:
        w = prox_impact(x, p, lo, hi, a, b.to(**f64).expand_as(x), inv_d, delta)
    else:
        w = _prox_linear(x, p, lo, hi, a, inv_d, delta)
    return w.reshape(shape).to(out_dtype)


def _prox_linear(
    x: torch.Tensor,
    p: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    a: torch.Tensor,
    inv_d: torch.Tensor,
    delta: float | None,
) -> torch.Tensor:
    """The prox without impact (all arguments float64 (K, N)); see the module docstring.

    Returns
    -------
    Tensor, float64, shape (K, N)
    """
    u, thr = x - p, a * inv_d
    lo_r, hi_r = lo - p, hi - p
    zero = torch.zeros_like(u)
    buy_lo, buy_hi = torch.maximum(lo_r, zero), torch.maximum(hi_r, zero)
    sell_lo, sell_hi = torch.minimum(lo_r, zero), torch.minimum(hi_r, zero)
    rest = 1.0 - p.sum(dim=1, keepdim=True)
    both = clip_sum_root(
        torch.cat([u - thr, u + thr], dim=1),
        torch.cat([inv_d, inv_d], dim=1),
        torch.cat([buy_lo, sell_lo], dim=1),
        torch.cat([buy_hi, sell_hi], dim=1),
        rest,
    )
    n = x.shape[1]
    y = both[:, :n] + both[:, n:]
    if delta is not None:
        over = 0.5 * y.abs().sum(dim=1, keepdim=True) > delta
        if x.device.type != "cpu" or bool(over.any()):
            sides = clip_sum_root(
                torch.cat([u - thr, u + thr], dim=0),
                torch.cat([inv_d, inv_d], dim=0),
                torch.cat([buy_lo, sell_lo], dim=0),
                torch.cat([buy_hi, sell_hi], dim=0),
                torch.cat([rest / 2 + delta, rest / 2 - delta], dim=0),
            )
            k = x.shape[0]
            y = torch.where(over, sides[:k] + sides[k:], y)
    return torch.minimum(torch.maximum(p + y, lo), hi)
