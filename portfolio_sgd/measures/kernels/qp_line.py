"""The critical lines of a parametric QP: exact points at a target variance.

The optimum of ``min 1/2 w'Hw + g'w`` over a polytope with ``H = lam Sigma`` and ``g``
fixed (mean-variance, :mod:`.qp_finish`'s models) is, in ``t = 1 / lam``, piecewise affine:
on each critical line (a fixed working set of bounds and rows) it moves along a straight
segment, and the segments meet at breakpoints where the working set changes (Markowitz's
critical line algorithm). :class:`CriticalLine` holds verified optima at some ``t`` and
finds the optimum of a given variance ``w' Sigma w = v``: between two solved points with
the same working set every optimum is their interpolation and its variance a quadratic
in the interpolation weight; a bracket whose ends lie on different lines is split by one
warm-started active-set QP, aimed at the target along a neighbouring segment extended
(one solve lands on the target when that segment reaches it), else at the secant.

:func:`frank_wolfe_gaps` certifies points: ``grad f(w).(w - s)``, ``s`` the polytope's
minimiser of the gradient, bounds ``f(w) - f*`` by convexity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .qp_finish import solve_qp_path, weight_polytope, working_pattern

__all__ = ["MAX_REFINE", "CriticalLine", "QuadraticModel", "frank_wolfe_gaps"]

QuadraticModel = Callable[[np.ndarray, np.ndarray, float], tuple[np.ndarray, np.ndarray]]
"""``model(sigma, mu, lam) -> (H, g)``, with ``H = lam Sigma``-like and ``g`` fixed."""
MAX_REFINE = 40
"""QP solves at most, per target variance, that split a bracket crossing a breakpoint."""
NUDGE = 1e-9
"""Relative step past a tangent's predicted ``t``: a solve there lands just beyond the
target on the same critical line, so the bracket it closes is interpolated exactly."""
WORKING_TOL = 1e-9
"""Distance to a bound or row within which it is in the working set (as
:func:`.qp_finish.working_pattern`)."""


@dataclass
class CriticalLine:
    """Verified optima of the parametric QP in ``t = 1 / lam`` order.

    Attributes
    ----------
    model : QuadraticModel
    sigma : ndarray, shape (N, N)
        The covariance whose quadratic form is the variance.
    mu : ndarray, shape (N,)
    feasible : FeasibleSet
        A set whose QP variable is the weights (no trading terms).
    t, w, var, pattern : lists
        The solved points: ``t``, weights (N,), ``w' Sigma w`` and working sets.
    """

    model: QuadraticModel
    sigma: np.ndarray
    mu: np.ndarray
    feasible: Any
    t: list[float] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)
    var: list[float] = field(default_factory=list)
    pattern: list[bytes | None] = field(default_factory=list)
    _polytope: Any = field(default=None, init=False, repr=False)

    def add(self, t: float, w: np.ndarray) -> None:
        """Insert the optimum ``w`` (N,) at ``t`` (``t = 0``: the minimum variance)."""
        k = int(np.searchsorted(np.asarray(self.t), t))
        self.t.insert(k, t)
        self.w.insert(k, w)
        self.var.insert(k, float(w @ self.sigma @ w))
        self.pattern.insert(k, working_pattern(self.feasible, w))

    def at_variance(self, v: float) -> tuple[float, np.ndarray]:
        """``(t, w)``: the optimum whose variance is ``v`` (the nearest solved point when the
        line does not bracket it)."""
        for _ in range(MAX_REFINE):
            var = np.asarray(self.var)
            i = int(np.searchsorted(var, v, side="right")) - 1
            if i < 0 or i >= len(var) - 1 or var[i] >= v:
                k = int(np.clip(i, 0, len(var) - 1))
                return self.t[k], self.w[k]
            if self.pattern[i] is not None and self.pattern[i] == self.pattern[i + 1]:
                theta = _line_roots(self.sigma, self.w[i], self.w[i + 1], v, (0.0, 1.0))
                ta, tb = self.t[i], self.t[i + 1]
                return ta + theta * (tb - ta), self.w[i] + theta * (self.w[i + 1] - self.w[i])
            solved = self.solve_at(self.split(i, v), self.w[i])
            if solved is None:
                break
            self.add(*solved)
        k = int(np.argmin(np.abs(np.asarray(self.var) - v)))
        return self.t[k], self.w[k]

    def split(self, i: int, v: float) -> float:
        """The ``t`` at which to solve inside the bracket ``(t_i, t_i+1)`` whose ends lie on
        different critical lines: the target's ``t`` on the line through ``i`` (or through
        ``i + 1``), extended, where a neighbour shares its working set (then one solve lands
        on the target when that line reaches it); else the secant in variance."""
        ta, tb = self.t[i], self.t[i + 1]
        for k, forward in ((i, True), (i + 1, False)):
            t = self.predict(k, v, forward)
            margin = 1e-6 * (tb - ta)  # not the end it produced: its line ended before
            if t is not None and ta + margin < t < tb - margin:
                nudged = t + (NUDGE if forward else -NUDGE) * (tb - ta)
                return float(min(max(nudged, ta + 0.5 * (t - ta)), tb - 0.5 * (tb - t)))
        for a, b in ((i - 1, i), (i + 2, i + 1)):
            if 0 <= a < len(self.t) and self.pattern[a] is not None:
                if self.pattern[a] == self.pattern[b] and self.t[a] != self.t[b]:
                    theta = _line_roots(self.sigma, self.w[a], self.w[b], v, (-np.inf, np.inf))
                    t = self.t[a] + theta * (self.t[b] - self.t[a])
                    if ta + 1e-12 * tb < t < tb - 1e-12 * tb:
                        return t
        va, vb = self.var[i], self.var[i + 1]
        t = ta + (v - va) / (vb - va) * (tb - ta)
        if not ta + 1e-9 * (tb - ta) < t < tb - 1e-9 * (tb - ta):
            t = 0.5 * (ta + tb)
        return t

    def reach(self, v: float) -> float | None:
        """The ``t`` past the last solved point at which its critical line, extended,
        reaches variance ``v`` (nudged just beyond), or None where it does not."""
        t = self.predict(len(self.t) - 1, v, True)
        return None if t is None else t * (1.0 + NUDGE)

    def predict(self, k: int, v: float, forward: bool) -> float | None:
        """The ``t`` where the critical line through solved point ``k`` reaches variance
        ``v``, forward (``t > t_k``) or backward; None where it does not (or no tangent)."""
        d = self.tangent(k)
        if d is None:
            return None
        w, var = self.w[k], self.var[k]
        b, c = float(w @ self.sigma @ d), float(d @ self.sigma @ d)
        roots = np.roots([c, 2.0 * b, var - v]) if c > 0.0 else np.array([])
        roots = roots[np.isreal(roots)].real
        side = roots[roots > 0.0] if forward else roots[roots < 0.0]
        if side.size == 0:
            return None
        return self.t[k] + float(side.min() if forward else side.max())

    def tangent(self, k: int) -> np.ndarray | None:
        """``dw/dt`` (N,) on the working set of solved point ``k``: with ``G = H(1)``,
        ``G_FF d_F + A_F' z = -g_F`` and ``A_F d_F = 0`` over the free variables ``F``
        and the equality and tight rows ``A`` (the optimum ``G w + t g + A'y = 0`` is
        affine in ``t`` there); None for a set with no polytope form."""
        if self._polytope is None:
            self._polytope = weight_polytope(self.feasible) or False
        qp = self._polytope
        if qp is False:
            return None
        w = self.w[k]
        free = (np.abs(w - qp.lower) > WORKING_TOL) & (np.abs(w - qp.upper) > WORKING_TOL)
        tight = qp.b_ub - qp.a_ub @ w <= WORKING_TOL
        rows = np.vstack([qp.a_eq, qp.a_ub[tight]])[:, free]
        g_mat, g = self.model(self.sigma, self.mu, 1.0)
        m, f = rows.shape[0], int(free.sum())
        kkt = np.zeros((f + m, f + m))
        kkt[:f, :f] = g_mat[np.ix_(free, free)]
        kkt[:f, f:] = rows.T
        kkt[f:, :f] = rows
        rhs = np.concatenate([-g[free], np.zeros(m)])
        d = np.zeros_like(w)
        d[free] = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:f]
        return d

    def solve_at(self, t: float, warm: np.ndarray) -> tuple[float, np.ndarray] | None:
        """``(t, w)``: the verified optimum at ``lam = 1 / t``, started at ``warm`` (N,)
        or at the KKT guess, whichever is lower in the objective; or None."""
        h, g = self.model(self.sigma, self.mu, 1.0 / t)
        solved = solve_qp_path([(h, g)], self.feasible, warm, warm=warm, guess_first=True)
        if solved is None or not solved[1][0].exact:
            return None
        return t, solved[0][0]


def _line_roots(
    sigma: np.ndarray, wa: np.ndarray, wb: np.ndarray, v: float, span: tuple[float, float]
) -> float:
    """``theta`` in ``span`` with ``(wa + theta d)' Sigma (wa + theta d) = v``, ``d = wb -
    wa``: of the roots in the span, the one on the side where the variance grows along
    ``d`` (the larger when it grows at ``wa``); with none inside, the first root clipped
    to a finite span, ``nan`` for an open one."""
    d = wb - wa
    a = float(wa @ sigma @ wa) - v
    b = float(wa @ sigma @ d)
    c = float(d @ sigma @ d)
    disc = b * b - c * a
    if c <= 0.0 or disc < 0.0:
        roots = [-a / (2.0 * b)] if b != 0.0 else []
    else:
        roots = [(-b + np.sqrt(disc)) / c, (-b - np.sqrt(disc)) / c]
    inside = [r for r in roots if span[0] <= r <= span[1]]
    if inside:
        return float(max(inside) if b >= 0 else min(inside))
    if np.isfinite(span[0]) and np.isfinite(span[1]):
        return float(np.clip(roots[0] if roots else 0.0, *span))
    return float("nan")


def frank_wolfe_gaps(
    model: QuadraticModel,
    sigma: np.ndarray,
    mu: np.ndarray,
    feasible: Any,
    weights: np.ndarray,
    params: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Frank-Wolfe gaps (K,) of ``weights`` (K, N) at ``params`` (K,), and their scales.

    ``grad f(w).(w - s)`` with ``s`` the set's minimiser of the gradient bounds
    ``f(w) - f*`` (convexity); the scale (K,) of a relative gap is
    ``max(|f|, |g.w|, w'Hw / 2)``.
    """
    grads = np.empty_like(weights)
    scales = np.empty(len(params))
    for k, lam in enumerate(params):
        h, g = model(sigma, mu, float(lam))
        w = weights[k]
        hw = h @ w
        grads[k] = hw + g
        quad, lin = 0.5 * float(w @ hw), float(g @ w)
        scales[k] = max(abs(quad + lin), abs(lin), quad, 1e-300)
    s = feasible.minimize(torch.from_numpy(grads)).numpy()
    gaps = np.maximum(np.einsum("kn,kn->k", grads, weights - s), 0.0)
    return gaps, scales
