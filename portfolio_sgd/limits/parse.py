"""Several risk limits as the API and the CLI state them: ``{"cvar": 0.02}``, ``cvar=0.02``.

:func:`risk_limits_from` turns ``optimize(..., limits=...)`` (a mapping of measure names to
levels, or a sequence of :class:`RiskLimit` or ``(name, level)`` pairs) into a tuple of
:class:`RiskLimit`; :func:`parse_limit_option` reads one CLI ``--limit NAME=VALUE`` and
:func:`parse_limit_flag` one measure's own option (``--max-cdar 0.1``). Bad
input is one :class:`ConfigError` line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from ..errors import ConfigError
from ..measures.limit import RiskLimit
from ..measures.registry import limit_measures

__all__ = ["parse_limit_flag", "parse_limit_option", "risk_limits_from"]

NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
"""What a measure name looks like (anything else, e.g. ``cvar+volatility``, is refused)."""


def risk_limits_from(
    limits: Mapping[str, float] | Sequence[RiskLimit | tuple[str, float]] | None,
) -> tuple[RiskLimit, ...]:
    """The limits of ``optimize(..., limits=...)`` (empty for None).

    A measure given twice keeps its tightest level.

    Raises
    ------
    ConfigError
        An unknown measure, a measure without a limit, or a level that is not a finite
        number > 0 (one line).
    """
    if limits is None:
        return ()
    items = list(limits.items()) if isinstance(limits, Mapping) else list(limits)
    out: dict[str, RiskLimit] = {}
    for item in items:
        limit = item if isinstance(item, RiskLimit) else _pair(item)
        held = out.get(limit.measure)
        if held is None or limit.level < held.level:
            out[limit.measure] = limit
    return tuple(out.values())


def _pair(item: object) -> RiskLimit:
    try:
        name, level = item  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ConfigError(f"a limit is a (measure, level) pair, got {item!r}") from None
    if not isinstance(name, str) or not NAME.match(name.strip().lower()):
        raise ConfigError(f"a limit names one registered measure, got {name!r}")
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ConfigError(f"the level of limit {name!r} must be a number, got {level!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"the level of limit {name!r} must be a finite number > 0, got {level}")
    return RiskLimit(name.strip().lower(), value)


def parse_limit_option(text: str) -> RiskLimit:
    """One CLI ``--limit NAME=VALUE`` (e.g. ``cvar=0.02``) as a :class:`RiskLimit`.

    Raises
    ------
    ConfigError
        No ``=``, a name that is not a registered measure with a limit (or looks like an
        expression), or a value that is not a number (one line, naming the measures).
    """
    name, sep, value = str(text).partition("=")
    if not sep:
        raise ConfigError(f"--limit takes NAME=VALUE (e.g. cvar=0.02), got {text!r}")
    name = name.strip().lower()
    if not NAME.match(name):
        names = ", ".join(m.name for m in limit_measures())
        raise ConfigError(f"--limit {text!r}: {name!r} is not a measure name (one of {names})")
    try:
        return _pair((name, float(value)))
    except ValueError:
        raise ConfigError(f"--limit {text!r}: {value.strip()!r} is not a number") from None


def parse_limit_flag(text: str) -> RiskLimit:
    """One measure's own CLI limit option, passed as ``"--max-X=VALUE"`` (e.g.
    ``"--max-cdar=0.1"``), as a :class:`RiskLimit` on the measure whose ``limit_option``
    is ``--max-X``.

    Raises
    ------
    ConfigError
        No measure has that option, or the value is not a finite number > 0 (one line,
        naming the options there are).
    """
    option, _, value = str(text).partition("=")
    by_option = {m.limit_option: m.name for m in limit_measures()}
    name = by_option.get(option.strip().lower())
    if name is None:
        options = ", ".join(str(o) for o in by_option)
        raise ConfigError(f"no such option: {option} (the risk limit options are {options})")
    try:
        return _pair((name, float(value)))
    except ValueError:
        raise ConfigError(f"{option} {value.strip()!r}: not a number") from None
