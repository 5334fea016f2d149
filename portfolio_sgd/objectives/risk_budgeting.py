"""Risk budgeting over any measure: ``RC_i(w) = b_i`` for a convex, positively homogeneous
``rho`` (``--objective risk-budgeting --measure M``, ``decomposes``).

``risk-budgeting`` (and ``risk-parity``) named with a measure becomes this objective
(``generalises_named``); named without one it stays today's risk parity.

The weights are ``w = y / sum(y)`` for ``y* = argmin_{y > 0} rho(y) - sum_i b_i log y_i``.
Over variance (or its square root, volatility) this is today's :mod:`.risk_parity`, run by
the engine with the same answers (:meth:`RiskBudgeting.dedicated_class`). Over any other
measure it is one convex solve with a duality certificate (:mod:`.budget_solve`), run by
:class:`~portfolio_sgd.solvers.risk_budgeting.RiskBudgetingSolver`.

Under weight constraints (per-asset bounds, groups, linear rows, a budget) the
formulation is skfolio's ``RiskBudgeting``: ``min rho(y) - b.log y`` over the cone of the
constraints scaled by ``sum(y) / budget`` (:mod:`.budget_cone`), solved by the barrier
method over the measure's epigraph (:meth:`~RiskBudgeting.epigraph`, :mod:`.budget_mandate`);
a binding bound then keeps its asset's contribution off its budget. The drawdown measures
and the worst realisation (path dependent, but homogeneous: their drawdowns are
uncompounded, from a peak of at least 0) take that solve with or without constraints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.kernels.budget_lp import BudgetEpigraph, root_epigraph
from ..measures.registry import get_measure
from .base import Derivatives, PortfolioObjective
from .budget_solve import by_smoothing
from .parameters import SpecFields
from .risk_parity import RESIDUAL_BAR, RiskParity

__all__ = ["RiskBudgeting"]


class RiskBudgeting(PortfolioObjective):
    """Risk budgeting by ``spec.measure`` (default variance), budgets ``spec.budgets``.

    Attributes
    ----------
    risk : RiskMeasure
    """

    name = "measured-risk-budgeting"
    member = "MEASURED_RISK_BUDGETING"
    functions = ("risk-budgeting",)
    generalises_named = True
    takes_measure = True
    takes_budgets = True
    accepts_any_measure = True
    budgets_by_solve = True
    certificate_bar = RESIDUAL_BAR

    def __init__(self, spec: SpecFields) -> None:
        super().__init__(spec)
        self.risk: RiskMeasure = get_measure(getattr(spec, "measure", None) or "variance")
        self.measure = self.risk.name
        if self.dedicated_class() is None and not self.risk.budgetable:
            why = (
                "it has no LP form here (nor per-scenario losses, nor a smooth form)"
                if self.risk.decomposes
                else "it is not convex and positively homogeneous"
            )
            raise ConfigError(f"risk budgeting over {self.risk.name} is not supported: {why}")

    def dedicated_class(self) -> type[PortfolioObjective] | None:
        """The engine objective budgeting this measure (risk parity for variance and for
        its square root, volatility), or None (then a convex solve)."""
        return (
            RiskParity if RiskParity.measure in {self.risk.name, self.risk.penalised_by} else None
        )

    def check_constraints(self, constraints: Any) -> None:
        """Long-only, fully invested only (the refusal of risk parity)."""
        RiskParity.check_constraints(self, constraints)  # type: ignore[arg-type]

    def plain(self, constraints: Any) -> bool:
        """Whether the task is long-only, fully invested and unconstrained (then today's
        solves: risk parity, or the smoothing solve of a per-scenario measure)."""
        try:
            self.check_constraints(constraints)
        except ConfigError:
            return False
        return self.dedicated_class() is not None or by_smoothing(self.risk)

    def epigraph(self, returns: np.ndarray) -> BudgetEpigraph:
        """The epigraph the constrained solve runs over: the covariance's root over variance
        or volatility (skfolio's variance budgeting has the same weights), else the
        measure's own.

        Raises
        ------
        ConfigError
            When the measure has none (e.g. EVaR, the Ulcer index, the Gini mean difference).
        """
        if self.dedicated_class() is not None:
            return root_epigraph(returns)
        form = self.risk.budget_epigraph(returns, self.spec.alpha)
        if form is None:
            raise ConfigError(
                f"risk budgeting over {self.risk.name} with weight constraints is not "
                "supported: the measure has no LP form to solve it over"
            )
        return form

    def smooth_form(self, returns: np.ndarray) -> Any:
        """The measure as a smooth function of the weights (EVaR), solved by Newton
        (:mod:`.budget_smooth`) with or without weight constraints; None: it has none."""
        return self.risk.budget_smooth(returns, self.spec.alpha)

    def losses(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """Refused: budgeting over a general measure is a convex solve, not an engine run."""
        raise ConfigError("risk budgeting over this measure is solved by its convex solve")

    def derivatives(self, *args: Any, **kwargs: Any) -> Derivatives:
        """Refused, as :meth:`losses`."""
        raise ConfigError("risk budgeting over this measure is solved by its convex solve")

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """The measure's value (K,) of portfolio returns ``x`` (T, K)."""
        return self.risk.numpy_value(x, self.spec.alpha)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """Refused: the reference is ``min rho(y) - b.log y`` over ``y`` (see the tests)."""
        raise ConfigError("risk budgeting has no cvxpy form over w (its reference is over y > 0)")
