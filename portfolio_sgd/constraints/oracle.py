"""The linear minimisation oracle (LMO) of the feasible set, for certificates and exact finishes.

:class:`FeasibleSet` is the set built by
:meth:`~portfolio_sgd.constraints.Constraints.linear_oracle`:

    C = { w in R^N : sum(w) = B, lo_i <= w_i <= hi_i, sum|w_i| <= L (optional), linear rows }

(``B = 1`` unless a mandate says otherwise; a budget range ``B_lo <= sum(w) <= B_hi`` is
two rows of the LP).

:meth:`FeasibleSet.minimize` (and :func:`linear_minimizer`) return ``argmin_{s in C} c.s``
for K cost rows at once:

* box + budget (the simplex is ``lo = 0, hi >= 1``): closed form, batched in torch. Sort
  ``c`` ascending, give ``hi`` to the cheapest assets and ``lo`` to the rest, with one
  fractional asset absorbing what is left of the budget (valid for ``lo < 0`` too, and
  for bounds that differ by asset);
* a binding gross-leverage cap (``lo < 0``, finite ``L``) or extra linear rows: a linear
  program over the set's :class:`~.polytope.Polytope` (with a cap, the split ``w = u - v``,
  ``max(lo, 0) <= u <= max(hi, 0)``, ``max(-hi, 0) <= v <= max(-lo, 0)``,
  ``sum(u - v) = B``, ``sum(u + v) <= L``), solved by
  scipy's HiGHS (:func:`~.polytope.polytope_minimizer`).

With trading terms the set is :class:`~.trading.oracle.TradingSet`, which wraps this one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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
    lo, hi : float or tuple of float (N,)
        Per-asset bounds (``lo < 0`` allows shorts).
    leverage : float or None
        Gross-leverage cap ``L`` (``sum |w| <= L``); ignored when ``lo >= 0``.
    budget : float or (float, float), default 1.0
        ``sum(w) = B``, or the range ``(B_lo, B_hi)``.
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
    lo: Any = 0.0
    hi: Any = 1.0
    leverage: float | None = None
    a_ub: np.ndarray | None = field(default=None, repr=False)
    b_ub: np.ndarray | None = field(default=None, repr=False)
    a_eq: np.ndarray | None = field(default=None, repr=False)
    b_eq: np.ndarray | None = field(default=None, repr=False)
    budget: Any = 1.0

    def __post_init__(self) -> None:
        for name in ("lo", "hi"):  # vectors as tuples (the set stays hashable)
            value = getattr(self, name)
            if np.ndim(value) == 1:
                object.__setattr__(self, name, tuple(float(v) for v in value))
        if isinstance(self.budget, list):
            object.__setattr__(self, "budget", tuple(self.budget))
        if self.uniform and self.budget == 1.0:
            _check_classic(self.n_assets, float(self.lo), float(self.hi), self.leverage)
            return
        _check_vectors(self.n_assets, *self.vectors(), self.ends, self.leverage)

    @property
    def uniform(self) -> bool:
        """Whether the bounds are one number for every asset."""
        return not (isinstance(self.lo, tuple) or isinstance(self.hi, tuple))

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` as (N,) float64 arrays."""
        n = self.n_assets
        lo = np.broadcast_to(np.asarray(self.lo, dtype=np.float64), (n,)).copy()
        return lo, np.broadcast_to(np.asarray(self.hi, dtype=np.float64), (n,)).copy()

    @property
    def ends(self) -> tuple[float, float]:
        """``(B_lo, B_hi)`` of the budget (equal for a fixed one)."""
        if isinstance(self.budget, tuple):
            return float(self.budget[0]), float(self.budget[1])
        return float(self.budget), float(self.budget)

    @property
    def cap(self) -> float | None:
        """The leverage cap if it can bind (finite and ``lo < 0``), else ``None``."""
        lev = self.leverage
        if lev is None or math.isinf(lev) or float(np.min(self.lo)) >= 0:
            return None
        return float(lev)

    @property
    def closed_form(self) -> bool:
        """Whether the LMO is the sort-based closed form (no cap, no extra rows)."""
        fixed = not isinstance(self.budget, tuple)
        return self.cap is None and self.a_ub is None and self.a_eq is None and fixed

    def polytope(self) -> Polytope:
        """This set in the standard form of :class:`Polytope` (lifted if capped)."""
        n, cap = self.n_assets, self.cap
        (lo, hi), (b_lo, b_hi) = self.vectors(), self.ends
        ones = np.ones((1, n))
        if cap is None:
            lift = np.eye(n)
            lower, upper = lo, hi
            a_ub, b_ub = np.zeros((0, n)), np.zeros(0)
        else:  # w = u - v, max(lo, 0) <= u <= max(hi, 0), v likewise, sum(u + v) <= L
            lift = np.hstack([np.eye(n), -np.eye(n)])
            lower = np.concatenate([np.maximum(lo, 0.0), np.maximum(-hi, 0.0)])
            upper = np.concatenate([np.maximum(hi, 0.0), np.maximum(-lo, 0.0)])
            a_ub, b_ub = np.ones((1, 2 * n)), np.array([cap])
        a_eq, b_eq = ones @ lift, np.array([b_lo])
        if b_lo < b_hi:  # a budget range: two rows instead of the equality
            a_ub = np.vstack([a_ub, a_eq, -a_eq])
            b_ub = np.concatenate([b_ub, [b_hi, -b_lo]])
            a_eq, b_eq = np.zeros((0, lift.shape[1])), np.zeros(0)
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
        if self.closed_form and self.uniform and self.budget == 1.0:
            s = _box_budget_minimizer(rows, float(self.lo), float(self.hi))
        elif self.closed_form:
            s = _vector_box_minimizer(rows, *self.vectors(), self.ends[0])
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
        (b_lo, b_hi), total = self.ends, w64.sum(dim=-1)
        viol = torch.maximum((b_lo - total).clamp_min(0), (total - b_hi).clamp_min(0))
        lo, hi = self.lo, self.hi
        if not self.uniform:
            lo, hi = (torch.as_tensor(v, device=w64.device) for v in self.vectors())
        viol = torch.maximum(viol, (lo - w64).clamp_min(0).amax(dim=-1))
        viol = torch.maximum(viol, (w64 - hi).clamp_min(0).amax(dim=-1))
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


