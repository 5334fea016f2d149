"""Per-asset weight bounds as mandates state them: a number, a vector or a mapping by ticker.

``Constraints(min_weight=..., max_weight=...)`` accepts, for each bound,

- a number (every asset);
- a vector (N,) in the order of the returns' columns (a list, array or unnamed values);
- a mapping ticker -> bound (a dict or a pandas Series indexed by ticker). Tickers not
  listed take the default (0 for ``min_weight``, 1 for ``max_weight``), or the value of
  the key ``"*"`` when the mapping has one. A ticker that is not a column of the returns
  is an error naming it.

:func:`normalise_bound` stores the value in a hashable canonical form (a float, a tuple of
floats, or :class:`ByTicker`); :meth:`Constraints.bind` resolves mappings against the
tickers; :func:`bound_vector` gives the (N,) numbers. A vector whose entries are all
equal is stored as one float (the same set, and the scalar kernels stay in use).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError

__all__ = ["ByTicker", "bound_vector", "is_uniform", "normalise_bound", "resolve_bound"]

DEFAULT_KEY = "*"
"""The key of a mapping that sets the bound of the tickers it does not list."""


@dataclass(frozen=True)
class ByTicker:
    """A per-asset bound given by ticker, not yet resolved against the returns' columns.

    Attributes
    ----------
    items : tuple of (str, float)
        The listed tickers and their bounds, sorted by ticker.
    default : float
        The bound of every ticker not listed.
    """

    items: tuple[tuple[str, float], ...]
    default: float

    def resolve(self, tickers: Sequence[str], name: str) -> tuple[float, ...]:
        """The bounds in the order of ``tickers`` (N,).

        Raises
        ------
        DataError
            For listed tickers that are not among ``tickers`` (named).
        """
        known = set(tickers)
        unknown = [t for t, _ in self.items if t not in known]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise DataError(f"{name}: unknown ticker(s) not in the returns: {shown}")
        given = dict(self.items)
        return tuple(float(given.get(t, self.default)) for t in tickers)

    def to_dict(self) -> dict[str, float]:
        """The mapping form (with ``"*"`` for a non-default default)."""
        return {**dict(self.items), DEFAULT_KEY: self.default}


Bound = float | tuple[float, ...] | ByTicker


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.floating):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    out = float(value)
    if math.isnan(out):
        raise ConfigError(f"{name} is NaN")
    return out


def _collapse(values: tuple[float, ...]) -> float | tuple[float, ...]:
    """One float for a vector whose entries are all equal."""
    return values[0] if len(set(values)) == 1 else values


def normalise_bound(value: Any, name: str, default: float) -> Bound:
    """``value`` in its canonical hashable form (a float, a tuple or :class:`ByTicker`).

    Raises
    ------
    ConfigError
        For None, NaN, a non-number, an empty or multi-dimensional vector.
    """
    if isinstance(value, ByTicker | float):
        return value  # a NaN or infinite number is refused by the bounds' check
    if value is None:
        raise ConfigError(f"{name} must be a number, a vector or a mapping ticker -> bound")
    if isinstance(value, pd.Series):
        value = {str(k): v for k, v in value.items()}
    if isinstance(value, Mapping):
        items = {str(k): _number(v, f"{name}[{k!r}]") for k, v in value.items()}
        fill = items.pop(DEFAULT_KEY, float(default))
        return ByTicker(tuple(sorted(items.items())), fill)
    if isinstance(value, numbers.Real | np.floating) and not isinstance(value, bool):
        return float(value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{name} must be a number, a vector or a mapping ticker -> bound"
        ) from None
    if arr.ndim == 0:
        return _number(float(arr), name)
    if arr.ndim != 1 or arr.size == 0:
        raise ConfigError(f"{name} must be one value per asset, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise ConfigError(f"{name} contains NaN")
    return _collapse(tuple(float(v) for v in arr.tolist()))


def resolve_bound(value: Bound, tickers: Sequence[str], name: str) -> float | tuple[float, ...]:
    """``value`` with a mapping by ticker resolved to a vector in ``tickers``' order."""
    if isinstance(value, ByTicker):
        return _collapse(value.resolve(tickers, name))
    return value


def is_uniform(value: Bound) -> bool:
    """Whether the bound is one number for every asset."""
    return isinstance(value, float)


def bound_vector(value: Bound, n_assets: int, name: str) -> np.ndarray:
    """The bound as an (N,) float64 array.

    Raises
    ------
    ConfigError
        For a mapping by ticker that was not resolved (no asset names) or a vector of the
        wrong length.
    """
    if isinstance(value, ByTicker):
        raise ConfigError(
            f"{name} is given by ticker: pass the returns as a DataFrame with those columns"
        )
    if isinstance(value, tuple):
        if len(value) != n_assets:
            raise ConfigError(f"{name} has {len(value)} values for {n_assets} assets")
        return np.asarray(value, dtype=np.float64)
    return np.full(n_assets, float(value))
