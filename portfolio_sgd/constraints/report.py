"""Each constraint's status at a solution: active or slack, and its violation.

:func:`constraints_report` lists every constraint of a (bound)
:class:`~portfolio_sgd.constraints.Constraints` set at one portfolio: the budget, the
per-asset floor and cap, the gross-leverage cap, and every linear row (group limits,
user strings, matrix rows), each with its value, bound, slack, violation and status. An
inequality is ``active`` when its slack is at most ``tol`` (a constraint that shapes the
solution), ``slack`` otherwise, ``violated`` when it is exceeded by more than ``tol``;
equalities are ``active`` unless violated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .bounds import Bounds
from .budget import Budget
from .leverage import Leverage
from .linear import LinearConstraints
from .trading.turnover import Turnover

__all__ = ["ACTIVE_TOL", "constraints_report"]

ACTIVE_TOL = 1e-8
"""Slack below which an inequality counts as active (and excess above which it is violated)."""


def _entry(text: str, value: float, bound: float, kind: str, tol: float) -> dict[str, Any]:
    """One report row; ``kind`` is ``"<="``, ``">="`` or ``"=="``."""
    if kind == "==":
        violation = abs(value - bound)
        slack = 0.0
    else:
        slack = bound - value if kind == "<=" else value - bound
        violation = max(-slack, 0.0) + 0.0
    status = "violated" if violation > tol else ("active" if slack <= tol else "slack")
    return {
        "constraint": text,
        "value": float(value),
        "bound": float(bound),
        "slack": float(slack),
        "violation": float(violation),
        "status": status,
    }


def constraints_report(
    constraints: Any, weights: np.ndarray, tol: float = ACTIVE_TOL
) -> list[dict[str, Any]]:
    """The status of every constraint of ``constraints`` (bound to the tickers) at ``weights``.

    Parameters
    ----------
    constraints : Constraints
        A set whose names are bound (``Constraints.bind``), as in ``Problem.constraints``.
    weights : array-like, shape (N,)
    tol : float
        Activity and violation tolerance.

    Returns
    -------
    list of dict
        ``constraint`` (text), ``value``, ``bound``, ``slack``, ``violation``, ``status``
        (``"active"``, ``"slack"`` or ``"violated"``).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    rows: list[dict[str, Any]] = []
    for part in constraints._parts_for(w.size):
        if isinstance(part, Budget):
            rows += _budget_rows(part, w, tol)
        elif isinstance(part, Bounds) and part.uniform:
            rows.append(_entry(f"w_i >= {part.lo:g}", float(w.min()), part.lo, ">=", tol))
            rows.append(_entry(f"w_i <= {part.hi:g}", float(w.max()), part.hi, "<=", tol))
        elif isinstance(part, Bounds):
            rows += _asset_bound_rows(part, w, tol, constraints.assets)
        elif isinstance(part, Leverage):
            rows += _exposure_rows(part, w, tol)
        elif isinstance(part, LinearConstraints):
            rows += _linear_rows(part, w, tol)
        elif isinstance(part, Turnover):
            rows += _turnover_rows(part, w, tol)
    return rows


def _budget_rows(part: Budget, w: np.ndarray, tol: float) -> list[dict[str, Any]]:
    """The budget (``sum(w) == B`` or its range) and, when it is not 1, the cash left."""
    total = float(w.sum())
    lo, hi = part.ends
    if lo == hi:
        out = [_entry(f"sum(w) == {lo:g}", total, lo, "==", tol)]
    else:
        out = [
            _entry(f"sum(w) >= {lo:g}", total, lo, ">=", tol),
            _entry(f"sum(w) <= {hi:g}", total, hi, "<=", tol),
        ]
    if (lo, hi) != (1.0, 1.0):  # the rest in cash (reported, never violated)
        out.append(_entry("cash = 1 - sum(w)", 1.0 - total, 1.0 - total, "==", tol))
    return out


def _asset_bound_rows(part: Bounds, w: np.ndarray, tol: float, assets: Any) -> list[dict[str, Any]]:
    """Per-asset bounds: the tightest floor and the tightest cap, naming the asset."""
    lo, hi = part.vectors(w.size)

    def name(i: int) -> str:
        return f"{assets[i]}" if assets is not None and len(assets) == w.size else f"asset {i}"

    i, j = int(np.argmin(w - lo)), int(np.argmin(hi - w))
    return [
        _entry(f"w_i >= lo_i (tightest: {name(i)})", float(w[i]), float(lo[i]), ">=", tol),
        _entry(f"w_i <= hi_i (tightest: {name(j)})", float(w[j]), float(hi[j]), "<=", tol),
    ]


def _exposure_rows(part: Leverage, w: np.ndarray, tol: float) -> list[dict[str, Any]]:
    """The gross cap, and the short and long caps when given."""
    out = [_entry(f"sum|w_i| <= {part.cap:g}", float(np.abs(w).sum()), part.cap, "<=", tol)]
    if part.max_short is not None:
        short = float(np.maximum(-w, 0).sum())
        out.append(_entry(f"short <= {part.max_short:g}", short, part.max_short, "<=", tol))
    if part.max_long is not None:
        long = float(np.maximum(w, 0).sum())
        out.append(_entry(f"long <= {part.max_long:g}", long, part.max_long, "<=", tol))
    return out


def _turnover_rows(part: Turnover, w: np.ndarray, tol: float) -> list[dict[str, Any]]:
    """The one-way turnover cap and the tightest per-asset limit, against the holdings."""
    trade = np.abs(w - np.asarray(part.previous, dtype=np.float64))
    out = []
    if part.max_turnover is not None:
        cap = float(part.max_turnover)
        out.append(_entry(f"turnover <= {cap:g}", 0.5 * float(trade.sum()), cap, "<=", tol))
    if part.asset_limits is not None:
        limits = np.asarray(part.asset_limits, dtype=np.float64)
        i = int(np.argmin(limits - trade))  # the asset closest to (or over) its limit
        out.append(
            _entry(
                f"|w_i - p_i| <= {limits[i]:g} (tightest: asset {i})",
                float(trade[i]),
                float(limits[i]),
                "<=",
                tol,
            )
        )
    return out


def _linear_rows(part: LinearConstraints, w: np.ndarray, tol: float) -> list[dict[str, Any]]:
    """Report rows of the linear part (as ``a.w <= b`` / ``a.w == b`` in its own terms)."""
    ub, eq = part.row_violations(torch.from_numpy(w)[None, :])
    out = []
    for label, res, b, a in zip(part.labels_ub, ub[0].tolist(), part.b_ub, part.a_ub, strict=True):
        if ">=" in label and (a <= 0).all():  # written as a floor: report it as one
            out.append(_entry(label, -(res + float(b)), -float(b), ">=", tol))
        else:
            out.append(_entry(label, res + float(b), float(b), "<=", tol))
    for label, res, b in zip(part.labels_eq, eq[0].tolist(), part.b_eq, strict=True):
        out.append(_entry(label, res + float(b), float(b), "==", tol))
    return out
