"""The weight constraints of risk budgeting as a polyhedral cone over ``y`` (skfolio's form).

skfolio's ``RiskBudgeting`` states every weight constraint with its free factor ``s``:
``lo s <= y <= hi s``, ``A y <= c s``, ``A_eq y = c_eq s`` and ``1.y = budget s``; the
weights are ``y / s``. Eliminating ``s = 1.y / budget`` leaves homogeneous rows
``G y <= 0`` and ``E y = 0``. Long-only is required (the log needs ``y > 0``); a bound of
0 below or of the budget above is implied and dropped.
"""

from __future__ import annotations

import numpy as np

from ..constraints import Constraints
from ..errors import ConfigError

__all__ = ["cone_rows"]


def cone_rows(constraints: Constraints, n_assets: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``(G (K, N), E (Q, N), budget)`` of ``constraints`` for ``n_assets`` assets.

    Raises
    ------
    ConfigError
        For short positions, a budget range or a non-positive budget, or trading terms.
    """
    poly = constraints.linear_oracle(n_assets).polytope()
    lift = np.asarray(poly.lift, dtype=np.float64)
    if lift.shape != (n_assets, n_assets) or np.any(poly.lower < 0):
        raise ConfigError("risk budgeting is long-only: min weights must be >= 0")
    ones = np.ones(n_assets)
    a_eq, b_eq = np.asarray(poly.a_eq, dtype=np.float64), np.asarray(poly.b_eq, dtype=np.float64)
    is_budget = np.all(np.isclose(a_eq, ones[None, :]), axis=1) if a_eq.size else np.zeros(0, bool)
    if not np.any(is_budget):
        raise ConfigError("risk budgeting needs a fixed budget (not a budget range)")
    budget = float(b_eq[np.flatnonzero(is_budget)[0]])
    if budget <= 0:
        raise ConfigError(f"risk budgeting needs a positive budget, got {budget:g}")
    per_share = ones / budget
    lo, hi = np.asarray(poly.lower, float), np.asarray(poly.upper, float)
    rows = [lo[i] * per_share - np.eye(n_assets)[i] for i in np.flatnonzero(lo > 0)]
    rows += [np.eye(n_assets)[i] - hi[i] * per_share for i in np.flatnonzero(hi < budget)]
    a_ub, b_ub = np.asarray(poly.a_ub, dtype=np.float64), np.asarray(poly.b_ub, dtype=np.float64)
    rows += [a_ub[k] - b_ub[k] * per_share for k in range(a_ub.shape[0])]
    equal = [a_eq[k] - b_eq[k] * per_share for k in np.flatnonzero(~is_budget)]
    g = np.array(rows).reshape(-1, n_assets)
    e = np.array(equal).reshape(-1, n_assets)
    return g, e, budget
