"""The measure registry: names and aliases to :class:`~.base.RiskMeasure` instances.

Nothing outside :mod:`portfolio_sgd.measures` compares measure names: limits, the frontier,
the exact reference and the CLI ask :func:`get_measure` for the record and read its
attributes. A new measure is one module with a :class:`~.base.RiskMeasure` subclass,
registered by :func:`register_measure`, or, from another package, through the entry-point
group :data:`ENTRY_POINT_GROUP` (``[project.entry-points."portfolio_sgd.measures"]``,
``toy = "my_package.toy:TOY"``), loaded on the first lookup.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from ..errors import ConfigError
from .average_drawdown import AVERAGE_DRAWDOWN
from .base import RiskMeasure
from .cdar import CDAR
from .cvar import CVAR
from .dispersion import DISPERSION_MEASURES
from .evar import EVAR
from .max_drawdown import MAX_DRAWDOWN
from .ulcer import ULCER_INDEX
from .variance import VARIANCE
from .volatility import VOLATILITY
from .worst_realization import WORST_REALIZATION

__all__ = [
    "ENTRY_POINT_GROUP",
    "get_measure",
    "limit_measures",
    "measure_names",
    "normalise",
    "register_measure",
]

ENTRY_POINT_GROUP = "portfolio_sgd.measures"
"""The entry-point group other packages register measures under."""

_MEASURES: dict[str, RiskMeasure] = {}
_loaded = [False]


def normalise(value: object) -> str:
    """A name as the registry keys it: lower case, ``-`` for ``_`` and spaces."""
    raw = getattr(value, "value", value)
    return str(raw).strip().lower().replace("_", "-").replace(" ", "-")


def register_measure(measure: RiskMeasure) -> RiskMeasure:
    """Register ``measure`` under its name and aliases (replacing a same-named one).

    Raises
    ------
    ConfigError
        When the measure has no name, or an alias names another registered measure.
    """
    if not isinstance(measure, RiskMeasure) or not measure.name:
        raise ConfigError(f"a measure must be a named RiskMeasure instance, got {measure!r}")
    for key in (measure.name, *measure.aliases):
        other = _MEASURES.get(normalise(key))
        if other is not None and other.name != measure.name:
            raise ConfigError(f"measure name {key!r} is taken by {other.name!r}")
    for key in (measure.name, *measure.aliases):
        _MEASURES[normalise(key)] = measure
    return measure


def _load_plugins() -> None:
    """Register the measures of the entry-point group, once."""
    if _loaded[0]:
        return
    _loaded[0] = True
    for point in entry_points(group=ENTRY_POINT_GROUP):
        register_measure(point.load())


def get_measure(value: object) -> RiskMeasure:
    """The registered measure for a name, an alias or a measure; else a one-line ConfigError."""
    if isinstance(value, RiskMeasure):
        return value
    _load_plugins()
    measure = _MEASURES.get(normalise(value))
    if measure is None:
        raise ConfigError(
            f"unknown risk measure {value!r}; choose one of: {', '.join(measure_names())}"
        )
    return measure


def measure_names() -> list[str]:
    """The registered measures' names, in registration order."""
    _load_plugins()
    return list(dict.fromkeys(m.name for m in _MEASURES.values()))


def limit_measures() -> list[RiskMeasure]:
    """The measures a limit may cap (those with a ``limit_option``)."""
    return [get_measure(name) for name in measure_names() if get_measure(name).limit_option]


for _builtin in (VARIANCE, VOLATILITY, CVAR, *DISPERSION_MEASURES):
    register_measure(_builtin)
for _builtin in (EVAR, WORST_REALIZATION, CDAR, MAX_DRAWDOWN, AVERAGE_DRAWDOWN, ULCER_INDEX):
    register_measure(_builtin)
