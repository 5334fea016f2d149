"""A primal active-set method for small dense convex QPs, with a KKT check of its answer.

The problem, in a variable ``x`` of dimension n (the weights, or a lift of them),

    min 1/2 x'Px + q'x   s.t.  A_eq x = b_eq,  A_ub x <= b_ub,  lower <= x <= upper,

with ``P`` symmetric positive semidefinite (it may be singular, e.g. in the split
``w = p + u - v`` of a turnover limit) and a bounded feasible set. This is Algorithm 16.3
of Nocedal & Wright (2006), with the variables at a bound eliminated: the working set is
the fixed variables plus the equality rows plus the active inequality rows, and each
iteration solves the equality-constrained subproblem on the free variables by the
null-space method (an SVD of the working rows, an eigendecomposition of the reduced
Hessian ``Z'P_FF Z``). Where that Hessian is singular and the reduced gradient has a part
in its null space, the step follows that zero-curvature descent direction to the nearest
blocking constraint (one exists: the set is bounded).

It starts from a vertex (the caller's LP solution), so the free set starts small and grows
one variable per iteration towards the optimum's support: on portfolio problems the
iterations are about the number of assets held, each costing ``O(n_F^3)`` for ``n_F`` free
variables, with no dependence on the number of scenarios.

At the end the answer is checked against the KKT conditions from scratch (primal
feasibility, signs of the multipliers of the active inequalities and bounds, and the
stationarity residual), so ``exact`` is a verified claim, not an iteration count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = ["DenseQP", "QPSolution", "solve_active_set"]

FEAS_TOL = 1e-11
"""Largest primal violation of a verified answer (weights are of order 1)."""
CHOL_PIVOT = 1e-10
"""Smallest Cholesky pivot, relative to the largest, of a subproblem solved by Cholesky
(below it the eigendecomposition's null-space step is used)."""
KKT_TOL = 1e-9
"""Largest stationarity residual and negative multiplier of a verified answer, relative to
the scale of the gradient (``max(|P|, |q|)``)."""


@dataclass(frozen=True)
class DenseQP:
    """``min 1/2 x'Px + q'x`` over ``{A_eq x = b_eq, A_ub x <= b_ub, lower <= x <= upper}``.

    Attributes
    ----------
    p : ndarray, shape (n, n)
    q : ndarray, shape (n,)
    a_eq : ndarray, shape (m_eq, n)
    b_eq : ndarray, shape (m_eq,)
    a_ub : ndarray, shape (m_ub, n)
    b_ub : ndarray, shape (m_ub,)
    lower, upper : ndarray, shape (n,)
        Finite bounds.
    """

    p: np.ndarray
    q: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n(self) -> int:
        return int(self.q.shape[0])

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of the rows and bounds at ``x``."""
        viol = max(
            float(np.max(self.lower - x, initial=0.0)), float(np.max(x - self.upper, initial=0.0))
        )
        if self.a_eq.shape[0]:
            viol = max(viol, float(np.max(np.abs(self.a_eq @ x - self.b_eq))))
        if self.a_ub.shape[0]:
            viol = max(viol, float(np.max(self.a_ub @ x - self.b_ub, initial=0.0)))
        return viol


@dataclass(frozen=True)
class QPSolution:
    """The answer and its KKT check.

    Attributes
    ----------
    x : ndarray, shape (n,)
    exact : bool
        The KKT conditions hold within ``FEAS_TOL`` / ``KKT_TOL``.
    status : str
    iterations : int
    free : int
        Free variables at the end.
    work : float
        Multiply-adds counted over the iterations (SVDs, reduced Hessians, eigensolves).
    residual : float
        Stationarity residual, relative to the gradient scale.
    min_multiplier : float
        Most negative inequality or bound multiplier, relative (0 when none is negative).
    violation : float
    """

    x: np.ndarray
    exact: bool
    status: str
    iterations: int
    free: int
    work: float
    residual: float
    min_multiplier: float
    violation: float


def solve_active_set(qp: DenseQP, x0: np.ndarray, max_iter: int | None = None) -> QPSolution:
    """Solve ``qp`` from the feasible point ``x0`` (best a vertex) by the primal active set.

    Parameters
    ----------
    qp : DenseQP
    x0 : ndarray, shape (n,)
        Feasible within ``FEAS_TOL``; values within it of a bound are snapped to the bound.
    max_iter : int, optional
        Default ``4 n + 50``.

    Returns
    -------
    QPSolution
    """
    n = qp.n
    max_iter = 4 * n + 50 if max_iter is None else max_iter
    scale = max(float(np.max(np.abs(qp.p), initial=0.0)), float(np.max(np.abs(qp.q))), 1e-300)
    x = np.clip(np.asarray(x0, dtype=np.float64).copy(), qp.lower, qp.upper)
    at_lo = np.abs(x - qp.lower) <= FEAS_TOL
    at_hi = ~at_lo & (np.abs(x - qp.upper) <= FEAS_TOL)
    x[at_lo], x[at_hi] = qp.lower[at_lo], qp.upper[at_hi]
    fixed = at_lo | at_hi
    side = np.where(at_hi, 1, -1)  # which bound a fixed variable sits on
    active = _tight_independent_rows(qp, x, fixed)
    work = 0.0
    status = "iteration limit"
    check = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - reported
        free = ~fixed
        grad = qp.p @ x + qp.q
        rows = _rows(qp, active)[:, free]
        if check:
            step = np.zeros(int(free.sum()))
        else:
            step, bounded, cost = _subproblem(qp.p[np.ix_(free, free)], grad[free], rows, scale)
            work += cost
        if np.max(np.abs(step), initial=0.0) <= 1e-15:
            check = False
            drop = _worst_multiplier(qp, grad, rows, active, fixed, side, scale)
            if drop is None:
                status = "optimal"
                break
            kind, index = drop
            if kind == "row":
                active.remove(index)
            else:
                fixed[index] = False
            continue
        full = np.zeros(n)
        full[free] = step
        alpha, block = _ratio_test(qp, x, full, free, active, 1.0 if bounded else np.inf)
        if not np.isfinite(alpha):
            status = "unbounded direction"
            break
        x = x + alpha * full
        if block is None:
            check = True  # a full Newton step: the next subproblem's step is zero
            continue
        kind, index, bound_side = block
        if kind == "var":
            fixed[index] = True
            side[index] = bound_side
            x[index] = qp.upper[index] if bound_side > 0 else qp.lower[index]
        else:
            active.append(index)
    return _verify(qp, x, fixed, side, active, status, it, work, scale)


def _rows(qp: DenseQP, active: list[int]) -> np.ndarray:
    return np.vstack([qp.a_eq, qp.a_ub[active]]) if active else qp.a_eq


def _tight_independent_rows(qp: DenseQP, x: np.ndarray, fixed: np.ndarray) -> list[int]:
    """The ub rows tight at ``x`` (n,), in order, each kept when independent of the
    equality rows and the rows kept before it on the free variables (one rank per row)."""
    active: list[int] = []
    if qp.a_ub.shape[0] == 0:
        return active
    free = ~fixed
    working = qp.a_eq[:, free]
    rank = np.linalg.matrix_rank(working) if working.size else 0
    for j in np.flatnonzero(qp.b_ub - qp.a_ub @ x <= FEAS_TOL):
        stacked = np.vstack([working, qp.a_ub[j][free]])
        new_rank = np.linalg.matrix_rank(stacked) if stacked.size else 0
        if new_rank > rank or working.size == 0:
            active.append(int(j))
            working, rank = stacked, new_rank
    return active


def _subproblem(
    h: np.ndarray, g: np.ndarray, rows: np.ndarray, scale: float
) -> tuple[np.ndarray, bool, float]:
    """The step on the free variables: ``(step, bounded, work)``.

    ``bounded``: a Newton step (a full step of 1 is allowed); otherwise a zero-curvature
    descent direction, to be followed to the nearest blocking constraint.
    """
    n_f = g.shape[0]
    newton = _cholesky_step(h, g, rows)
    if newton is not None:
        return newton, True, n_f**3 / 3.0 + 2.0 * rows.shape[0] * n_f * n_f
    work = 0.0
    if rows.shape[0] and n_f:
        _, s, vt = np.linalg.svd(rows, full_matrices=True)
        rank = int(np.sum(s > 1e-12 * max(float(s[0]), 1.0))) if s.size else 0
        z = vt[rank:].T
        work += rows.shape[0] * n_f * n_f
    else:
        z = np.eye(n_f)
    if z.shape[1] == 0:
        return np.zeros(n_f), True, work
    hr = z.T @ h @ z
    gr = z.T @ g
    evals, evecs = np.linalg.eigh(hr)
    work += 2.0 * n_f * n_f * z.shape[1] + 4.0 * z.shape[1] ** 3
    coef = evecs.T @ gr
    flat = evals <= 1e-11 * max(float(evals[-1]), scale * 1e-300, 1e-300)
    gnorm = max(float(np.max(np.abs(g))), 1e-300)
    if flat.any() and np.max(np.abs(coef[flat])) > 1e-12 * gnorm:
        direction = -(evecs[:, flat] @ coef[flat])
        return z @ direction, False, work
    keep = ~flat
    newton = -(evecs[:, keep] @ (coef[keep] / evals[keep]))
    return z @ newton, True, work


def _cholesky_step(h: np.ndarray, g: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    """The Newton step of the subproblem by two Cholesky factorisations, where it is
    well-posed: ``s = -H^-1 (g + A' lam)`` with ``(A H^-1 A') lam = -A H^-1 g``, so that
    ``A s = 0``. None where ``H`` (n_F, n_F) is not numerically positive definite (a
    pivot below ``CHOL_PIVOT`` of the largest) or the rows ``A`` (m, n_F) are dependent:
    the null-space method with its zero-curvature directions then takes the step."""
    if g.shape[0] == 0:
        return None
    try:
        chol = scipy.linalg.cholesky(h, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    pivots = np.diag(chol) ** 2
    if not pivots.min() > CHOL_PIVOT * pivots.max():
        return None
    hinv_g = scipy.linalg.cho_solve((chol, True), g, check_finite=False)
    if rows.shape[0] == 0:
        return -hinv_g
    y = scipy.linalg.solve_triangular(chol, rows.T, lower=True, check_finite=False)
    schur = y.T @ y
    try:
        s_chol = scipy.linalg.cholesky(schur, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    s_piv = np.diag(s_chol) ** 2
    if not s_piv.min() > CHOL_PIVOT * s_piv.max():
        return None
    lam = scipy.linalg.cho_solve((s_chol, True), -(rows @ hinv_g), check_finite=False)
    step = -scipy.linalg.cho_solve((chol, True), g + rows.T @ lam, check_finite=False)
    return step if np.all(np.isfinite(step)) else None


def _ratio_test(
    qp: DenseQP, x: np.ndarray, p: np.ndarray, free: np.ndarray, active: list[int], cap: float
) -> tuple[float, tuple[str, int, int] | None]:
    """The longest step in ``[0, cap]`` along ``p``, and what blocks it."""
    alpha, block = cap, None
    idx = np.flatnonzero(free & (p < 0))
    if idx.size:
        r = (qp.lower[idx] - x[idx]) / p[idx]
        k = int(np.argmin(r))
        if r[k] < alpha:
            alpha, block = max(float(r[k]), 0.0), ("var", int(idx[k]), -1)
    idx = np.flatnonzero(free & (p > 0))
    if idx.size:
        r = (qp.upper[idx] - x[idx]) / p[idx]
        k = int(np.argmin(r))
        if r[k] < alpha:
            alpha, block = max(float(r[k]), 0.0), ("var", int(idx[k]), 1)
    if qp.a_ub.shape[0]:
        inactive = np.ones(qp.a_ub.shape[0], dtype=bool)
        inactive[active] = False
        ap = qp.a_ub @ p
        idx = np.flatnonzero(inactive & (ap > 1e-14 * max(float(np.max(np.abs(p))), 1e-300)))
        if idx.size:
            r = (qp.b_ub[idx] - qp.a_ub[idx] @ x) / ap[idx]
            k = int(np.argmin(r))
            if r[k] < alpha:
                alpha, block = max(float(r[k]), 0.0), ("row", int(idx[k]), 0)
    return alpha, block


def _multipliers(
    qp: DenseQP, grad: np.ndarray, rows: np.ndarray, active: list[int], fixed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row multipliers (least squares on the free variables) and the reduced gradient
    ``grad + A_W' lam`` (n,), whose entries on fixed variables are the bound multipliers."""
    if rows.shape[0]:
        lam = np.linalg.lstsq(rows.T, -grad[~fixed], rcond=None)[0]
        reduced = grad + _rows(qp, active).T @ lam
    else:
        lam = np.zeros(0)
        reduced = grad.copy()
    return lam, reduced


def _worst_multiplier(
    qp: DenseQP,
    grad: np.ndarray,
    rows: np.ndarray,
    active: list[int],
    fixed: np.ndarray,
    side: np.ndarray,
    scale: float,
) -> tuple[str, int] | None:
    """The working constraint with the most negative multiplier, None when all are >= 0."""
    lam, reduced = _multipliers(qp, grad, rows, active, fixed)
    tol = 1e-13 * scale
    worst, pick = -tol, None
    m_eq = qp.a_eq.shape[0]
    for k, j in enumerate(active):
        if lam[m_eq + k] < worst:
            worst, pick = float(lam[m_eq + k]), ("row", j)
    movable = fixed & (qp.upper > qp.lower)
    bound_mult = np.where(side > 0, -reduced, reduced)  # >= 0 at an optimum
    idx = np.flatnonzero(movable & (bound_mult < worst))
    if idx.size:
        k = int(idx[np.argmin(bound_mult[idx])])
        pick = ("var", k)
    return pick


def _verify(
    qp: DenseQP,
    x: np.ndarray,
    fixed: np.ndarray,
    side: np.ndarray,
    active: list[int],
    status: str,
    iterations: int,
    work: float,
    scale: float,
) -> QPSolution:
    """The KKT check of ``x`` with the final working set."""
    grad = qp.p @ x + qp.q
    rows = _rows(qp, active)[:, ~fixed]
    lam, reduced = _multipliers(qp, grad, rows, active, fixed)
    residual = float(np.max(np.abs(reduced[~fixed]), initial=0.0)) / scale
    m_eq = qp.a_eq.shape[0]
    negatives = [float(v) for v in lam[m_eq:]]
    movable = fixed & (qp.upper > qp.lower)
    negatives += np.where(side > 0, -reduced, reduced)[movable].tolist()
    min_mult = min(min(negatives, default=0.0), 0.0) / scale
    violation = qp.violation(x)
    exact = (
        status == "optimal"
        and violation <= FEAS_TOL
        and residual <= KKT_TOL
        and min_mult >= -KKT_TOL
    )
    return QPSolution(
        x=x,
        exact=exact,
        status=status if exact or status != "optimal" else "KKT check failed",
        iterations=iterations,
        free=int((~fixed).sum()),
        work=work,
        residual=residual,
        min_multiplier=min_mult,
        violation=violation,
    )
