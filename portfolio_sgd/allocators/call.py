"""How :func:`portfolio_sgd.optimize` hands an allocator's name to :func:`.run.allocate`.

``optimize(returns, "hrp", ...)`` (or an :class:`AllocatorSpec`) takes the shorthands
that mean something to an allocator (``min_weight``, ``max_weight``, ``alpha``, the
engine's settings for NCO's inner runs, a ``prior`` for HRP, HERC and inverse volatility) and refuses, in one line, the options that do
not apply (risk aversion, bootstrap, risk limits, cardinality, a benchmark, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..results import OptimizationResult
from ..solvers.settings import resolve_settings
from .registry import allocator_name
from .run import allocate
from .spec import AllocatorSpec

TAKEN = (
    "alpha",
    "min_weight",
    "max_weight",
    "batch_size",
    "steps",
    "lr",
    "seed",
    "device",
    "dtype",
    "prior",
)
"""The shorthands of ``optimize`` an allocator takes."""


def allocator_spec(
    objective: object, linkage: str | None = None, distance: str | None = None
) -> AllocatorSpec | None:
    """The :class:`AllocatorSpec` that ``objective`` names, or None for an objective.

    Parameters
    ----------
    objective : str, AllocatorSpec or anything else
        An allocator's name or alias, or a spec (returned with ``linkage`` and
        ``distance`` applied where given).
    linkage, distance : str, optional

    Raises
    ------
    ConfigError
        ``linkage`` or ``distance`` given with an objective that is not an allocator.
    """
    changes = {k: v for k, v in (("linkage", linkage), ("distance", distance)) if v is not None}
    if isinstance(objective, AllocatorSpec):
        return dataclasses.replace(objective, **changes)
    name = allocator_name(objective)
    if name is None:
        if changes:
            raise ConfigError(f"{sorted(changes)[0]} applies to hrp, herc and nco only")
        return None
    return AllocatorSpec(name, **changes)


def optimize_allocator(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    spec: AllocatorSpec,
    constraints: Constraints | None,
    config: EngineConfig | None,
    given: Mapping[str, Any],
) -> OptimizationResult:
    """:func:`.run.allocate` with ``optimize``'s keyword arguments ``given``.

    Parameters
    ----------
    given : mapping
        The keyword arguments of ``optimize`` other than the returns, objective,
        constraints, config, linkage and distance. Those set (not None, not False,
        not empty) must be in :data:`TAKEN`.

    Raises
    ------
    ConfigError
        For an option an allocator does not take (the first one, named).
    """
    refused = sorted(k for k, v in given.items() if k not in TAKEN and _set(v))
    if refused:
        raise ConfigError(f"{spec.name} is an allocator: it does not take {refused[0]}")
    if given.get("alpha") is not None:
        spec = dataclasses.replace(spec, alpha=float(given["alpha"]))
    shorthands = {k: v for k, v in given.items() if k in TAKEN and k not in ("alpha", "prior")}
    _, constraints, config = resolve_settings("min-variance", constraints, config, **shorthands)
    return allocate(returns, spec, constraints, config, given.get("prior"))


def _set(value: object) -> bool:
    """Whether an option was given (not None, False or an empty sequence)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, tuple | list) and len(value) == 0)
