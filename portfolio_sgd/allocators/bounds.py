"""Per-asset bounds as vectors, and HRP's rule for splitting a cluster within them.

The bounds of asset i are ``[min_weight, max_weight]`` of :class:`Constraints`, tightened
by every linear row on that asset alone (``"AAPL <= 0.1"``, ``"MSFT >= 0.02"``,
``"XOM == 0.05"``): :func:`asset_bounds`.

**The split rule (HRP).** A cluster of weight ``W`` splits into a left and a right part
with factor ``alpha`` (left gets ``alpha W``). The factor is clamped so that each part's
weight stays within the sums of its members' bounds:

    alpha <- min(U_left / W, max(L_left / W, alpha))
    alpha <- 1 - min(U_right / W, max(L_right / W, 1 - alpha))

(``L``, ``U``: sums of the members' lower and upper bounds). This is skfolio's rule (after
Riskfolio-Lib); it keeps every cluster's weight within its bound sums, so a feasible set of
per-asset bounds is met at the leaves. Where it cannot (and for group caps and other linear
rows, which it does not see) the final redistribution of :mod:`.redistribute` applies.
"""

from __future__ import annotations

import numpy as np

from ..constraints import Constraints


def asset_bounds(constraints: Constraints, tickers: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds (N,), (N,) of each asset (module docstring).

    Parameters
    ----------
    constraints : Constraints
    tickers : list of str
        The assets, in the order of the returns' columns.
    """
    n = len(tickers)
    lower = np.full(n, float(constraints.min_weight))
    upper = np.full(n, float(constraints.max_weight))
    part = constraints.bind(tickers).linear_part(n)
    if part is None:
        return lower, upper
    for a, b, equal in [(r, v, False) for r, v in zip(part.a_ub, part.b_ub, strict=True)] + [
        (r, v, True) for r, v in zip(part.a_eq, part.b_eq, strict=True)
    ]:
        nonzero = np.flatnonzero(a)
        if nonzero.size != 1:
            continue
        i, coef = int(nonzero[0]), float(a[nonzero[0]])
        limit = float(b) / coef
        if equal or coef > 0:
            upper[i] = min(upper[i], limit)
        if equal or coef < 0:
            lower[i] = max(lower[i], limit)
    return lower, upper


def clamp_split(
    alpha: float,
    weight: float,
    left: np.ndarray,
    right: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> float:
    """The split factor ``alpha`` clamped to the bound sums of both parts (module docstring).

    Parameters
    ----------
    alpha : float
        The unconstrained factor (share of the left part).
    weight : float
        ``W``, the weight of the cluster being split (> 0).
    left, right : ndarray of int
        Asset indices of the two parts.
    lower, upper : ndarray, shape (N,)
        Per-asset bounds.
    """
    alpha = min(upper[left].sum() / weight, max(lower[left].sum() / weight, alpha))
    return 1.0 - min(upper[right].sum() / weight, max(lower[right].sum() / weight, 1.0 - alpha))
