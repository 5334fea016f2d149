"""skfolio's per-asset ``min_weights`` / ``max_weights`` (arrays or dicts by asset) and a
``budget`` other than 1, as the mandate fields of :class:`~portfolio_sgd.constraints.
Constraints` (``min_weight``/``max_weight`` vectors, ``budget``, ``max_short``,
``max_long``).

Bounds that are one number for every asset with a budget of 1 keep the classic mapping of
:func:`.mapping.constraints_from` (so its answers do not move); everything else comes here.
A dict's missing assets take skfolio's defaults (0 for ``min_weights``, 1 for
``max_weights``); an asset name that is not a column of ``X`` is an error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..constraints import Constraints
from ..errors import ConfigError

__all__ = ["mandate_constraints", "per_asset"]


def per_asset(
    value: Any, name: str, n_assets: int, names: Sequence[str] | None, fill: float
) -> float | tuple[float, ...]:
    """A bound as one float, or a tuple (N,) in the order of ``names``."""
    if isinstance(value, Mapping):
        if names is None:
            raise ConfigError(f"{name} as a dict needs the fitted asset names: X has none")
        unknown = sorted(str(k) for k in value if str(k) not in set(names))
        if unknown:
            raise ConfigError(f"{name}: unknown assets {', '.join(unknown[:5])}")
        given = {str(k): float(v) for k, v in value.items()}
        values = np.array([given.get(str(a), fill) for a in names], dtype=float)
    else:
        values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
        if values.size not in (1, n_assets):
            raise ConfigError(f"{name} has {values.size} values for {n_assets} assets")
    if not np.all(np.isfinite(values)):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    if values.size == 1 or np.ptp(values) == 0:
        return float(values[0])
    return tuple(float(v) for v in values)


def mandate_constraints(
    params: Mapping[str, Any], n_assets: int, names: Sequence[str] | None
) -> Constraints | None:
    """The Constraints of per-asset bounds or a budget other than 1, else None (classic).

    Raises
    ------
    ConfigError
        For ``budget=None``, ``min_weights=None``, a dict without asset names, unknown
        asset names, non-finite bounds.
    """
    budget = params.get("budget")
    if budget is None:
        raise ConfigError("budget=None is not supported; give a number (1: fully invested)")
    if params.get("min_weights") is None:
        return None  # the classic mapping's one-line error
    lo = per_asset(params["min_weights"], "min_weights", n_assets, names, 0.0)
    raw_hi = params.get("max_weights")
    hi = 1.0 if raw_hi is None else per_asset(raw_hi, "max_weights", n_assets, names, 1.0)
    uniform = isinstance(lo, float) and isinstance(hi, float)
    if uniform and float(budget) == 1.0:
        return None
    lowest = min(lo) if isinstance(lo, tuple) else lo
    short, long_ = params.get("max_short"), params.get("max_long")
    return Constraints(
        min_weight=lo,
        max_weight=hi,
        long_short=lowest < 0,
        budget=float(budget),
        max_short=None if short is None else float(short),
        max_long=None if long_ is None else float(long_),
    )
