"""How an objective composes: its objective functions, its measure, and what follows.

:class:`CompositionRecord` holds the class attributes by which the registry composes an
objective function with a measure (:mod:`.composition`) and by which limits, the frontier
and the exact references ask an objective what it is, instead of comparing its name.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

__all__ = ["CompositionRecord"]


class CompositionRecord:
    """The composition attributes of a :class:`~.base.PortfolioObjective`.

    Class attributes
    ----------------
    functions : tuple of str
        The objective functions it implements over ``measure`` (see :mod:`.composition`):
        ``"min-risk"``, ``"utility"``, ``"max-return"``, ``"risk-budgeting"``,
        ``"tracking"`` or ``"log-utility"``.
    measure : str or None
        The registered risk measure it is written over (None: none).
    takes_measure : bool
        Written over any measure, named by ``ObjectiveSpec.measure`` (:mod:`.measured`).
    frontier_measure : str or None
        The stated measure (the risk axis) of its efficient frontier over ``per_run_parameter``
        (None: it has none).
    parameter_raises_risk : bool
        The risk grows with ``per_run_parameter`` (a return weight), else it falls (a risk
        aversion).
    cardinality_by_milp, cardinality_by_enumeration : bool
        How the exact cardinality reference solves it (:mod:`portfolio_sgd.reference.cardinality`):
        a mixed-integer LP, or enumeration of supports (of :meth:`exact_quadratic` where
        it has one, else of the log-wealth oracle).
    maximises_return_only : bool
        The objective is ``-E[x]`` alone (max-return): a limit's capped finish applies.
    accepts_any_measure : bool
        Takes a measure that is not an expectation too (volatility: through the measure it
        is ``penalised_by``).
    generalises_named : bool
        An objective named with a measure it is not written over (``risk-parity`` with
        ``measure="cvar"``) becomes this one when it implements the same functions.
    budgets_by_solve : bool
        Risk budgeting over any measure (:mod:`portfolio_sgd.solvers.risk_budgeting`).
    solved_as_ratio : bool
        A ratio ``(mean - rf) / risk`` (max-ratio): solved by a sequence of utility runs
        (:mod:`portfolio_sgd.solvers.max_ratio`), never by one engine run.
    """

    cardinality_by_enumeration: ClassVar[bool] = False
    cardinality_by_milp: ClassVar[bool] = False
    frontier_measure: ClassVar[str | None] = None
    functions: ClassVar[tuple[str, ...]] = ()
    maximises_return_only: ClassVar[bool] = False
    measure: ClassVar[str | None] = None
    parameter_raises_risk: ClassVar[bool] = False
    takes_measure: ClassVar[bool] = False
    solved_as_ratio: ClassVar[bool] = False
    accepts_any_measure: ClassVar[bool] = False
    budgets_by_solve: ClassVar[bool] = False
    generalises_named: ClassVar[bool] = False

    def composed_parameters(self, function: str, risk_aversion: float) -> dict[str, float]:
        """The spec parameters of objective function ``function`` at utility risk aversion
        ``risk_aversion`` (``mean - risk_aversion * risk``); none by default."""
        return {}

    def exact_quadratic(
        self, returns: np.ndarray, risk_aversion: float, benchmark: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, float] | None:
        """``f(w) = 1/2 w'Hw - c'w + const`` as ``(H (N, N), c (N,), const)`` in float64 from
        returns (T, N), where ``f`` is quadratic; None (the default) otherwise."""
        return None
