"""A feasible starting point near the optimum for the primal active set: a KKT guess.

The primal active set (:mod:`.qp_active_set`) started at an LP vertex holds one or a few
variables free and adds the optimum's support one variable per iteration: about as many
iterations as assets held. Started at a feasible point whose working set is already close
to the optimum's, it needs only the iterations that correct the guess.

The guess solves the equality-constrained QP with every variable free (one KKT system),
then fixes every variable below its lower bound at that bound (else every variable above
its upper bound, else makes every violated inequality row an equality), and solves again;
a few rounds give a point with a working set that is nearly the optimum's. A working set only grows, so the rounds end. The result is
returned only where it is feasible within the active set's tolerance: otherwise (a KKT
system that is singular, as under the split ``w = p + u - v`` of trading terms, or rows
that are dependent) the caller keeps its vertex start. The guess decides nothing about
optimality: the active set corrects it and verifies the answer by its KKT conditions.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

from .qp_active_set import FEAS_TOL, DenseQP

__all__ = ["MAX_ROUNDS", "kkt_guess"]

MAX_ROUNDS = 10
"""KKT solves at most (each ``O((n + m)^3)``, a few per cent of an active-set iteration's
SVD and eigendecomposition on the same sizes)."""


def kkt_guess(qp: DenseQP) -> np.ndarray | None:
    """A feasible point of ``qp`` whose working set approximates the optimum's, or None.

    Parameters
    ----------
    qp : DenseQP

    Returns
    -------
    ndarray, shape (n,), feasible within ``FEAS_TOL``, or None.
    """
    n = qp.n
    at_lo = np.zeros(n, dtype=bool)
    at_hi = np.zeros(n, dtype=bool)
    rows = np.zeros(qp.a_ub.shape[0], dtype=bool)
    for _ in range(MAX_ROUNDS):
        x = _equality_solution(qp, at_lo, at_hi, rows)
        if x is None:
            return None
        low = ~(at_lo | at_hi) & (x < qp.lower)
        high = ~(at_lo | at_hi) & (x > qp.upper)
        over = ~rows & (qp.a_ub @ x > qp.b_ub) if qp.a_ub.shape[0] else rows
        if not (low.any() or high.any() or over.any()):
            return x if qp.violation(x) <= FEAS_TOL else None
        if low.any():  # the usual overshoot: short positions of a long-only set
            at_lo |= low
        elif high.any():
            at_hi |= high
        else:
            rows |= over
    return None


def _equality_solution(
    qp: DenseQP, at_lo: np.ndarray, at_hi: np.ndarray, rows: np.ndarray
) -> np.ndarray | None:
    """The minimiser with the fixed variables at their bounds and the equality rows plus
    the chosen inequality rows held as equalities (one KKT solve); None where the system
    is singular or the point not finite."""
    fixed = at_lo | at_hi
    free = ~fixed
    x = np.where(at_hi, qp.upper, qp.lower)
    a = np.vstack([qp.a_eq, qp.a_ub[rows]])
    b = np.concatenate([qp.b_eq, qp.b_ub[rows]])
    n_f, m = int(free.sum()), a.shape[0]
    if n_f < m:
        return None
    kkt = np.zeros((n_f + m, n_f + m))
    kkt[:n_f, :n_f] = qp.p[np.ix_(free, free)]
    kkt[:n_f, n_f:] = a[:, free].T
    kkt[n_f:, :n_f] = a[:, free]
    rhs = np.concatenate(
        [-(qp.q[free] + qp.p[np.ix_(free, fixed)] @ x[fixed]), b - a[:, fixed] @ x[fixed]]
    )
    try:
        with warnings.catch_warnings():  # ill-conditioned: no guess (the vertex start)
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            sol = scipy.linalg.solve(kkt, rhs, assume_a="sym", check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError):
        return None
    if not np.all(np.isfinite(sol)):
        return None
    x[free] = sol[:n_f]
    return x
