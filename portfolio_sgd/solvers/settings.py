"""Typed settings of a call: (spec, constraints, config) with shorthands applied.

The one place where a flat set of options (keyword shorthands of
:func:`portfolio_sgd.optimize`, a benchmark task file, a parsed spec string) becomes the
three frozen records a solver runs on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..objectives import Objective, ObjectiveSpec
from ..objectives.composition import compose

ObjectiveLike = str | Objective | ObjectiveSpec


def resolve_settings(
    objective: ObjectiveLike = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    **shorthands: Any,
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """The typed (spec, constraints, config) of a call, shorthands applied.

    Parameters
    ----------
    objective : str, Objective or ObjectiveSpec
    constraints : Constraints, optional
    config : EngineConfig, optional
    **shorthands
        Fields of :class:`ObjectiveSpec`, :class:`Constraints` or :class:`EngineConfig`;
        each one whose value is not None overrides that field.

    Raises
    ------
    ConfigError
        For an unknown setting or an invalid value.
    """
    given = {k: v for k, v in shorthands.items() if v is not None}
    spec = _spec(objective, given)
    return _apply(
        spec,
        constraints if constraints is not None else Constraints(),
        config if config is not None else EngineConfig(),
        given,
    )


def _spec(objective: ObjectiveLike, given: dict[str, Any]) -> ObjectiveSpec:
    """The objective's spec. With a ``measure`` shorthand, a name is an objective function
    composed with that measure (:func:`~portfolio_sgd.objectives.composition.compose`:
    ``"min-risk"`` over ``"cvar"`` is today's ``cvar``; a utility's ``risk_aversion`` is its
    ``g`` in ``mean - g * risk``), and ``given`` loses the two keys. A name no function
    composes with the measure is a spec over it, which refuses it in one line if it is not
    written over a measure."""
    if isinstance(objective, ObjectiveSpec):
        return objective
    if given.get("measure") is None:
        return ObjectiveSpec(objective)
    measure = given.pop("measure")
    name = str(getattr(objective, "value", objective))
    try:
        spec = compose(name, measure, given.get("risk_aversion", 1.0))
    except ConfigError:  # a registered name over a measure (risk-budgeting): the spec checks
        return ObjectiveSpec(objective, measure=measure)
    given.pop("risk_aversion", None)
    return spec


def settings_from_options(
    options: Mapping[str, Any],
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """Typed settings from a flat mapping (a benchmark task file, a parsed spec string).

    ``objective`` names the objective; every other key is a field of
    :class:`ObjectiveSpec`, :class:`Constraints` or :class:`EngineConfig` (a None value
    is applied as given, e.g. ``tol=None`` switches the tolerance test off).
    """
    opts = dict(options)
    spec = ObjectiveSpec(opts.pop("objective", "mean-variance"))
    return _apply(spec, Constraints(), EngineConfig(), opts)


def _apply(
    spec: ObjectiveSpec, constraints: Constraints, config: EngineConfig, changes: dict[str, Any]
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """``dataclasses.replace`` each record with the changes naming its fields."""
    records: list[Any] = [spec, constraints, config]
    known = [{f.name for f in dataclasses.fields(r)} for r in records]
    unknown = sorted(set(changes) - set().union(*known))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}")
    for i, names in enumerate(known):
        mine = {k: v for k, v in changes.items() if k in names}
        if mine:
            records[i] = dataclasses.replace(records[i], **mine)
    return records[0], records[1], records[2]
