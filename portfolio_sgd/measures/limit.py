"""The :class:`RiskLimit` record: which risk is capped, and at what level."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from .cvar import CVAR
from .registry import get_measure, limit_measures
from .volatility import VOLATILITY


@dataclass(frozen=True)
class RiskLimit:
    """A cap on the portfolio's risk: ``risk(w) <= level``.

    Parameters
    ----------
    measure : str
        A registered measure with a limit (see :func:`.registry.limit_measures`), in its
        stated units: ``"volatility"``: annualised volatility ``sqrt(252) * std`` of daily
        returns; ``"cvar"``: daily historical CVaR of the losses at the objective's
        ``alpha``. Stored as the measure's registered name.
    level : float
        The cap, finite and ``> 0`` (e.g. 0.15 for 15% annualised volatility, 0.02 for a
        2% daily CVaR).
    """

    measure: str
    level: float

    def __post_init__(self) -> None:
        names = [m.name for m in limit_measures()]
        try:
            measure = get_measure(self.measure)
        except ConfigError:
            measure = None
        if measure is None or not measure.limit_option:
            raise ConfigError(
                f"risk limit measure must be one of {', '.join(names)}, got {self.measure!r}"
            )
        object.__setattr__(self, "measure", measure.name)
        level = float(self.level)
        if not (math.isfinite(level) and level > 0):
            raise ConfigError(f"{self.option} must be a finite number > 0, got {self.level}")
        object.__setattr__(self, "level", level)

    @property
    def option(self) -> str:
        """The CLI option of this limit (for messages)."""
        return str(get_measure(self.measure).limit_option)

    @property
    def label(self) -> str:
        """How the measure is described in messages and tables."""
        return get_measure(self.measure).label

    def to_dict(self) -> dict[str, object]:
        """``{"measure", "level"}``."""
        return {"measure": self.measure, "level": self.level}


def risk_limit_from(
    max_volatility: float | None,
    max_cvar: float | None,
    limit: RiskLimit | tuple[str, float] | None = None,
) -> RiskLimit | None:
    """The one limit of the ``max_volatility`` / ``max_cvar`` shorthands or of ``limit``
    (a :class:`RiskLimit`, or ``(measure name, level)`` on any registered measure).

    Raises
    ------
    ConfigError
        When more than one is given (one risk limit at a time).
    """
    given = [v for v in (max_volatility, max_cvar, limit) if v is not None]
    if len(given) > 1:
        raise ConfigError(
            "give one risk limit at a time: max_volatility, max_cvar or limit "
            "(--max-volatility or --max-cvar)"
        )
    if max_volatility is not None:
        return RiskLimit(VOLATILITY.name, max_volatility)
    if max_cvar is not None:
        return RiskLimit(CVAR.name, max_cvar)
    if limit is None or isinstance(limit, RiskLimit):
        return limit
    try:
        measure, level = limit
    except (TypeError, ValueError):
        raise ConfigError(
            f"limit must be a RiskLimit or a (measure, level) pair, got {limit!r}"
        ) from None
    return RiskLimit(measure, level)
