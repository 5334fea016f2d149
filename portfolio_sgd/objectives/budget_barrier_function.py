"""The log-barrier function of risk budgeting over a measure's epigraph, and its Newton
systems.

Over ``x = (y, v)`` the objective is ``f(x) = cost.v + sqrt(y'Qy) - b.log y`` and the rows
``A x <= 0`` stack the measure's rows ``a_y y + a_v v <= 0``, ``-v_j <= 0`` (nonneg) and
the cone's ``G y <= 0``; the barrier at ``t`` is ``t f(x) - sum log(slack)``. The same
reduced Newton system (:mod:`.budget_newton`) serves the barrier's centring
(:mod:`.budget_barrier`) and the primal-dual path (:mod:`.budget_primal_dual`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..measures.kernels.budget_lp import BudgetEpigraph
from .budget_newton import DistinctRows, GramPattern

__all__ = ["BarrierFunction", "solve_with_equalities"]


class BarrierFunction:
    """The barrier function's pieces for one problem (see the module docstring)."""

    def __init__(self, form: BudgetEpigraph, g: np.ndarray, e: np.ndarray, b: np.ndarray):
        self.form, self.g, self.e, self.b = form, g, e, b
        self.n = form.a_y.shape[1]
        self.a_y = np.ascontiguousarray(form.a_y, dtype=np.float64)
        self.a_v = sp.csc_matrix(form.a_v)
        self.a_vt = sp.csr_matrix(self.a_v.T)
        self.rows = DistinctRows(self.a_y)
        self.pattern = GramPattern(self.a_v) if self.a_v.shape[1] else None
        self.pos = np.flatnonzero(form.nonneg)
        self.m = form.a_y.shape[0] + self.pos.size + g.shape[0]

    def slacks(self, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(s_measure (M,), s_nonneg, s_cone (K,))``, all ``> 0`` inside."""
        return -(self.a_y @ y + self.a_v @ v), v[self.pos], -(self.g @ y)

    def root(self, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``sqrt(y'Qy)``, its gradient (N,) and Hessian (N, N) (zeros without a root term)."""
        q = self.form.gram
        if q is None:
            return 0.0, np.zeros(self.n), np.zeros((self.n, self.n))
        qy = q @ y
        r = float(np.sqrt(max(y @ qy, 1e-300)))
        return r, qy / r, q / r - np.outer(qy, qy) / r**3

    def inside(self, y: np.ndarray, v: np.ndarray) -> bool:
        """Every slack (as computed) and every ``y_i`` is positive."""
        return bool(np.all(y > 0)) and all(bool(np.all(s > 0)) for s in self.slacks(y, v))

    def gradient(self, y: np.ndarray, v: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The barrier's gradient ``(d/dy (N,), d/dv (V,))`` at ``t``."""
        return self.objective_gradient(y, t, tuple(1 / s for s in self.slacks(y, v)))

    def objective_gradient(
        self, y: np.ndarray, t: float, c: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``t grad f + A' c`` as ``(d/dy (N,), d/dv (V,))``, ``c = (c_measure, c_nonneg,
        c_cone)`` row coefficients (``f`` and ``A`` as in :meth:`direction`)."""
        c1, c2, c3 = c
        gy = t * (self.root(y)[1] - self.b / y) + self.a_y.T @ c1 + self.g.T @ c3
        gv = t * self.form.cost + self.a_vt @ c1
        gv[self.pos] -= c2
        return gy, gv

    def slope(
        self, y: np.ndarray, v: np.ndarray, t: float, dy: np.ndarray, dv: np.ndarray
    ) -> float:
        """The barrier's derivative along ``(dy, dv)`` at ``(y, v)`` (inf outside)."""
        if not self.inside(y, v):
            return np.inf
        gy, gv = self.gradient(y, v, t)
        return float(gy @ dy + gv @ dv)

    def newton(
        self, y: np.ndarray, v: np.ndarray, t: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """The Newton direction ``(dy, dv)`` of the barrier at ``t`` (equalities kept) and
        the squared Newton decrement."""
        gy, gv = self.gradient(y, v, t)
        weights = tuple(s**-2 for s in self.slacks(y, v))
        dy, dv = self.direction(y, t, weights, gy, gv)
        return dy, dv, max(-float(gy @ dy + gv @ dv), 0.0)

    def direction(
        self,
        y: np.ndarray,
        t: float,
        weights: tuple[np.ndarray, ...],
        gy: np.ndarray,
        gv: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(dy, dv)`` solving ``(t hess f + A' diag(d) A) dx = -(gy, gv)`` with ``E dy = 0``.

        ``f = cost.v + sqrt(y'Qy) - b.log y``; ``A`` stacks the measure's rows, ``-v_j``
        (nonneg) and ``G``; ``weights = (d_measure, d_nonneg, d_cone)``. The barrier's
        Newton step has ``d = 1 / s**2``; a primal-dual step has ``d = lambda / s``. The
        system is reduced to the weights over ``v`` (:mod:`.budget_newton`)."""
        d1, d2, d3 = weights
        hyy = self.rows.gram(d1) + (self.g.T * d3) @ self.g + t * self.root(y)[2]
        hyy[np.diag_indices(self.n)] += t * self.b / y**2
        if self.pattern is None:
            return solve_with_equalities(hyy, -gy, self.e), np.zeros(0)
        bounds = np.zeros(gv.size)
        bounds[self.pos] = d2
        lu = self.pattern.factor(d1, bounds)
        hvy = self.a_vt @ (self.a_y * d1[:, None])
        z = lu.solve(np.asfortranarray(hvy))
        dy = solve_with_equalities(hyy - hvy.T @ z, z.T @ gv - gy, self.e)
        return dy, -lu.solve(gv + hvy @ dy)


def solve_with_equalities(h: np.ndarray, rhs: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``dy`` of ``[H E'; E 0] [dy; eta] = [rhs; 0]`` (H (N, N) positive definite)."""
    if e.shape[0] == 0:
        return np.linalg.solve(h, rhs)
    q = e.shape[0]
    kkt = np.block([[h, e.T], [e, np.zeros((q, q))]])
    return np.linalg.solve(kkt, np.concatenate([rhs, np.zeros(q)]))[: h.shape[0]]
