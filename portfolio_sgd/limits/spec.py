"""The :class:`RiskLimit` record: which risk is capped, and at what level."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from ..objectives.lagrangian import CVAR, LIMIT_MEASURES, VOLATILITY


@dataclass(frozen=True)
class RiskLimit:
    """A cap on the portfolio's risk: ``risk(w) <= level``.

    Parameters
    ----------
    measure : {"volatility", "cvar"}
        ``"volatility"``: annualised volatility ``sqrt(252) * std`` of daily returns;
        ``"cvar"``: daily historical CVaR of the losses at the objective's ``alpha``.
    level : float
        The cap, finite and ``> 0`` (e.g. 0.15 for 15% annualised volatility, 0.02 for a
        2% daily CVaR).
    """

    measure: str
    level: float

    def __post_init__(self) -> None:
        if self.measure not in LIMIT_MEASURES:
            raise ConfigError(
                f"risk limit measure must be one of {', '.join(LIMIT_MEASURES)}, "
                f"got {self.measure!r}"
            )
        level = float(self.level)
        if not (math.isfinite(level) and level > 0):
            raise ConfigError(f"{self.option} must be a finite number > 0, got {self.level}")
        object.__setattr__(self, "level", level)

    @property
    def option(self) -> str:
        """The CLI option of this limit (for messages)."""
        return "--max-volatility" if self.measure == VOLATILITY else "--max-cvar"

    @property
    def label(self) -> str:
        """How the measure is described in messages and tables."""
        return "annualised volatility" if self.measure == VOLATILITY else "daily CVaR"

    def to_dict(self) -> dict[str, object]:
        """``{"measure", "level"}``."""
        return {"measure": self.measure, "level": self.level}


def risk_limit_from(max_volatility: float | None, max_cvar: float | None) -> RiskLimit | None:
    """The limit of the ``max_volatility`` / ``max_cvar`` shorthands (at most one).

    Raises
    ------
    ConfigError
        When both are given (one risk limit at a time).
    """
    if max_volatility is not None and max_cvar is not None:
        raise ConfigError("give one risk limit at a time: --max-volatility or --max-cvar")
    if max_volatility is not None:
        return RiskLimit(VOLATILITY, max_volatility)
    if max_cvar is not None:
        return RiskLimit(CVAR, max_cvar)
    return None
