"""Long-only, fully invested mean-CVaR solved exactly as the dual of its LP (NCO's clusters).

The engine's objective ``-lam mu.w + CVaR_alpha(-R w)`` over ``{w >= 0, 1'w = 1}`` is the
Rockafellar-Uryasev LP (``m = (1 - alpha) T``)

    min  -lam mu.w + t + (1/m) sum_i u_i   s.t.  u_i >= -R_i w - t,  u >= 0,  w >= 0,  1'w = 1,

whose dual has one row per asset instead of one per scenario:

    max  nu   s.t.  R'q + nu 1 <= -lam mu,   sum_i q_i = 1,   0 <= q_i <= 1/m.

HiGHS's dual simplex solves it with a basis of ``n + 1`` rows (a few milliseconds for a
cluster of tens of assets over a thousand days, against a primal basis of ``T`` rows), and
the optimal weights are the multipliers of the ``n`` asset rows: the same vertex the
primal LP ends on. Presolve is off (it only costs time on so few rows).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


def cvar_dual_weights(
    returns: np.ndarray, mean: np.ndarray, alpha: float, return_weight: float
) -> np.ndarray | None:
    """The long-only, fully invested minimiser (n,) of ``-lam mu.w + CVaR_alpha(-R w)``.

    Parameters
    ----------
    returns : ndarray, shape (T, n)
    mean : ndarray, shape (n,)
        ``mu``.
    alpha : float
        Confidence level in (0, 1).
    return_weight : float
        ``lam >= 0`` (0: minimum CVaR).

    Returns
    -------
    ndarray, shape (n,), or None
        The weights (the asset rows' multipliers), or None where HiGHS does not report an
        optimum.
    """
    n_rows, n_assets = returns.shape
    m = (1.0 - alpha) * n_rows
    cost = np.zeros(n_rows + 1)
    cost[-1] = -1.0  # maximise nu
    rows = sp.hstack([sp.csr_matrix(returns.T), np.ones((n_assets, 1))], format="csr")
    total = sp.csr_matrix(np.concatenate([np.ones(n_rows), [0.0]])[None, :])
    bounds = np.column_stack(
        [np.append(np.zeros(n_rows), -np.inf), np.append(np.full(n_rows, 1.0 / m), np.inf)]
    )
    res = linprog(
        cost,
        A_ub=rows,
        b_ub=-return_weight * mean,
        A_eq=total,
        b_eq=[1.0],
        bounds=bounds,
        method="highs-ds",
        options={"presolve": False},
    )
    if res.status != 0 or res.ineqlin is None:
        return None
    return -np.asarray(res.ineqlin.marginals, dtype=np.float64)
