"""The objective registry: names (and aliases) to :class:`PortfolioObjective` classes.

Adding an objective means one new module with a :class:`PortfolioObjective` subclass,
its tests, and one line in :data:`OBJECTIVE_CLASSES`; the CLI choices, the
:class:`~portfolio_sgd.objectives.Objective` enum and the exact reference follow.
"""

from __future__ import annotations

from .base import PortfolioObjective
from .cvar import CVaR
from .kelly import Kelly
from .max_ratio import MaxRatio
from .max_return import MaxReturn
from .mean_variance import MeanVariance
from .min_risk import MinRisk
from .min_variance import MinVariance
from .risk_budgeting import RiskBudgeting
from .risk_parity import RiskParity
from .tracking import Tracking
from .utility import Utility

OBJECTIVE_CLASSES: tuple[type[PortfolioObjective], ...] = (
    MeanVariance,
    MinVariance,
    CVaR,
    Kelly,
    Tracking,
    RiskParity,
    MaxReturn,
    MinRisk,
    Utility,
    MaxRatio,
    RiskBudgeting,
)
"""Every registered objective, in the order the CLI lists them."""


def objective_names() -> list[str]:
    """The registered objective names."""
    return [cls.name for cls in OBJECTIVE_CLASSES]


def canonical_name(value: object) -> str | None:
    """The registered name for ``value`` (a name, an alias, or an enum member), else None.

    Case, underscores and spaces are normalised (``"Min_Variance"`` is ``min-variance``).
    """
    raw = getattr(value, "value", value)
    if not isinstance(raw, str):
        return None
    key = raw.strip().lower().replace("_", "-").replace(" ", "-")
    for cls in OBJECTIVE_CLASSES:
        if key == cls.name or key in cls.aliases:
            return cls.name
    return None


def objective_class(name: str) -> type[PortfolioObjective]:
    """The class registered under ``name`` (a canonical name).

    Raises
    ------
    KeyError
        For an unregistered name (callers parse names first).
    """
    for cls in OBJECTIVE_CLASSES:
        if cls.name == name:
            return cls
    raise KeyError(name)


def generalised_class(cls: type[PortfolioObjective]) -> type[PortfolioObjective] | None:
    """The registered class written over any measure that ``cls`` (one with its own measure)
    becomes when named with a measure: one with ``generalises_named`` implementing the same
    functions; None when there is none (or ``cls`` takes a measure itself)."""
    if cls.takes_measure or not cls.functions:
        return None
    for other in OBJECTIVE_CLASSES:
        if other.generalises_named and set(cls.functions) <= set(other.functions):
            return other
    return None


def needs_benchmark(value: object) -> bool:
    """Whether the objective named by ``value`` (a name, alias or enum member) needs
    benchmark returns (tracking); False for an unregistered name."""
    name = canonical_name(value)
    return name is not None and objective_class(name).needs_benchmark
