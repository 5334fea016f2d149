"""The cost-aware linear minimisation over a turnover-capped set, in closed form (batched).

For rows ``g`` (K, N), holdings ``p``, costs ``c >= 0``, per-asset intervals ``[lo, hi]``
holding ``p`` and ``sum p = 1``, it solves

    min_s  g.s + sum_i c_i |s_i - p_i|   s.t.  sum s = 1,  lo <= s <= hi,  1/2 ||s - p||_1 <= delta

without an LP. From ``s = p`` every feasible move is an exchange: sell ``t`` of some assets
(each unit of asset ``i`` lowers the objective by ``g_i - c_i``, up to ``p_i - lo_i``) and
buy the same ``t`` of others (each unit of ``j`` costs ``g_j + c_j``, up to ``hi_j - p_j``);
``t`` is the one-way turnover. Selling in decreasing order of ``g - c`` and buying in
increasing order of ``g + c`` makes the marginal profit of the ``t``-th unit, ``S(t) - B(t)``,
non-increasing in ``t``, so the optimum trades the largest ``t <= delta`` with a positive
profit: the end of the profitable prefix of the merged breakpoints. Selling and buying the
same asset never pays (``-2 c_i <= 0``). A few sorts, cumulative sums and one
``searchsorted``: no Python loop.
"""

from __future__ import annotations

import torch

__all__ = ["exchange_minimizer"]


def exchange_minimizer(
    g: torch.Tensor,
    p: torch.Tensor,
    c: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    delta: float | None,
) -> torch.Tensor:
    """The minimiser of the module docstring for every row of ``g``.

    Parameters
    ----------
    g : Tensor, float64, shape (K, N)
    p, c, lo, hi : Tensor, float64, shape (N,)
        Holdings (``lo <= p <= hi``, ``sum p = 1``), costs, intervals.
    delta : float or None
        One-way turnover cap (None: none).

    Returns
    -------
    Tensor, float64, shape (K, N)
    """
    sell_gain, buy_cost = g - c, g + c
    sell_cap, buy_cap = (p - lo).clamp_min(0.0), (hi - p).clamp_min(0.0)
    s_order = torch.argsort(sell_gain, dim=1, descending=True, stable=True)
    b_order = torch.argsort(buy_cost, dim=1, stable=True)
    s_gain = torch.gather(sell_gain, 1, s_order)
    b_cost = torch.gather(buy_cost, 1, b_order)
    s_len = sell_cap.expand_as(g).gather(1, s_order)
    b_len = buy_cap.expand_as(g).gather(1, b_order)
    s_end, b_end = torch.cumsum(s_len, dim=1), torch.cumsum(b_len, dim=1)
    t_star = _profitable_amount(s_gain, b_cost, s_end, b_end)
    if delta is not None:
        t_star = t_star.clamp_max(float(delta))
    sold = torch.minimum((t_star - (s_end - s_len)).clamp_min(0.0), s_len)
    bought = torch.minimum((t_star - (b_end - b_len)).clamp_min(0.0), b_len)
    move = torch.zeros_like(g).scatter_(1, b_order, bought)
    move = move.scatter_add_(1, s_order, -sold)
    return p + move


def _profitable_amount(
    s_gain: torch.Tensor, b_cost: torch.Tensor, s_end: torch.Tensor, b_end: torch.Tensor
) -> torch.Tensor:
    """The largest exchanged amount ``t`` (K, 1) whose every unit has a positive profit.

    The breakpoints of both step functions, merged, cut ``[0, min(total sell, total buy)]``
    into intervals of constant profit; the profitable ones form a prefix, ``t`` is its end.
    """
    total = torch.minimum(s_end[:, -1:], b_end[:, -1:])
    zero = torch.zeros_like(total)
    points = torch.sort(torch.cat([zero, s_end, b_end], dim=1), dim=1).values.clamp_max(total)
    left, right = points[:, :-1], points[:, 1:]
    mid = 0.5 * (left + right)
    n = s_gain.shape[1]
    k = torch.searchsorted(s_end, mid, right=True).clamp_max(n - 1)
    j = torch.searchsorted(b_end, mid, right=True).clamp_max(n - 1)
    profit = torch.gather(s_gain, 1, k) - torch.gather(b_cost, 1, j)
    good = (right > left) & (profit > 0)
    # the profitable intervals form a prefix: its end is the largest end among them
    return torch.where(good, right, zero).amax(dim=1, keepdim=True)
