"""The linear minimisation oracle (LMO) of the feasible set, for certificates and exact finishes.

:class:`FeasibleSet` is the set built by
:meth:`~portfolio_sgd.constraints.Constraints.linear_oracle`:

    C = { w in R^N : sum(w) = 1, lo <= w_i <= hi, sum|w_i| <= L (optional), linear rows }.

:meth:`FeasibleSet.minimize` (and :func:`linear_minimizer`) return ``argmin_{s in C} c.s``
for K cost rows at once:

* box + budget (the simplex is ``lo = 0, hi >= 1``): closed form, batched in torch. Sort
  ``c`` ascending, give ``hi`` to the cheapest assets and ``lo`` to the rest, with one
  fractional asset absorbing what is left of the budget (valid for ``lo < 0`` too);
* a binding gross-leverage cap (``lo < 0``, finite ``L``) or extra linear rows: a linear
  program over the set's :class:`~.polytope.Polytope` (with a cap, the split ``w = u - v``,
  ``0 <= u <= hi``, ``0 <= v <= -lo``, ``sum(u - v) = 1``, ``sum(u + v) <= L``), solved by
  scipy's HiGHS (:func:`~.polytope.polytope_minimizer`).

With trading terms the set is :class:`~.trading.oracle.TradingSet`, which wraps this one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import InfeasibleConstraintError
from .polytope import CertificateError, Polytope, polytope_minimizer

__all__ = ["FeasibleSet", "linear_minimizer"]


@dataclass(frozen=True)
class FeasibleSet:
    """Budget, per-asset bounds, an optional gross-leverage cap and optional linear rows.

    Parameters
    ----------
    n_assets : int
        ``N``.
    lo, hi : float
        Per-asset bounds (``lo < 0`` allows shorts).
    leverage : float or None
        Gross-leverage cap ``L`` (``sum |w| <= L``); ignored when ``lo >= 0``.
    a_ub, b_ub : np.ndarray, shapes (m, N) and (m,), optional
        Extra rows ``a_ub w <= b_ub`` (e.g. group caps). With them the LMO is an LP.
    a_eq, b_eq : np.ndarray, shapes (m, N) and (m,), optional
        Extra rows ``a_eq w = b_eq``.

    Raises
    ------
    InfeasibleConstraintError
        If the budget, bounds and cap alone admit no portfolio (extra rows are only
        checked when an LP is solved).
    """

    n_assets: int
    lo: float = 0.0
    hi: float = 1.0
    leverage: float | None = None
    a_ub: np.ndarray | None = field(default=None, repr=False)
    b_ub: np.ndarray | None = field(default=None, repr=False)
    a_eq: np.ndarray | None = field(default=None, repr=False)
    b_eq: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n, lo, hi = self.n_assets, float(self.lo), float(self.hi)
        if n < 1 or math.isnan(lo) or math.isnan(hi) or lo > hi or lo == -math.inf:
            raise InfeasibleConstraintError(f"bad bounds lo={lo:g}, hi={hi:g} for {n} assets")
        if n * hi < 1 - 1e-12 or n * lo > 1 + 1e-12:
            raise InfeasibleConstraintError(f"no {n} weights in [{lo:g}, {hi:g}] can sum to 1")
        if self.leverage is not None and self.leverage < 1:
            raise InfeasibleConstraintError(f"leverage cap {self.leverage:g} < 1")

    @property
    def cap(self) -> float | None:
        """The leverage cap if it can bind (finite and ``lo < 0``), else ``None``."""
        lev = self.leverage
        if lev is None or math.isinf(lev) or self.lo >= 0:
            return None
        return float(lev)

    @property
    def closed_form(self) -> bool:
        """Whether the LMO is the sort-based closed form (no cap, no extra rows)."""
        return self.cap is None and self.a_ub is None and self.a_eq is None

    def polytope(self) -> Polytope:
        """This set in the standard form of :class:`Polytope` (lifted if capped)."""
        n, lo, hi, cap = self.n_assets, float(self.lo), float(self.hi), self.cap
        ones = np.ones((1, n))
        if cap is None:
            lift = np.eye(n)
            lower, upper = np.full(n, lo), np.full(n, hi)
            a_ub, b_ub = np.zeros((0, n)), np.zeros(0)
        else:  # w = u - v, 0 <= u <= hi, 0 <= v <= -lo, sum(u + v) <= L
            lift = np.hstack([np.eye(n), -np.eye(n)])
            lower = np.zeros(2 * n)
            upper = np.concatenate([np.full(n, max(hi, 0.0)), np.full(n, -lo)])
            a_ub, b_ub = np.ones((1, 2 * n)), np.array([cap])
        a_eq, b_eq = ones @ lift, np.ones(1)
        if self.a_ub is not None:
            a_ub = np.vstack([a_ub, np.asarray(self.a_ub, dtype=np.float64) @ lift])
            b_ub = np.concatenate([b_ub, np.asarray(self.b_ub, dtype=np.float64)])
        if self.a_eq is not None:
            a_eq = np.vstack([a_eq, np.asarray(self.a_eq, dtype=np.float64) @ lift])
            b_eq = np.concatenate([b_eq, np.asarray(self.b_eq, dtype=np.float64)])
        return Polytope(a_ub, b_ub, a_eq, b_eq, lower, upper, lift)

    def minimize(self, c: torch.Tensor) -> torch.Tensor:
        """The LMO: ``argmin_{s in C} c.s`` for each row of ``c``.

        Parameters
        ----------
        c : Tensor, shape (K, N) or (N,)
            Costs, any floating dtype and device.

        Returns
        -------
        Tensor, float64, same shape and device as ``c``
            A minimising vertex per row.
        """
        c64 = torch.as_tensor(c).to(torch.float64)
        single = c64.ndim == 1
        rows = c64.reshape(1, -1) if single else c64
        if rows.shape[-1] != self.n_assets:
            raise CertificateError(f"costs have {rows.shape[-1]} assets, expected {self.n_assets}")
        if self.closed_form:
            s = _box_budget_minimizer(rows, float(self.lo), float(self.hi))
        else:
            s = polytope_minimizer(rows, self.polytope())
        return s.reshape(-1) if single else s

    def offset(self, s: torch.Tensor) -> torch.Tensor:
        """The set's own term added to linear minimisations at ``s`` (K, N): 0 here (a
        trading set adds its costs, :mod:`.trading`)."""
        return torch.zeros(s.shape[:-1], dtype=torch.float64, device=s.device)

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        """Largest violation of the budget, bounds, cap and extra rows per row (0 when feasible).

        Parameters
        ----------
        w : Tensor, shape (K, N)

        Returns
        -------
        Tensor, float64, shape (K,)
        """
        w64 = w.to(torch.float64)
        viol = (w64.sum(dim=-1) - 1.0).abs()
        viol = torch.maximum(viol, (self.lo - w64).clamp_min(0).amax(dim=-1))
        viol = torch.maximum(viol, (w64 - self.hi).clamp_min(0).amax(dim=-1))
        if self.cap is not None:
            viol = torch.maximum(viol, (w64.abs().sum(dim=-1) - self.cap).clamp_min(0))
        for a, b, equality in ((self.a_ub, self.b_ub, False), (self.a_eq, self.b_eq, True)):
            if a is not None and len(a):
                a_t = torch.as_tensor(np.asarray(a, dtype=np.float64), device=w64.device)
                b_t = torch.as_tensor(np.asarray(b, dtype=np.float64), device=w64.device)
                res = w64 @ a_t.T - b_t
                res = res.abs() if equality else res.clamp_min(0)
                viol = torch.maximum(viol, res.amax(dim=-1))
        return viol


def linear_minimizer(
    c: torch.Tensor, lo: float = 0.0, hi: float = 1.0, leverage: float | None = None
) -> torch.Tensor:
    """``argmin_{s in C} c.s`` over ``C = {sum s = 1, lo <= s <= hi, sum|s| <= leverage}``.

    Parameters
    ----------
    c : Tensor, shape (K, N) or (N,)
        Costs (any floating dtype/device; computed in float64).
    lo, hi : float
        Per-asset bounds.
    leverage : float or None
        Gross-leverage cap; only binds when ``lo < 0``.

    Returns
    -------
    Tensor, float64, same shape and device as ``c``

    Raises
    ------
    InfeasibleConstraintError
        If ``C`` is empty.
    """
    return FeasibleSet(int(c.shape[-1]), lo, hi, leverage).minimize(c)


def _box_budget_minimizer(c: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """Closed-form LMO over ``{sum s = 1, lo <= s <= hi}`` for rows of ``c`` (K, N)."""
    n = c.shape[-1]
    budget = 1.0 - n * lo  # to share among the assets above their lower bound
    width = min(hi - lo, budget)  # no asset can take more than the whole budget
    order = torch.argsort(c, dim=-1, stable=True)
    ranks = torch.arange(n, dtype=torch.float64, device=c.device)
    fill = (budget - ranks * width).clamp(min=0.0, max=width) if width > 0 else 0.0 * ranks
    s_sorted = (lo + fill).expand_as(c)
    return torch.empty_like(c).scatter_(-1, order, s_sorted)
