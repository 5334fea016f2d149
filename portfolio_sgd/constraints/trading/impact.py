"""The trading prox with market impact, by safeguarded root-finding (batched, exact).

The problem of :mod:`.kernel` with impact thresholds ``b > 0``: each coordinate's prox
``|w - p| = s^2`` with ``s^2 + 1.5 (b/d) s = m`` is no longer piecewise linear in the shifts,
so the two scalar equations are solved numerically, row by row:

- the sum ``S(tau)`` is continuous and non-increasing: its root is bracketed from the
  bounds and found by a safeguarded regula falsi (Illinois) on each row; the result is
  the convex combination of the two bracket ends whose sum is exactly 1, so the bounds
  hold exactly and the budget to rounding.
- The turnover ``T(lam)`` of the inner solution is non-increasing in ``lam`` (the
  minimiser of ``A + lam B`` has ``B`` non-increasing in ``lam``). Rows whose turnover
  at ``lam = 0`` exceeds ``delta`` solve ``T(lam) = delta`` the same way; the result is
  the convex combination of the bracket ends with turnover at most ``delta`` (the L1
  norm is convex), so every returned row is feasible.

On CPU the iterations stop when every row has converged (a sync is free there); on an
accelerator they run a fixed count (no host synchronisation, capturable).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .breakpoints import fraction

INNER_ITERS = 80
OUTER_ITERS = 60


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
    coord = _Coordinates(x, p, lo, hi, a, b, inv_d)
    w = coord.budget(torch.zeros((x.shape[0], 1), dtype=x.dtype, device=x.device))
    if delta is not None:
        w = _cap_turnover(coord, w, float(delta))
    return w


class _Coordinates:
    """The per-coordinate prox ``w(tau, lam)`` of every row, and the budget solve."""

    def __init__(self, x, p, lo, hi, a, b, inv_d) -> None:  # noqa: ANN001
        self.x, self.p, self.lo, self.hi, self.a, self.b, self.inv_d = x, p, lo, hi, a, b, inv_d
        self.cpu = x.device.type == "cpu"

    def at(self, tau: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
        """``w(tau, lam)`` (K, N) for shifts ``tau`` and multipliers ``lam`` (K, 1)."""
        z = self.x - tau * self.inv_d - self.p
        m = (z.abs() - (self.a + lam) * self.inv_d).clamp_min(0.0)
        c = 1.5 * self.b * self.inv_d
        s = 2.0 * m / (c + torch.sqrt(c * c + 4.0 * m)).clamp_min(1e-300)
        m = s * s
        return torch.minimum(torch.maximum(self.p + torch.sign(z) * m, self.lo), self.hi)

    def tau_bracket(self, lam: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Shifts (K, 1) at which every weight sits at ``hi`` (first) and at ``lo``."""
        span = (self.hi - self.lo).abs() + (self.x - self.p).abs() + self.a + lam + 1.0
        span = span + 1.5 * self.b * torch.sqrt(span) + self.b
        scale = 1.0 / self.inv_d
        low = (scale * (self.x - self.p - 2.0 * span)).amin(dim=1, keepdim=True)
        high = (scale * (self.x - self.p + 2.0 * span)).amax(dim=1, keepdim=True)
        return low, high

    def budget(self, lam: torch.Tensor) -> torch.Tensor:
        """``w(tau, lam)`` with ``tau`` solving ``sum w = 1`` (K, N), bounds exact."""
        low, high = self.tau_bracket(lam)

        def total(tau: torch.Tensor) -> torch.Tensor:
            return self.at(tau, lam).sum(dim=1, keepdim=True)

        n = self.x.shape[1]
        a, b, fa, fb = _solve_decreasing(total, low, high, 1.0, 4e-16 * n, INNER_ITERS, self.cpu)
        wa, wb = self.at(a, lam), self.at(b, lam)
        theta = fraction(fa, fb, 1.0)
        return wb + theta * (wa - wb)

    def turnover(self, w: torch.Tensor) -> torch.Tensor:
        """One-way turnover (K, 1)."""
        return 0.5 * (w - self.p).abs().sum(dim=1, keepdim=True)


def _cap_turnover(coord: _Coordinates, w: torch.Tensor, delta: float) -> torch.Tensor:
    """Rows of ``w`` over the cap: solve ``T(lam) = delta``, keep a feasible combination."""
    over = coord.turnover(w) > delta
    if coord.cpu and not bool(over.any()):
        return w
    x = coord.x
    big = ((1.0 / coord.inv_d) * ((x - coord.p).abs() + (coord.hi - coord.lo).abs() + 1.0)).amax(
        dim=1, keepdim=True
    ) * 4.0 + coord.a.amax(dim=1, keepdim=True)

    def turn(lam: torch.Tensor) -> torch.Tensor:
        return coord.turnover(coord.budget(lam))

    zero = torch.zeros_like(big)
    lam_a, lam_b, ta, tb = _solve_decreasing(
        turn, zero, big, delta, 1e-15 * x.shape[1], OUTER_ITERS, coord.cpu, f_low=coord.turnover(w)
    )
    wa, wb = coord.budget(lam_a), coord.budget(lam_b)
    theta = fraction(ta, tb, delta)
    capped = wb + theta * (wa - wb)
    return torch.where(over, capped, w)


def _solve_decreasing(
    fn: Callable[[torch.Tensor], torch.Tensor],
    low: torch.Tensor,
    high: torch.Tensor,
    target: float,
    tol: float,
    iters: int,
    early_stop: bool,
    f_low: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bracket ``fn(t) = target`` for a non-increasing ``fn`` (rows (K, 1)).

    Returns ``(a, b, fn(a), fn(b))`` with ``fn(a) >= target >= fn(b)``. Regula falsi with
    the Illinois rule (the residual of an end kept twice in a row is halved, so a flat
    piece at one end cannot stall it); it is exact in one step once both ends lie on one
    linear piece of a piecewise-linear ``fn``. A bisection step every fourth iteration
    guards the worst case; a row whose trial value is within ``tol`` of the target
    collapses its bracket onto that point.
    """
    a, b = low, high
    fa = fn(a) if f_low is None else f_low
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
