"""The mandate settings of :class:`~.feasible_set.Constraints`: per-asset bounds, the budget
(a number below or above 1, 0 for a dollar-neutral book, or a range) and the exposure caps
(gross leverage, total short, total long). Functions take the record, so it stays small.

Where a setting leaves the classic set (uniform bounds, ``sum(w) = 1``, a gross cap alone)
the projection is :func:`~.box_kernel.project_box_budget` (exact), the oracle and the
exact finishes read the bounds, budget and cap from :class:`~.oracle.FeasibleSet`, and the
combinations not supported yet are one-line errors.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import ConfigError, InfeasibleConstraintError
from .budget import Budget
from .leverage import Leverage, effective_cap
from .trading.terms import has_trading
from .weight_bounds import ByTicker, bound_vector, is_uniform, normalise_bound, resolve_bound

__all__ = [
    "bounds_vectors",
    "budget_ends",
    "exposure_cap",
    "is_classic",
    "lowest_bound",
    "mandate_text",
    "mandate_dict",
    "normalise_budget",
    "normalise_mandate",
    "resolve_mandate",
    "validate_mandate",
]


def normalise_budget(value: Any) -> float | tuple[float, float]:
    """The budget as a float, or ``(lo, hi)`` for a range (equal ends: a float).

    Raises
    ------
    ConfigError
        For NaN, infinities, a non-number or a range with ``lo > hi``.
    """
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ConfigError(f"budget range must be (lo, hi), got {value!r}")
        lo, hi = (_finite(v, "budget") for v in value)
        if lo > hi:
            raise ConfigError(f"budget range ({lo:g}, {hi:g}) has lo > hi")
        return lo if lo == hi else (lo, hi)
    return _finite(value, "budget")


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.floating):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return float(value)


def normalise_mandate(record: Any, put: Any) -> None:
    """Canonical forms of the bounds, budget and caps of ``record`` (``put(name, value)``)."""
    put("min_weight", normalise_bound(record.min_weight, "min_weight", 0.0))
    put("max_weight", normalise_bound(record.max_weight, "max_weight", 1.0))
    put("budget", normalise_budget(record.budget))
    for name in ("max_short", "max_long"):
        value = getattr(record, name)
        if value is not None:
            put(name, _finite(value, name))


def resolve_mandate(record: Any, tickers: Sequence[str]) -> Any:
    """``record`` with bounds given by ticker resolved to vectors in ``tickers``' order."""
    lo = resolve_bound(record.min_weight, tickers, "min_weight")
    hi = resolve_bound(record.max_weight, tickers, "max_weight")
    if lo == record.min_weight and hi == record.max_weight:
        return record
    named = {} if is_uniform(lo) and is_uniform(hi) else {"assets": tuple(tickers)}
    return replace(record, min_weight=lo, max_weight=hi, **named)  # names for the report


def is_classic(record: Any) -> bool:
    """Whether the set is the classic one: uniform bounds, ``sum(w) = 1``, no short/long cap."""
    return (
        is_uniform(record.min_weight)
        and is_uniform(record.max_weight)
        and record.budget == 1.0
        and record.max_short is None
        and record.max_long is None
    )


def budget_ends(record: Any) -> tuple[float, float]:
    """``(B_lo, B_hi)`` (equal for a fixed budget)."""
    return Budget(record.budget).ends


def lowest_bound(record: Any) -> float:
    """The smallest lower bound (negative: some asset may be short)."""
    lo = record.min_weight
    return float(min(lo)) if isinstance(lo, tuple) else float(lo)


