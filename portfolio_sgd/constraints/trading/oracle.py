"""The feasible set with trading terms, and its cost-aware linear minimisation oracle.

With holdings ``p``, costs ``c`` and the feasible set ``C`` (budget, per-asset intervals
``[lo_i, hi_i]`` that include the per-asset turnover limits, and an optional cap
``1/2 ||w - p||_1 <= delta``), :meth:`TradingSet.minimize` solves

    min_{s in C} g.s + sum_i c_i |s_i - p_i|

exactly: by a greedy fill of the sorted piecewise-linear slopes without a turnover cap or
linear rows, by the closed-form exchange of :mod:`.exchange` with a turnover cap (no
linear rows, holdings in their intervals and fully invested), and by HiGHS on the lifted set ``{(s, u, v): s - u + v = p, u, v >= 0,
sum(u + v) <= 2 delta}`` otherwise (:meth:`TradingSet.polytope`, the costs being the
lifted set's fixed linear term ``e``). The certificates that use it are in
:mod:`portfolio_sgd.certificate.trading`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from ..oracle import FeasibleSet
from ..polytope import Polytope, polytope_minimizer
from .exchange import exchange_minimizer
from .terms import TradingTerms

__all__ = ["TradingSet"]


@dataclass(frozen=True)
class TradingSet:
    """The feasible set with trading terms, and its cost-aware minimisation oracle.

    Attributes
    ----------
    base : FeasibleSet
        Budget and scalar bounds (and any extra linear rows).
    terms : TradingTerms
    linear : ndarray, shape (N,), optional
        An extra linear term of the inner problem (CVaR: the row's impact gradient).
    """

    base: FeasibleSet
    terms: TradingTerms
    linear: np.ndarray | None = None

    @property
    def n_assets(self) -> int:
        """``N``."""
        return self.base.n_assets

    def minimize(self, g: torch.Tensor) -> torch.Tensor:
        """``argmin_{s in C} (g + linear).s + sum_i c_i |s_i - p_i|`` per row of ``g`` (K, N).

        Returns
        -------
        Tensor, float64, shape (K, N)
        """
        rows = torch.as_tensor(g).to(torch.float64).reshape(-1, self.n_assets)
        if self.linear is not None:
            rows = rows + torch.as_tensor(self.linear, dtype=torch.float64, device=rows.device)
        if self.terms.max_turnover is None and self.base.a_ub is None and self.base.a_eq is None:
            return _greedy(rows, self.terms)
        if self.exchange_form():
            t, dev = self.terms, {"dtype": torch.float64, "device": rows.device}
            pclh = (torch.as_tensor(a, **dev) for a in (t.previous, t.costs, t.lo, t.hi))
            return exchange_minimizer(rows, *pclh, t.max_turnover)
        poly = dataclasses.replace(self.polytope(), x_cost=self._x_cost(zero_linear=True))
        return polytope_minimizer(rows, poly)

    def exchange_form(self) -> bool:
        """Whether :meth:`minimize` is the closed-form exchange: a turnover cap, no linear
        rows, holdings inside their intervals and fully invested."""
        t = self.terms
        if t.max_turnover is None or self.base.a_ub is not None or self.base.a_eq is not None:
            return False
        p = np.asarray(t.previous, dtype=np.float64)
        inside = bool(np.all(p >= t.lo) and np.all(p <= t.hi))
        return inside and abs(float(p.sum()) - 1.0) <= 1e-12

    def offset(self, s: torch.Tensor) -> torch.Tensor:
        """``linear.s + sum_i c_i |s_i - p_i|`` (K,) of rows ``s`` (K, N)."""
        s64 = s.to(torch.float64)
        p = torch.as_tensor(self.terms.previous, dtype=torch.float64, device=s.device)
        c = torch.as_tensor(self.terms.costs, dtype=torch.float64, device=s.device)
        out = ((s64 - p).abs() * c).sum(dim=-1)
        if self.linear is not None:
            out = out + s64 @ torch.as_tensor(self.linear, dtype=torch.float64, device=s.device)
        return out

    def polytope(self) -> Polytope:
        """The lifted set ``x = (s, u, v)``: ``s - u + v = p``, the cost ``e = (linear, c, c)``."""
        n, t = self.n_assets, self.terms
        eye, zero = np.eye(n), np.zeros((n, n))
        lift = np.hstack([eye, zero, zero])
        a_eq = np.vstack(
            [np.concatenate([np.ones(n), np.zeros(2 * n)])[None, :], np.hstack([eye, -eye, eye])]
        )
        b_eq = np.concatenate([[1.0], t.previous])
        a_ub, b_ub = np.zeros((0, 3 * n)), np.zeros(0)
        if t.max_turnover is not None:
            a_ub = np.concatenate([np.zeros(n), np.ones(2 * n)])[None, :]
            b_ub = np.array([2.0 * t.max_turnover])
        if self.base.a_ub is not None:
            a_ub = np.vstack([a_ub, np.asarray(self.base.a_ub, dtype=np.float64) @ lift])
            b_ub = np.concatenate([b_ub, np.asarray(self.base.b_ub, dtype=np.float64)])
        if self.base.a_eq is not None:
            a_eq = np.vstack([a_eq, np.asarray(self.base.a_eq, dtype=np.float64) @ lift])
            b_eq = np.concatenate([b_eq, np.asarray(self.base.b_eq, dtype=np.float64)])
        lower = np.concatenate([t.lo, np.zeros(2 * n)])
        upper = np.concatenate([t.hi, np.full(2 * n, np.inf)])
        return Polytope(a_ub, b_ub, a_eq, b_eq, lower, upper, lift, self._x_cost())

    def _x_cost(self, zero_linear: bool = False) -> np.ndarray:
        lin = self.linear if (self.linear is not None and not zero_linear) else 0.0
        n = self.n_assets
        return np.concatenate([np.zeros(n) + lin, self.terms.costs, self.terms.costs])

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        """Largest violation (K,) of the budget, the intervals and the turnover cap."""
        w64 = w.to(torch.float64)
        dev = {"dtype": torch.float64, "device": w.device}
        lo, hi = torch.as_tensor(self.terms.lo, **dev), torch.as_tensor(self.terms.hi, **dev)
        viol = torch.maximum(self.base.violation(w64), (lo - w64).clamp_min(0).amax(dim=-1))
        viol = torch.maximum(viol, (w64 - hi).clamp_min(0).amax(dim=-1))
        if self.terms.max_turnover is not None:
            p = torch.as_tensor(self.terms.previous, **dev)
            over = 0.5 * (w64 - p).abs().sum(dim=-1) - self.terms.max_turnover
            viol = torch.maximum(viol, over.clamp_min(0))
        return viol


def _greedy(g: torch.Tensor, terms: TradingTerms) -> torch.Tensor:
    """Exact ``argmin_{sum s = 1, lo <= s <= hi} g.s + sum c |s - p|`` for rows ``g`` (K, N).

    Each coordinate is convex and piecewise linear: slope ``g - c`` on ``[lo, p]`` and
    ``g + c`` on ``[p, hi]`` (``p`` clipped into the interval). Starting from ``lo``, the
    budget left is poured into the segments in increasing order of slope.
    """
    dev = {"dtype": torch.float64, "device": g.device}
    p, c = torch.as_tensor(terms.previous, **dev), torch.as_tensor(terms.costs, **dev)
    lo, hi = torch.as_tensor(terms.lo, **dev), torch.as_tensor(terms.hi, **dev)
    mid = torch.clamp(p, lo, hi)
    lengths = torch.cat([mid - lo, hi - mid]).expand(g.shape[0], -1)  # (K, 2N)
    slopes = torch.cat([g - c, g + c], dim=1)
    order = torch.argsort(slopes, dim=1, stable=True)
    sorted_len = torch.gather(lengths, 1, order)
    before = torch.cumsum(sorted_len, dim=1) - sorted_len
    budget = 1.0 - lo.sum()
    fill = torch.minimum((budget - before).clamp_min(0.0), sorted_len)
    amounts = torch.empty_like(fill).scatter_(1, order, fill)
    n = g.shape[1]
    return lo + amounts[:, :n] + amounts[:, n:]
