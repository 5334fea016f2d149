"""Feasibility of linear constraints, decided before any step by an LP (scipy's HiGHS).

The feasible set ``{sum w = 1, lo <= w <= hi, sum |w| <= L, A_ub w <= b_ub, A_eq w = b_eq}``
is empty exactly when the LP ``min 0`` over it is infeasible. When it is, a deletion
filter (Chinneck and Dravnieks 1991) finds a small conflicting subset: drop each
constraint in turn and keep it out whenever the rest stays infeasible. What remains is
an irreducible infeasible subset (every member is needed for the conflict), and the
error names it.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from scipy.optimize import linprog

from ..errors import InfeasibleConstraintError
from .linear import LinearConstraints

__all__ = ["check_feasible"]

_Row = tuple[np.ndarray, float, bool, str]  # (coefficients, rhs, equality, label)


def _feasible(
    n: int,
    rows: list[_Row],
    bounds: tuple[Any, Any] | None,
    leverage: float | None,
    budget: tuple[float, float] = (1.0, 1.0),
) -> bool:
    """Whether the budget plus ``rows`` (plus bounds and a leverage cap) admit a point."""
    lo, hi = bounds if bounds is not None else (-np.inf, np.inf)
    lo, hi = np.broadcast_to(lo, (n,)), np.broadcast_to(hi, (n,))
    n_x = 2 * n if leverage is not None else n  # w and s >= |w|
    pad = np.zeros(n_x - n)
    ones = np.concatenate([np.ones(n), pad])
    a_eq, b_eq, a_ub, b_ub = [ones], [budget[0]], [], []
    if budget[0] < budget[1]:  # a range: two rows
        a_eq, b_eq, a_ub, b_ub = [], [], [ones, -ones], [budget[1], -budget[0]]
    for coefs, rhs, equality, _ in rows:
        target = (a_eq, b_eq) if equality else (a_ub, b_ub)
        target[0].append(np.concatenate([coefs, pad]))
        target[1].append(rhs)
    if leverage is not None:
        eye = np.eye(n)
        a_ub += list(np.hstack([eye, -eye])) + list(np.hstack([-eye, -eye]))
        b_ub += [0.0] * (2 * n)
        a_ub.append(np.concatenate([np.zeros(n), np.ones(n)]))
        b_ub.append(float(leverage))
    var_bounds = list(zip(lo.tolist(), hi.tolist(), strict=True)) + [(0.0, np.inf)] * (n_x - n)
    res = linprog(
        np.zeros(n_x),
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=np.array(a_eq) if a_eq else None,
        b_eq=np.array(b_eq) if a_eq else None,
        bounds=[
            (None if math.isinf(a) else a, None if math.isinf(b) else b) for a, b in var_bounds
        ],
        method="highs",
    )
    return res.status == 0


def check_feasible(
    part: LinearConstraints,
    lo: Any,
    hi: Any,
    leverage: float | None = None,
    budget: tuple[float, float] = (1.0, 1.0),
) -> None:
    """Raise :class:`InfeasibleConstraintError` naming a conflicting subset if the set is empty.

    Parameters
    ----------
    part : LinearConstraints
        The linear rows over N assets.
    lo, hi : float or ndarray (N,)
        Per-asset bounds.
    leverage : float or None
        A binding gross-leverage cap.
    budget : (float, float)
        The range of ``sum(w)`` (equal ends: a fixed budget).
    """
    n = part.a_ub.shape[1]
    rows: list[_Row] = [
        (a, float(b), False, label)
        for a, b, label in zip(part.a_ub, part.b_ub, part.labels_ub, strict=True)
    ] + [
        (a, float(b), True, label)
        for a, b, label in zip(part.a_eq, part.b_eq, part.labels_eq, strict=True)
    ]
    feasible = functools.partial(_feasible, n, budget=budget)
    if feasible(rows, (lo, hi), leverage):
        return
    keep_bounds, keep_lev = True, leverage is not None
    if feasible(rows, None, leverage if keep_lev else None) is False:
        keep_bounds = False
    if keep_lev and not feasible(rows, (lo, hi) if keep_bounds else None, None):
        keep_lev = False
    kept = list(rows)
    for row in rows:
        trial = [r for r in kept if r is not row]
        if not feasible(trial, (lo, hi) if keep_bounds else None, leverage if keep_lev else None):
            kept = trial
    names = [repr(r[3]) for r in kept]
    if keep_bounds:
        names.append(f"the bounds {_text(lo)} <= w_i <= {_text(hi)}")
    if keep_lev:
        names.append(f"the leverage cap sum|w_i| <= {leverage:g}")
    listed = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    what = "fully invested" if budget == (1.0, 1.0) else f"budget {budget[0]:g}..{budget[1]:g}"
    raise InfeasibleConstraintError(
        f"infeasible constraints: no {what} portfolio satisfies {listed}"
    )


def _text(value: Any) -> str:
    """A bound for the message: the number, or the range of a vector."""
    if np.ndim(value) == 0:
        return f"{float(value):g}"
    return f"per asset [{float(np.min(value)):g}, {float(np.max(value)):g}]"
