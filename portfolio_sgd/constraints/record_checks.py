"""Checks and cached resolutions behind :class:`~.feasible_set.Constraints`: the linear
rows resolved against the tickers (once per set), their LP feasibility check, and the
trading settings' validation. Functions take the record, so the record stays small."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..errors import ConfigError, InfeasibleConstraintError
from .linear import LinearConstraints, resolve_linear
from .lp_feasibility import check_feasible
from .mandate import bounds_vectors, budget_ends, is_classic
from .trading.terms import PER_ASSET, vector


def matrix_width(c: Any) -> int | None:
    """N from the matrix forms (for unbound constraints given as matrices only)."""
    for a in (c.A_ub, c.A_eq):
        if a is not None and len(a):
            return len(a[0])
    return None


@functools.lru_cache(maxsize=64)
def check_linear_feasible(c: Any, n_assets: int) -> None:
    """The LP feasibility check of the linear rows (once per set and size: it passed)."""
    linear = c.linear_part(n_assets)
    if linear is not None:
        lo, hi = bounds_vectors(c, n_assets) if not is_classic(c) else (c.min_weight, c.max_weight)
        check_feasible(linear, lo, hi, c._cap(), budget_ends(c))


@functools.lru_cache(maxsize=64)
def resolved_linear(c: Any, tickers: tuple[str, ...]) -> LinearConstraints | None:
    """The numeric rows of ``c`` over ``tickers`` (cached: resolved once per run)."""
    return resolve_linear(
        list(tickers),
        c.groups,
        c.linear,
        (c.A_ub, c.b_ub, c.A_eq, c.b_eq),
        allow_absent_members=c.allow_absent_members,
    )


def vector_length(constraints: Any) -> int:
    """N from a per-asset vector setting (for ``parts`` without ``n_assets``)."""
    for name in PER_ASSET:
        value = getattr(constraints, name)
        if isinstance(value, tuple):
            return len(value)
    raise ConfigError("turnover limits need the previous weights as a vector (or the asset names)")


def validate_trading(constraints: Any, n_assets: int) -> None:
    """Check the trading settings for ``n_assets`` (one-line errors naming the problem)."""
    for name, default in (("transaction_costs", 0.0), ("market_impact", 0.0)):
        values = vector(getattr(constraints, name), n_assets, name, default)
        if (values < 0).any() or not np.isfinite(values).all():
            raise InfeasibleConstraintError(f"{name} must be finite and >= 0")
    p = vector(constraints.previous_weights, n_assets, "previous_weights", 0.0)
    if not np.isfinite(p).all():
        raise InfeasibleConstraintError("previous_weights contain NaN or inf")
    if constraints._cap() is not None:
        raise ConfigError("trading costs and turnover limits do not combine with a leverage cap")
    part = constraints.turnover_part(n_assets)
    if part is not None:
        part.validate(n_assets)
