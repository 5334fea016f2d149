"""The keyword settings of the entry points, declared once.

A setting keyword overrides one field of a settings record (:class:`ObjectiveSpec`,
:class:`Constraints`, :class:`EngineConfig`); ``None`` keeps the record's value
(:func:`portfolio_sgd.api.resolve_settings` applies them).

- :data:`SHORTHANDS`: the few keywords :func:`portfolio_sgd.optimize` takes (the settings
  changed most often), also those a sharded run forwards;
- :data:`ESTIMATOR_SETTINGS`: the estimators' setting parameters: the objective and
  constraint shorthands, and every :class:`EngineConfig` field, so a new engine field is
  an estimator parameter with no second declaration (:class:`SGDPortfolio`; the skfolio
  estimators take :data:`ENGINE_FIELDS`).

:func:`settings_signature` and :func:`settings_doc` turn a list of names into the
parameters and docstring lines of an ``__init__(..., **settings)``, from the records'
annotations and field help (:func:`portfolio_sgd.engine.config.setting`).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..constraints import Constraints
from ..errors import ConfigError
from ..objectives import ObjectiveSpec
from .config import EngineConfig

OBJECTIVE_SHORTHANDS = (
    *("risk_aversion", "alpha", "return_weight", "shrinkage", "risk_free_rate"),
    "measure",
)
CONSTRAINT_SHORTHANDS = ("min_weight", "max_weight", "max_assets", "min_position")
ENGINE_SHORTHANDS = ("batch_size", "steps", "lr", "seed", "device", "dtype")
SHORTHANDS = OBJECTIVE_SHORTHANDS + CONSTRAINT_SHORTHANDS + ENGINE_SHORTHANDS
"""The keyword shorthands of :func:`portfolio_sgd.optimize` (and of a sharded run)."""

RECORDS: tuple[type, ...] = (ObjectiveSpec, Constraints, EngineConfig)
"""The settings records, in the order a name is looked up."""


def field_names(record: type) -> tuple[str, ...]:
    """The field names of the dataclass ``record``, in order."""
    return tuple(f.name for f in dataclasses.fields(record))


ENGINE_FIELDS = field_names(EngineConfig)
"""Every engine field: the engine parameters of every estimator."""

ESTIMATOR_SETTINGS = OBJECTIVE_SHORTHANDS + CONSTRAINT_SHORTHANDS + ENGINE_FIELDS
"""The setting parameters of :class:`~portfolio_sgd.estimators.sgd_portfolio.SGDPortfolio`."""


def _lookup(name: str, records: Sequence[type]) -> tuple[type, dataclasses.Field, Any]:
    """The record declaring ``name``, its field and its resolved annotation."""
    for record in records:
        fields = {f.name: f for f in dataclasses.fields(record)}
        if name in fields:
            return record, fields[name], typing.get_type_hints(record)[name]
    raise ConfigError(f"unknown setting {name!r}")


def settings_signature(
    init: Callable[..., Any], names: Sequence[str], records: Sequence[type] = RECORDS
) -> inspect.Signature:
    """``init``'s signature with its ``**settings`` replaced by one keyword-only
    parameter per name (default None, annotated ``T | None`` from the record)."""
    signature = inspect.signature(init)
    kept = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_lookup(name, records)[2] | None,
        )
        for name in names
    ]
    return signature.replace(parameters=[*kept, *extra])


def settings_doc(names: Sequence[str], records: Sequence[type] = RECORDS, indent: int = 4) -> str:
    """NumPy-style ``Parameters`` entries of the setting keywords ``names``: each one's
    type and the help of the record field it overrides."""
    pad = " " * indent
    lines = []
    for name in names:
        record, field, annotation = _lookup(name, records)
        help_text = " ".join([field.metadata.get("help", ""), "Overrides"]).strip()
        types = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
        kind = " or ".join(getattr(a, "__name__", str(a)) for a in types)
        lines.append(f"{pad}{name} : {kind}, optional")
        lines.append(f"{pad}    {help_text} ``{record.__name__}.{name}``.")
    return "\n".join(lines) + "\n"


def check_settings(given: Mapping[str, Any], names: Sequence[str], owner: str) -> None:
    """Refuse a keyword that is not one of ``names``, as Python does for an unknown one.

    Raises
    ------
    TypeError
        For the first unknown keyword.
    """
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TypeError(f"{owner}() got an unexpected keyword argument {unknown[0]!r}")
