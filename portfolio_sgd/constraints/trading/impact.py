"""The trading prox with market impact, by safeguarded root-finding (batched, exact).

The problem of :mod:`.kernel` with impact thresholds ``b > 0``: each coordinate's prox
``|w - p| = s^2`` with ``s^2 + 1.5 (b/d) s = m`` is no longer piecewise linear in the shifts,
so the scalar equations of :mod:`.kernel` are solved numerically, all rows at once:

- the sum ``S(tau)`` is continuous and non-increasing: its root is bracketed from the
  bounds and found by a safeguarded regula falsi (Illinois) on each row; the result is
  the convex combination of the two bracket ends whose sum is exactly 1, so the bounds
  hold exactly and the budget to rounding.
- Rows whose turnover then exceeds ``delta`` split, as without impact, into two
  independent equations: the buys sum to ``delta + r/2`` (a non-increasing function of
  ``tau + lam``) and the sells to ``r/2 - delta`` (of ``tau - lam``). Both are solved in
  one batch of 2K rows by the same regula falsi and combined the same way, so the
  turnover is ``delta`` to rounding: one loop, not a loop over the multiplier around
  the budget solve.

On CPU the iterations stop when every row has converged (a sync is free there); on an
accelerator they run a fixed count (no host synchronisation, capturable).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .breakpoints import fraction

INNER_ITERS = 80


def prox_impact(
    x: torch.Tensor,
    p: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    inv_d: torch.Tensor,
    delta: float | None,
) -> torch.Tensor:
    """The prox with impact for rows ``x`` (all arguments float64 (K, N), ``b > 0``).

    Parameters
    ----------
    x, p, lo, hi, a, b, inv_d : Tensor, float64, shape (K, N)
        Points, holdings, intervals, L1 and impact thresholds, inverse metric.
    delta : float or None
        One-way turnover cap.

    Returns
    -------
    Tensor, float64, shape (K, N)
    """
    u, thr, k = x - p, a * inv_d, 1.5 * b * inv_d
    zero, one = torch.zeros_like(x), torch.ones_like(x)
    buy = (u - thr, one, torch.maximum(lo - p, zero), torch.maximum(hi - p, zero), inv_d, k)
    sell = (u + thr, -one, torch.minimum(lo - p, zero), torch.minimum(hi - p, zero), inv_d, k)
    rest = 1.0 - p.sum(dim=1, keepdim=True)
    cpu = x.device.type == "cpu"
    budget = _Sides(*(torch.cat([bu, se], dim=1) for bu, se in zip(buy, sell, strict=True)))
    both = _root(budget, rest, cpu)
    n = x.shape[1]
    y = both[:, :n] + both[:, n:]
    if delta is not None:
        over = 0.5 * y.abs().sum(dim=1, keepdim=True) > delta
        if not cpu or bool(over.any()):
            cap = _Sides(*(torch.cat([bu, se]) for bu, se in zip(buy, sell, strict=True)))
            sides = _root(cap, torch.cat([rest / 2 + delta, rest / 2 - delta]), cpu)
            y = torch.where(over, sides[: x.shape[0]] + sides[x.shape[0] :], y)
    return torch.minimum(torch.maximum(p + y, lo), hi)


def _root(sides: _Sides, target: torch.Tensor, cpu: bool) -> torch.Tensor:
    """The terms (R, M) of ``sides`` at the shift where their row sums are ``target`` (R, 1):
    the combination of the final bracket's ends whose sum is the target."""
    low, high = sides.bracket()

    def total(t: torch.Tensor) -> torch.Tensor:
        return sides.at(t).sum(dim=1, keepdim=True)

    tol = 2e-16 * sides.c.shape[1]
    a, b, fa, fb = _solve_decreasing(total, low, high, target, tol, INNER_ITERS, cpu)
    ya, yb = sides.at(a), sides.at(b)
    return yb + fraction(fa, fb, target) * (ya - yb)


class _Sides:
    """Buys (``sign = 1``) and sells (``-1``) as functions of one shift ``t`` per row:
    ``clip(sign h(max(sign (c - t / d), 0)), lo, hi)``, ``h`` the impact prox
    (``h(m) = s^2`` with ``s^2 + k s = m``); non-increasing in ``t``. All (R, M)."""

    def __init__(self, c, sign, lo, hi, inv_d, k) -> None:  # noqa: ANN001
        self.c, self.sign, self.lo, self.hi, self.inv_d, self.k = c, sign, lo, hi, inv_d, k

    def at(self, t: torch.Tensor) -> torch.Tensor:
        """The terms (R, M) at shifts ``t`` (R, 1)."""
        m = (self.sign * (self.c - t * self.inv_d)).clamp_min(0.0)
        s = 2.0 * m / (self.k + torch.sqrt(self.k * self.k + 4.0 * m)).clamp_min(1e-300)
        return torch.minimum(torch.maximum(self.sign * (s * s), self.lo), self.hi)

    def bracket(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Shifts (R, 1) at which every term sits at ``hi`` (first) and at ``lo``."""
        reach = self.lo.abs() + self.hi.abs()
        need = reach + self.k * torch.sqrt(reach) + 1.0  # m with h(m) > reach
        scale = 1.0 / self.inv_d
        low = (scale * (self.c - need)).amin(dim=1, keepdim=True)
        high = (scale * (self.c + need)).amax(dim=1, keepdim=True)
        return low, high


def _solve_decreasing(
    fn: Callable[[torch.Tensor], torch.Tensor],
    low: torch.Tensor,
    high: torch.Tensor,
    target: torch.Tensor,
    tol: float,
    iters: int,
    early_stop: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bracket ``fn(t) = target`` for a non-increasing ``fn`` (rows (R, 1)).

    Returns ``(a, b, fn(a), fn(b))`` with ``fn(a) >= target >= fn(b)``. Regula falsi with
    the Illinois rule (the residual of an end kept twice in a row is halved, so a flat
    piece at one end cannot stall it); it is exact in one step once both ends lie on one
    linear piece of a piecewise-linear ``fn``. A bisection step every fourth iteration
    guards the worst case; a row whose trial value is within ``tol`` of the target
    collapses its bracket onto that point.
    """
    a, b = low, high
    fa = fn(a)
    fb = fn(b)
    ra, rb = fa - target, fb - target  # residuals used by the secant (Illinois-scaled)
    side = torch.zeros_like(a)
    for it in range(iters):
        mid = 0.5 * (a + b)
        if it % 4 == 3:
            c = mid
        else:
            den = ra - rb
            ok = den > 0
            c = a + ra * (b - a) / torch.where(ok, den, torch.ones_like(den))
            c = torch.where(ok & (c >= a) & (c <= b), c, mid)
        fc = fn(c)
        hit = (fc - target).abs() <= tol
        right = (fc >= target) & ~hit  # the root lies in [c, b]
        left = ~right & ~hit
        rb = torch.where(right & (side > 0), 0.5 * rb, rb)
        ra = torch.where(left & (side < 0), 0.5 * ra, ra)
        a, fa, ra = (
            torch.where(right | hit, c, u) for u, c in ((a, c), (fa, fc), (ra, fc - target))
        )
        b, fb, rb = (
            torch.where(left | hit, c, u) for u, c in ((b, c), (fb, fc), (rb, fc - target))
        )
        side = torch.where(right, 1.0, torch.where(left, -1.0, 0.0))
        done = ((fa - fb) <= tol) | ((b - a) <= 1e-15 * (a.abs() + b.abs()))
        if early_stop and bool(done.all()):
            break
    return a, b, fa, fb
