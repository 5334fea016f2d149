"""The restricted master LP: the best mix of the search's portfolios under a CVaR limit.

Every Lagrangian run of a CVaR limit is a near-vertex of the LP's frontier, accurate to
the engine's CVaR accuracy (about 1e-4 relative). The exact mix of the two bracketing runs
inherits that error. The *restricted master* (the column-generation view) chooses the
best convex combination ``w = W theta`` of all M runs' portfolios ``W`` (N, M) under the
limit, exactly, as a small LP in ``M + 1 + T`` variables (HiGHS through scipy):

    max  mu' W theta   s.t.  t + sum(z) / ((1 - alpha) T) <= K,  z >= -R W theta - t,
                             z >= 0,  theta in the simplex.

``W theta`` is feasible for the convex constraint set ``C`` (each column is). The LP's own
tolerance is then removed by the exact float64 mix towards a run within the limit
(:func:`~.measure.mix_to_limit`), so the limit holds exactly. Only CVaR limits use it
(volatility runs are exact to ~1e-10); it is skipped above :data:`MAX_ELEMENTS`.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

MAX_ELEMENTS = 20_000_000
"""Largest ``T x M`` the master LP is built for (else the bracket mix is kept)."""


def master_weights(
    r: np.ndarray, columns: np.ndarray, level: float, alpha: float
) -> np.ndarray | None:
    """The LP's best combination ``W theta`` (N,), or None if the LP is not solved.

    Parameters
    ----------
    r : ndarray, shape (T, N)
        Returns, float64.
    columns : ndarray, shape (M, N)
        The runs' portfolios (each in the constraint set).
    level : float
        The CVaR limit K.
    alpha : float
        CVaR level.
    """
    t_len, m = r.shape[0], columns.shape[0]
    if t_len * m > MAX_ELEMENTS:
        return None
    scale = float(np.sqrt(np.mean(r**2))) or 1.0
    x = (r @ columns.T) / scale  # (T, M) scaled portfolio returns
    mean = x.mean(axis=0)
    # variables: theta (M), t (1), z (T)
    cost = np.concatenate([-mean, [0.0], np.zeros(t_len)])
    tail = sparse.hstack([sparse.csr_matrix(-x), -np.ones((t_len, 1)), -sparse.eye(t_len)])
    cap = np.concatenate([np.zeros(m), [1.0], np.full(t_len, 1.0 / ((1.0 - alpha) * t_len))])
    a_ub = sparse.vstack([tail, sparse.csr_matrix(cap[None, :])]).tocsr()
    b_ub = np.concatenate([np.zeros(t_len), [level / scale]])
    a_eq = sparse.csr_matrix(np.concatenate([np.ones(m), [0.0], np.zeros(t_len)])[None, :])
    bounds = [(0.0, None)] * m + [(None, None)] + [(0.0, None)] * t_len
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds,
                  method="highs")  # fmt: skip
    if res.status != 0 or res.x is None:
        return None
    theta = np.clip(res.x[:m], 0.0, None)
    theta /= theta.sum()
    return theta @ columns
