"""CVaR with a count cap and minimum positions as a mixed-integer LP (scipy ``milp``).

Part of the exact references of :mod:`portfolio_sgd.reference.cardinality`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity
from scipy.sparse import vstack as svstack

from ..constraints import Cardinality
from ..errors import PortfolioSGDError
from .cardinality_result import ExactCardinality


def milp_cvar(
    returns: np.ndarray,
    max_assets: int | None,
    *,
    min_position: float = 0.0,
    max_weight: float = 1.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    time_limit: float | None = None,
) -> ExactCardinality:
    """The mixed-integer CVaR optimum by scipy's ``milp`` (HiGHS).

    Variables ``(w (N), z (N) binary, t, u (T))``; minimise
    ``-lam_r mu.w + t + sum(u) / ((1 - alpha) T)`` subject to ``u_s >= -r_s.w - t``,
    ``u >= 0``, ``sum w = 1``, ``x z <= w <= hi z`` and ``sum z <= k``.

    Raises
    ------
    PortfolioSGDError
        If HiGHS does not prove optimality (e.g. the time limit is hit).
    """

    r = np.asarray(returns, dtype=np.float64)
    t_len, n = r.shape
    card = Cardinality(max_assets, float(min_position), float(max_weight))
    card.validate(n)
    k = n if max_assets is None else min(int(max_assets), n)
    cost = np.concatenate(
        [
            -return_weight * r.mean(axis=0),
            np.zeros(n),
            [1.0],
            np.full(t_len, 1.0 / ((1 - alpha) * t_len)),
        ]
    )
    zeros_tn = csr_matrix((t_len, n))
    scen = hstack(
        [csr_matrix(r), zeros_tn, np.ones((t_len, 1)), identity(t_len)]
    )  # r.w + t + u >= 0
    eye = identity(n)
    link_hi = hstack([eye, -max_weight * eye, csr_matrix((n, 1 + t_len))])  # w - hi z <= 0
    link_lo = hstack([eye, -min_position * eye, csr_matrix((n, 1 + t_len))])  # w - x z >= 0
    budget = csr_matrix(np.concatenate([np.ones(n), np.zeros(n + 1 + t_len)])[None, :])
    count = csr_matrix(np.concatenate([np.zeros(n), np.ones(n), np.zeros(1 + t_len)])[None, :])
    a = svstack([scen, link_hi, link_lo, budget, count]).tocsr()
    lb = np.concatenate([np.zeros(t_len), np.full(n, -np.inf), np.zeros(n), [1.0], [-np.inf]])
    ub = np.concatenate([np.full(t_len, np.inf), np.zeros(n), np.full(n, np.inf), [1.0], [k]])
    lower = np.concatenate([np.zeros(2 * n), [-np.inf], np.zeros(t_len)])
    upper = np.concatenate([np.full(n, max_weight), np.ones(n), [np.inf], np.full(t_len, np.inf)])
    integrality = np.concatenate([np.zeros(n), np.ones(n), np.zeros(1 + t_len)])
    options = {"time_limit": time_limit} if time_limit else {}
    res = milp(
        cost,
        constraints=LinearConstraint(a, lb, ub),
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options=options,
    )
    if res.status != 0 or res.x is None:
        raise PortfolioSGDError(f"cvar milp not solved to optimality: {res.message}")
    w = np.where(res.x[:n] > 1e-9, res.x[:n], 0.0)
    support = tuple(int(i) for i in np.flatnonzero(w))
    bound = float(getattr(res, "mip_dual_bound", res.fun))

    return ExactCardinality(w, float(res.fun), bound, support, 0, "milp (HiGHS)")
