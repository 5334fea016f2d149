"""The proximal step of trading costs, combined with the projection (batched, exact).

For rows ``v`` (K, N), previous holdings ``p`` (N,), a diagonal metric ``d`` (N,) (ones:
Euclidean), per-asset bounds ``lo <= w <= hi`` (vectors: the box already intersected
with the per-asset turnover limits ``[p - delta_i, p + delta_i]``), L1 thresholds ``a``
(``lr * c``), impact thresholds ``b`` (``lr * kappa``) and a turnover cap ``delta``, it
solves, row by row,

    min_w  1/2 sum_i d_i (w_i - v_i)^2 + sum_i a_i |w_i - p_i| + sum_i b_i |w_i - p_i|^1.5
    s.t.   sum_i w_i = 1,  lo_i <= w_i <= hi_i,  1/2 sum_i |w_i - p_i| <= delta.

KKT: with a budget shift ``tau`` and a turnover multiplier ``lam >= 0`` every coordinate is
a one-dimensional prox, clipped to its interval (exact for a convex 1-D function):
``z = v - tau/d - p``, ``m = max(|z| - (a + lam)/d, 0)``, ``|w - p| = s^2`` with
``s^2 + 1.5 (b/d) s = m`` (closed form), ``w = clip(p + sign(z) s^2, lo, hi)``.

- The sum ``S(tau)`` is continuous and non-increasing: its root is bracketed from the
  bounds and found by a safeguarded regula falsi (Illinois) on each row; the result is
  the convex combination of the two bracket ends whose sum is exactly 1, so the bounds
  hold exactly and the budget to rounding.
- The turnover ``T(lam)`` of the inner solution is non-increasing in ``lam`` (the
  minimiser of ``A + lam B`` has ``B`` non-increasing in ``lam``). Rows whose turnover
  at ``lam = 0`` exceeds ``delta`` solve ``T(lam) = delta`` the same way; the result is
  the convex combination of the bracket ends with turnover at most ``delta`` (the L1
  norm is convex), so every returned row is feasible.

On CPU the iterations stop when every row has converged (a sync is free there); on an
accelerator they run a fixed count (no host synchronisation, capturable). Computed in
float64 and returned in the input's dtype.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

INNER_ITERS = 80
OUTER_ITERS = 60


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
    dev = x.device
    f64 = {"dtype": torch.float64, "device": dev}
    p, lo, hi = (t.to(**f64).expand_as(x) for t in (p, lo, hi))
    inv_d = (1.0 / d.to(**f64)).expand_as(x) if d is not None else torch.ones_like(x)
    a = a.to(**f64).expand_as(x) if a is not None else torch.zeros_like(x)
    bb = b.to(**f64).expand_as(x) if b is not None else None
    coord = _Coordinates(x, p, lo, hi, a, bb, inv_d)
    w = coord.budget(torch.zeros((x.shape[0], 1), **f64))
    if delta is not None:
        w = _cap_turnover(coord, w, float(delta))
    return w.reshape(shape).to(out_dtype)


class _Coordinates:
    """The per-coordinate prox ``w(tau, lam)`` of every row, and the budget solve."""

    def __init__(self, x, p, lo, hi, a, b, inv_d) -> None:  # noqa: ANN001
        self.x, self.p, self.lo, self.hi, self.a, self.b, self.inv_d = x, p, lo, hi, a, b, inv_d
        self.cpu = x.device.type == "cpu"

    def at(self, tau: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
        """``w(tau, lam)`` (K, N) for shifts ``tau`` and multipliers ``lam`` (K, 1)."""
        z = self.x - tau * self.inv_d - self.p
        m = (z.abs() - (self.a + lam) * self.inv_d).clamp_min(0.0)
        if self.b is not None:
            c = 1.5 * self.b * self.inv_d
            s = 2.0 * m / (c + torch.sqrt(c * c + 4.0 * m)).clamp_min(1e-300)
            m = s * s
        return torch.minimum(torch.maximum(self.p + torch.sign(z) * m, self.lo), self.hi)

    def tau_bracket(self, lam: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Shifts (K, 1) at which every weight sits at ``hi`` (first) and at ``lo``."""
        span = (self.hi - self.lo).abs() + (self.x - self.p).abs() + self.a + lam + 1.0
        if self.b is not None:
            span = span + 1.5 * self.b * torch.sqrt(span) + self.b
        scale = 1.0 / self.inv_d
        low = (scale * (self.x - self.p - 2.0 * span)).amin(dim=1, keepdim=True)
        high = (scale * (self.x - self.p + 2.0 * span)).amax(dim=1, keepdim=True)
        return low, high

    def budget(self, lam: torch.Tensor) -> torch.Tensor:
        """``w(tau, lam)`` with ``tau`` solving ``sum w = 1`` (K, N), bounds exact."""
        if self.b is None:
            return self._budget_linear(lam)
        low, high = self.tau_bracket(lam)

        def total(tau: torch.Tensor) -> torch.Tensor:
            return self.at(tau, lam).sum(dim=1, keepdim=True)

        n = self.x.shape[1]
        a, b, fa, fb = _solve_decreasing(total, low, high, 1.0, 4e-16 * n, INNER_ITERS, self.cpu)
        wa, wb = self.at(a, lam), self.at(b, lam)
        theta = _fraction(fa, fb, 1.0)
        return wb + theta * (wa - wb)

    def _budget_linear(self, lam: torch.Tensor) -> torch.Tensor:
        """The budget solve without impact: ``S(tau)`` is piecewise linear, so the root's
        piece is found exactly from the sorted breakpoints, and ``w`` is the combination
        of the piece's two ends with sum 1 (each ``w_i`` is linear on the piece)."""
        x, p, inv_d = self.x, self.p, self.inv_d
        thr = (self.a + lam) * inv_d
        u = x - p
        lo_r, hi_r = self.lo - p, self.hi - p  # the interval relative to p
        # z-intervals where w_i moves with slope 1: right of +thr and left of -thr
        z1a, z1b = torch.maximum(thr, lo_r + thr), hi_r + thr
        z2a, z2b = lo_r - thr, torch.minimum(-thr, hi_r - thr)
        d = 1.0 / inv_d
        taus, steps = [], []
        for za, zb in ((z1a, z1b), (z2a, z2b)):
            live = (zb > za).to(x.dtype) * inv_d
            taus += [d * (u - zb), d * (u - za)]  # entering, then leaving (tau rising)
            steps += [-live, live]
        tau_all, ds = torch.cat(taus, dim=1), torch.cat(steps, dim=1)  # (K, 4N)
        order = torch.argsort(tau_all, dim=1)
        tau_s, ds_s = torch.gather(tau_all, 1, order), torch.gather(ds, 1, order)
        slope = torch.cumsum(ds_s, dim=1)
        moment = torch.cumsum(ds_s * tau_s, dim=1)
        total = self.hi.sum(dim=1, keepdim=True) + slope * tau_s - moment  # S at each event
        j = ((total >= 1.0).sum(dim=1, keepdim=True) - 1).clamp(0, tau_s.shape[1] - 1)
        left = torch.gather(tau_s, 1, j)
        right = torch.gather(tau_s, 1, (j + 1).clamp_max(tau_s.shape[1] - 1))
        right = torch.where(right > left, right, left + 1.0)  # past the last event: linear
        wa, wb = self.at(left, lam), self.at(right, lam)
        fa, fb = wa.sum(dim=1, keepdim=True), wb.sum(dim=1, keepdim=True)
        return wb + _fraction(fa, fb, 1.0) * (wa - wb)

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
    theta = _fraction(ta, tb, delta)
    capped = wb + theta * (wa - wb)
    return torch.where(over, capped, w)


def _fraction(fa: torch.Tensor, fb: torch.Tensor, target: float) -> torch.Tensor:
    """``theta`` in [0, 1] with ``fb + theta (fa - fb) = target`` (0 on a flat bracket)."""
    gap = fa - fb
    ok = gap > 0
    theta = torch.where(ok, (target - fb) / torch.where(ok, gap, torch.ones_like(gap)), 0.0)
    return theta.clamp(0.0, 1.0)


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
