"""A feasible starting point near the optimum for the primal active set: a KKT guess.

The primal active set (:mod:`.qp_active_set`) started at an LP vertex holds one or a few
variables free and adds the optimum's support one variable per iteration: about as many
iterations as assets held. Started at a feasible point whose working set is already close
to the optimum's, it needs only the iterations that correct the guess.

The guess solves the equality-constrained QP with every variable free (one KKT system),
then fixes every variable below its lower bound at that bound (else every variable above
its upper bound, else makes every violated inequality row an equality), and solves again;
a few rounds give a point with a working set that is nearly the optimum's. The equality
rows only grow, and between two additions so do the fixed variables, so the rounds end
(on small problems, ``RESET_MAX_ASSETS``, a row's addition frees the variables fixed
before it, fixed against the solution without the row). The result is
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

__all__ = [
    "MAX_ROUNDS",
    "RESET_MAX_ASSETS",
    "SPLIT_MAX_ASSETS",
    "SPLIT_ROUNDS",
    "kkt_guess",
    "split_guess",
]

MAX_ROUNDS = 10
"""KKT solves at most (each ``O((n + m)^3)``, a few per cent of an active-set iteration's
SVD and eigendecomposition on the same sizes)."""
SPLIT_ROUNDS = 24
"""KKT solves at most of :func:`split_guess` (its sign pattern settles asset by asset)."""
SPLIT_MAX_ASSETS = 100
"""Assets at most for :func:`split_guess`. Measured: on 20 assets (sp500, turnover <= 0.2)
it starts the active set one iteration from the optimum (13 from the vertex); on 400
(us-stocks) its rounds, each a KKT solve on hundreds of free variables, did not settle and
cost more (34 ms) than the active set's 57 cheap iterations from the vertex."""
RESET_MAX_ASSETS = 100
"""Variables at most for which a round that makes violated rows equalities frees the
variables fixed before it (they were fixed against the solution without those rows).
Measured on min-variance with three sector caps: on 20 assets (sp500) the guess is then
the optimum (4 rounds, 1 active-set iteration, against 5 rounds and 5 iterations); on
400 (us-stocks) the fixes must be found again by rounds on hundreds of free variables
(7 rounds and 5 iterations, about 25% slower than 8 rounds and 8 iterations)."""


def kkt_guess(
    qp: DenseQP, at_lo: np.ndarray | None = None, partner: np.ndarray | None = None
) -> np.ndarray | None:
    """A feasible point of ``qp`` whose working set approximates the optimum's, or None.

    Parameters
    ----------
    qp : DenseQP
    at_lo : ndarray, shape (n,), bool, optional
        Variables held at their lower bound from the start (default none).
    partner : ndarray, shape (n,), int, optional
        Each variable's other half in a split (``u_i`` and ``v_i``): a variable that falls
        below its lower bound frees its partner, held at its lower bound and never free
        yet (the asset trades the other way).

    Returns
    -------
    ndarray, shape (n,), feasible within ``FEAS_TOL``, or None.
    """
    n = qp.n
    at_lo = np.zeros(n, dtype=bool) if at_lo is None else at_lo.copy()
    tried = ~at_lo
    at_hi = np.zeros(n, dtype=bool)
    rows = np.zeros(qp.a_ub.shape[0], dtype=bool)
    for _ in range(MAX_ROUNDS if partner is None else SPLIT_ROUNDS):
        x = _equality_solution(qp, at_lo, at_hi, rows)
        if x is None:
            return None
        low = ~(at_lo | at_hi) & (x < qp.lower)
        high = ~(at_lo | at_hi) & (x > qp.upper)
        over = ~rows & (qp.a_ub @ x > qp.b_ub) if qp.a_ub.shape[0] else rows
        if not (low.any() or high.any() or over.any()):
            return x if qp.violation(x) <= FEAS_TOL else None
        if partner is not None and over.any():  # a split: the turnover row decides first
            rows |= over
        elif partner is not None and high.any():  # a whole position sold (or bought)
            at_hi |= high
        elif low.any():  # the usual overshoot: short positions of a long-only set
            at_lo |= low
            if partner is not None:
                flip = partner[low][~tried[partner[low]]]
                at_lo[flip], tried[flip] = False, True
        elif high.any():
            at_hi |= high
        else:
            rows |= over
            if partner is None and n <= RESET_MAX_ASSETS:  # the fixes predate the rows
                at_lo, at_hi = ~tried, np.zeros(n, dtype=bool)
    return None


def split_guess(qp: DenseQP) -> np.ndarray | None:
    """The KKT guess of a QP in the split ``x = (u, v)``, ``w = p + u - v`` (n = 2N), or None.

    With both halves free the KKT system is singular (``P = [[H, -H], [-H, H]]``), so each
    asset trades one way only: every ``v`` starts held at its lower bound and the buys ``u``
    are solved; an asset whose ``u`` falls below its lower bound sells instead (its ``u``
    held, its ``v`` freed, once: :func:`kkt_guess`'s ``partner``). The rounds fix the
    bounds and make a violated turnover row an equality, on systems ``S H S`` for a sign
    pattern ``S``: nonsingular where ``H`` is.

    Parameters
    ----------
    qp : DenseQP
        Its variable is ``(u, v)``, of even dimension.

    Returns
    -------
    ndarray, shape (n,), feasible within ``FEAS_TOL``, or None.
    """
    half = qp.n // 2
    if qp.n != 2 * half or half > SPLIT_MAX_ASSETS:
        return None
    partner = np.concatenate([np.arange(half, qp.n), np.arange(half)])
    sells = np.concatenate([np.zeros(half, dtype=bool), np.ones(half, dtype=bool)])
    return kkt_guess(qp, sells, partner)


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