def _check_classic(n: int, lo: float, hi: float, leverage: float | None) -> None:
    """The checks of the classic set (uniform bounds, budget 1)."""
    if n < 1 or math.isnan(lo) or math.isnan(hi) or lo > hi or lo == -math.inf:
        raise InfeasibleConstraintError(f"bad bounds lo={lo:g}, hi={hi:g} for {n} assets")
    if n * hi < 1 - 1e-12 or n * lo > 1 + 1e-12:
        raise InfeasibleConstraintError(f"no {n} weights in [{lo:g}, {hi:g}] can sum to 1")
    if leverage is not None and leverage < 1:
        raise InfeasibleConstraintError(f"leverage cap {leverage:g} < 1")


def _check_vectors(
    n: int, lo: np.ndarray, hi: np.ndarray, ends: tuple[float, float], leverage: float | None
) -> None:
    """The checks of a set with per-asset bounds or another budget."""
    if n < 1 or not (np.isfinite(lo).all() and np.isfinite(hi).all()) or (lo > hi).any():
        raise InfeasibleConstraintError(f"bad per-asset bounds for {n} assets")
    if hi.sum() < ends[0] - 1e-12 or lo.sum() > ends[1] + 1e-12:
        raise InfeasibleConstraintError(
            f"no weights in the bounds can sum to the budget {ends[0]:g}..{ends[1]:g}"
        )
    if leverage is not None and leverage < min(abs(ends[0]), abs(ends[1])) - 1e-12:
        raise InfeasibleConstraintError(f"leverage cap {leverage:g} < |budget|")


def _vector_box_minimizer(
    c: torch.Tensor, lo: np.ndarray, hi: np.ndarray, budget: float
) -> torch.Tensor:
    """Closed-form LMO over ``{sum s = B, lo_i <= s_i <= hi_i}`` for rows of ``c`` (K, N):
    every asset at ``lo``, then the cheapest filled up to ``hi`` until the budget is spent."""
    lo_t = torch.as_tensor(lo, device=c.device)
    width = torch.as_tensor(hi - lo, device=c.device).expand_as(c)
    order = torch.argsort(c, dim=-1, stable=True)
    w_sorted = torch.gather(width, -1, order)
    before = torch.cumsum(w_sorted, dim=-1) - w_sorted  # filled by cheaper assets
    fill = (float(budget - lo.sum()) - before).clamp(min=0.0)
    fill = torch.minimum(fill, w_sorted)
    return lo_t + torch.empty_like(c).scatter_(-1, order, fill)


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
