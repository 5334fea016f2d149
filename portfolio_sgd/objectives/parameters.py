"""The fields of an objective's parameters that the objective classes read.

:class:`~portfolio_sgd.objectives.spec.ObjectiveSpec` is built from the registry, which is
built from the objective classes; the classes type their ``spec`` with this structural
protocol instead, so no module of the package imports back up the chain.
"""

from __future__ import annotations

from typing import Any, Protocol


class SpecFields(Protocol):
    """What an objective reads from its :class:`~portfolio_sgd.objectives.ObjectiveSpec`.

    Attributes
    ----------
    objective : Any
        The registered :class:`~portfolio_sgd.objectives.Objective` member.
    risk_aversion, alpha, return_weight : float
    budgets : tuple of float or None
    shrinkage : str
    shrinkage_intensity, shrinkage_target : float or None
    impl : Any
        The objective instance for these parameters.
    """

    objective: Any
    risk_aversion: float
    alpha: float
    return_weight: float
    budgets: tuple[float, ...] | None
    shrinkage: str
    shrinkage_intensity: float | None
    shrinkage_target: float | None

    @property
    def impl(self) -> Any: ...
