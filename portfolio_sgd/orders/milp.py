"""The exact order: the mixed-integer linear program solved by HiGHS (``scipy.optimize.milp``).

Variables, for N assets: ``t`` (N, integer lots traded), ``b``, ``s`` (N, value bought and
sold, ``>= 0``) and ``e`` (N, absolute weight errors, ``>= 0``):

    min  sum e + f (sum b + sum s) / V
    s.t. p l t - b + s = 0                       (traded value split into buys, sells)
         e >= (p (h + l t)) / V - w,   e >= w - (p (h + l t)) / V
         p l . t + f (sum b + sum s) <= C        (the cash, fees included)
         t >= -floor(h / l)                      (no short position)

With ``f > 0`` the split is tight at the optimum (``b + s = |p l t|``); with ``f = 0`` it
does not enter the objective or the cash.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from ..errors import ConfigError
from .problem import OrderProblem


def solve_milp(problem: OrderProblem, time_limit: float = 60.0) -> tuple[np.ndarray, bool]:
    """The optimal lots traded (N,), and whether HiGHS proved optimality (False: the best
    order found within ``time_limit`` seconds).

    Raises
    ------
    ConfigError
        Where HiGHS finds no order at all (it always exists: trading nothing).
    """
    n, v, f = len(problem.tickers), problem.value, problem.fee_rate
    pl = problem.prices * problem.lots
    eye, zero = sp.identity(n, format="csr"), sp.csr_matrix((n, n))
    ones = np.ones(n)
    held = problem.prices * problem.holdings / v
    rows = [
        (sp.hstack([sp.diags(pl), -eye, eye, zero]), np.zeros(n), np.zeros(n)),
        (sp.hstack([sp.diags(pl / v), zero, zero, -eye]), -np.inf * ones, problem.targets - held),
        (sp.hstack([sp.diags(-pl / v), zero, zero, -eye]), -np.inf * ones, held - problem.targets),
        (
            sp.csr_matrix(np.concatenate([pl, f * ones, f * ones, 0 * ones])[None, :]),
            -np.inf,
            problem.cash,
        ),
    ]
    constraints = [scipy.optimize.LinearConstraint(a, lo, hi) for a, lo, hi in rows]
    cost = np.concatenate([0 * ones, f / v * ones, f / v * ones, ones])
    lower = np.concatenate([problem.min_lots, np.zeros(3 * n)])
    upper = np.concatenate([_max_lots(problem), np.full(3 * n, np.inf)])
    integrality = np.concatenate([ones, np.zeros(3 * n)])
    out = scipy.optimize.milp(
        cost,
        constraints=constraints,
        integrality=integrality,
        bounds=scipy.optimize.Bounds(lower, upper),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )
    if out.x is None:
        raise ConfigError(f"the order MILP found no solution: {out.message}")
    return np.round(out.x[:n]), out.status == 0


def _max_lots(problem: OrderProblem) -> np.ndarray:
    """An upper bound on the lots each asset can buy (N,): the whole value ``V`` in it."""
    return np.floor(problem.value / (problem.prices * problem.lots)) + 0.0