def bounds_vectors(record: Any, n_assets: int) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` as (N,) float64 arrays."""
    return (
        bound_vector(record.min_weight, n_assets, "min_weight"),
        bound_vector(record.max_weight, n_assets, "max_weight"),
    )


def exposure_cap(record: Any) -> Leverage | None:
    """The exposure part when a cap can bind (some lower bound < 0), else None."""
    lev = record.max_leverage
    gross = None if lev is None or math.isinf(lev) else float(lev)
    if lowest_bound(record) >= 0 or (gross, record.max_short, record.max_long) == (None,) * 3:
        return None
    if isinstance(record.budget, tuple):
        raise ConfigError(
            "a budget range does not combine with max_leverage/max_short/max_long yet"
        )
    budget = float(record.budget)
    cap = effective_cap(budget, gross, record.max_short, record.max_long)
    return Leverage(cap, budget, record.max_short, record.max_long, gross)  # type: ignore[arg-type]


def mandate_dict(record: Any) -> dict[str, Any]:
    """The JSON form of the mandate fields (bounds as numbers, lists or mappings; the
    budget, ``max_short`` and ``max_long`` only when set)."""
    out: dict[str, Any] = {}
    for name in ("min_weight", "max_weight"):
        value = getattr(record, name)
        out[name] = value.to_dict() if isinstance(value, ByTicker) else value
        out[name] = list(value) if isinstance(value, tuple) else out[name]
    if record.budget != 1.0:
        out["budget"] = list(record.budget) if isinstance(record.budget, tuple) else record.budget
    for name in ("max_short", "max_long"):
        if getattr(record, name) is not None:
            out[name] = getattr(record, name)
    return out


def mandate_text(record: Any) -> list[str]:
    """The bounds and budget in words: ``["weights in [0, 0.2]", "fully invested"]``, with
    the range of per-asset bounds, the budget and its cash, and the exposure caps."""

    def text(value: Any) -> str:
        return f"{min(value):g}..{max(value):g}" if isinstance(value, tuple) else f"{value:g}"

    if is_uniform(record.min_weight) and is_uniform(record.max_weight):
        out = [f"weights in [{record.min_weight:g}, {record.max_weight:g}]"]
    else:
        out = [f"per-asset weights in [{text(record.min_weight)}, {text(record.max_weight)}]"]
    lo, hi = budget_ends(record)
    if (lo, hi) == (1.0, 1.0):
        out.append("fully invested")
    elif lo == hi:
        out.append(f"budget {lo:g} (cash {1 - lo:g})")
    else:
        out.append(f"budget {lo:g}..{hi:g} (the rest in cash)")
    for name in ("max_short", "max_long"):
        if getattr(record, name) is not None:
            out.append(f"{name.replace('_', ' ')} {getattr(record, name):g}")
    return out


def validate_mandate(record: Any, n_assets: int) -> None:
    """The checks of the mandate settings beyond the parts' own (one-line errors).

    Raises
    ------
    ConfigError
        For combinations not supported yet (per-asset bounds or a budget other than 1
        with trading terms or cardinality).
    InfeasibleConstraintError
        For exposure caps that no portfolio meets within the bounds.
    """
    if is_classic(record):
        return
    if record.cardinality is not None or has_trading(record):
        raise ConfigError(
            "max_assets/min_position and trading costs/turnover limits do not combine with "
            "per-asset bounds, a budget other than 1 or max_short/max_long yet"
        )
    for name in ("max_short", "max_long"):
        value = getattr(record, name)
        if value is not None and value < 0:
            raise InfeasibleConstraintError(f"{name} must be >= 0, got {value:g}")
    part = exposure_cap(record)
    if part is None:
        _check_long_only_caps(record)
        return
    part.validate(n_assets)
    lo, hi = bounds_vectors(record, n_assets)
    least = _least_gross(lo, hi, part.budget)
    if least > part.cap + 1e-12:
        raise InfeasibleConstraintError(
            f"the bounds force a gross exposure of at least {least:.4g} > the cap "
            f"{part.cap:g} (from max_leverage/max_short/max_long)"
        )


def _check_long_only_caps(record: Any) -> None:
    """Long-only, the gross and long exposures are the budget: a cap below it is empty."""
    b_lo = budget_ends(record)[0]
    for name in ("max_leverage", "max_long"):
        cap = getattr(record, name)
        if cap is not None and lowest_bound(record) >= 0 and cap < b_lo - 1e-12:
            raise InfeasibleConstraintError(
                f"{name} {cap:g} < the budget {b_lo:g}: a long-only book has exposure = budget"
            )


def _least_gross(lo: np.ndarray, hi: np.ndarray, budget: float) -> float:
    """The least ``sum|w|`` over ``{lo <= w <= hi, sum w = B}`` (greedy: move the weights
    closest to 0 first)."""
    w = np.clip(0.0, lo, hi)  # the point of the box nearest 0
    gap = budget - w.sum()
    room = (hi - w) if gap > 0 else (w - lo)
    # moving towards the budget adds |gap| of gross exposure at least (from the forced side)
    if abs(gap) > room.sum() + 1e-12:
        return math.inf
    return float(np.abs(w).sum() + abs(gap))
