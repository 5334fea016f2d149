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

import logging
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

logger = logging.getLogger("portfolio_sgd.objectives")


def composed_class(function: str, measure: object | None) -> type[PortfolioObjective]:
    """The registered class implementing ``function`` over ``measure`` (None: no measure).

    Raises
    ------
    ConfigError
        When no registered objective composes them (one line, with what does).
    """
    name = normalise(function)
    wanted = None if measure is None else _minimised_measure(name, get_measure(measure))
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


def _minimised_measure(function: str, measure: Any) -> str:
    """The measure min-risk minimises for ``measure``: itself, or, for a measure that is an
    increasing function of another (volatility of the variance, semi-deviation of the
    semi-variance: ``penalised_by``), that other one. The square root is increasing, so both
    have the same minimiser; the substitution is stated on the log, never silent."""
    if function != "min-risk" or measure.is_expectation or measure.penalised_by is None:
        return measure.name
    logger.info(
        "min-risk over %s is solved as min-risk over %s (the same weights: %s is an "
        "increasing function of it)",
        measure.name,
        measure.penalised_by,
        measure.name,
    )
    return get_measure(measure.penalised_by).name


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
    name = normalise(function)
    measure = None if measure is None else _minimised_measure(name, get_measure(measure))
    cls = composed_class(function, measure)
    if name == "utility" and not risk_aversion > 0:
        raise ConfigError(f"a utility needs a risk aversion > 0, got {risk_aversion}")
    if cls.takes_measure:
        given = {"risk_aversion": risk_aversion} if cls is Utility else {}
        return ObjectiveSpec(cls.name, measure=measure, **given, **parameters)
    own = cls(ObjectiveSpec(cls.name)).composed_parameters(normalise(function), risk_aversion)
    return ObjectiveSpec(cls.name, **{**own, **parameters})


def composed_measures(function: str) -> list[str]:
    """The measures ``function`` composes with (registered names)."""
    name = normalise(function)
    return [cls.measure for cls in OBJECTIVE_CLASSES if name in cls.functions and cls.measure]
