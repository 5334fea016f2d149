"""Objective functions over risk measures: ``compose(function, measure)``.

An objective function (min-risk, utility ``mean - g * risk``, max-return, risk budgeting,
tracking, log-utility) is written once over a measure; each registered objective class
declares the functions it implements (``functions``) and over which measure (``measure``),
so the registry composes them:

==============  ===========  ======================================================
function        measure      registered objective (today's name)
==============  ===========  ======================================================
min-risk        variance     min-variance
utility         variance     mean-variance, ``lam = 2 g``
min-risk        cvar         cvar, ``return_weight = 0``
utility         cvar         cvar, ``return_weight = 1 / g``
max-return      (none)       max-return (limits on any measure: :mod:`portfolio_sgd.limits`)
risk-budgeting  variance     risk-parity
risk-budgeting  any other    risk-budgeting (convex, positively homogeneous: a convex solve)
max-ratio       any          max-ratio, ``(mean - rf) / risk`` (default volatility: Sharpe)
tracking        (none)       tracking (the tracking error is its own loss)
log-utility     (none)       kelly: its own objective function, ``-E[log(1 + x)]``
==============  ===========  ======================================================
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..measures.registry import get_measure, normalise
from .base import PortfolioObjective
from .max_ratio import MaxRatio
from .min_risk import MinRisk
from .registry import OBJECTIVE_CLASSES
from .risk_budgeting import RiskBudgeting
from .spec import ObjectiveSpec
from .utility import Utility

__all__ = ["compose", "composed_class", "composed_measures"]


def composed_class(function: str, measure: object | None) -> type[PortfolioObjective]:
    """The registered class implementing ``function`` over ``measure`` (None: no measure).

    Raises
    ------
    ConfigError
        When no registered objective composes them (one line, with what does).
    """
    name = normalise(function)
    wanted = None if measure is None else get_measure(measure).name
    for cls in OBJECTIVE_CLASSES:
        if name in cls.functions and cls.measure == wanted:
            return cls
    generic = {
        "min-risk": MinRisk,
        "utility": Utility,
        "max-ratio": MaxRatio,
        "risk-budgeting": RiskBudgeting,
    }.get(name)
    if generic is not None and wanted is not None:
        return generic
    known = [str(cls.measure) for cls in OBJECTIVE_CLASSES if name in cls.functions]
    raise ConfigError(
        f"no objective composes {function!r} with measure {wanted!r}; it takes: "
        f"{', '.join(str(m) for m in known) or 'nothing'}"
    )


def compose(
    function: str, measure: object | None = None, risk_aversion: float = 1.0, **parameters: Any
) -> ObjectiveSpec:
    """The :class:`ObjectiveSpec` of ``function`` over ``measure``.

    Parameters
    ----------
    function : str
        ``"min-risk"``, ``"utility"``, ``"max-return"``, ``"risk-budgeting"``,
        ``"tracking"``, ``"log-utility"`` or ``"max-ratio"``.
    measure : str or RiskMeasure, optional
        A registered measure (or alias).
    risk_aversion : float
        ``g`` of utility ``mean - g * risk`` (> 0; utility only).
    **parameters
        Other spec fields (``alpha``, ``budgets``, ...).
    """
    cls = composed_class(function, measure)
    if normalise(function) == "utility" and not risk_aversion > 0:
        raise ConfigError(f"a utility needs a risk aversion > 0, got {risk_aversion}")
    if cls.takes_measure:
        given = {"risk_aversion": risk_aversion} if cls is Utility else {}
        named = None if measure is None else get_measure(measure).name
        return ObjectiveSpec(cls.name, measure=named, **given, **parameters)
    own = cls(ObjectiveSpec(cls.name)).composed_parameters(normalise(function), risk_aversion)
    return ObjectiveSpec(cls.name, **{**own, **parameters})


def composed_measures(function: str) -> list[str]:
    """The measures ``function`` composes with (registered names)."""
    name = normalise(function)
    return [cls.measure for cls in OBJECTIVE_CLASSES if name in cls.functions and cls.measure]
