"""Several risk limits at once: ``optimize(..., limits={"cvar": 0.02, "volatility": 0.15})``.

The maximum return under every limit, solved exactly by
:func:`portfolio_sgd.limits.several.max_return_under_limits` (the tail LP rows, the
volatility critical lines and cutting planes); one limit goes to
:class:`~.risk_limit.RiskLimitSolver` instead, except a max-return limit that only the
outer approximation solves exactly (EVaR, Ulcer, Gini: :func:`outer_applies`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..certificate import accuracy_bar
from ..certificate.api import RELATIVE_FLOOR
from ..errors import ConfigError
from ..limits import RiskLimit
from ..limits.limit_term import exact_pieces
from ..limits.several import SeveralAnswer, max_return_under_limits, takes_outer
from ..measures.registry import get_measure
from ..results import OptimizationResult, RiskLimitReport
from .base import Solver, Task
from .plain import PlainSolver
from .risk_limit import _frame


def outer_applies(task: Task, limit: RiskLimit) -> bool:
    """Whether one ``limit`` on a max-return task goes here (the outer approximation): a
    measure with neither a tail LP, a variance form nor exact LP pieces (EVaR, Ulcer,
    Gini, semi-variance), without cardinality settings."""
    if not task.spec.impl.maximises_return_only or task.constraints.is_combinatorial:
        return False
    return takes_outer((limit,)) and not exact_pieces(limit.measure)


@dataclass(frozen=True)
class SeveralLimitsSolver:
    """Max-return under ``limits`` (two or more, or one that :func:`outer_applies` to).

    Attributes
    ----------
    limits : tuple of RiskLimit
    inner : Solver
        Solves the unconstrained problem (the result's record: data, settings).
    """

    limits: tuple[RiskLimit, ...]
    inner: Solver = PlainSolver()

    def solve(self, task: Task) -> OptimizationResult:
        """The exact answer under every limit, with its proven gap."""
        if not task.spec.impl.maximises_return_only:
            raise ConfigError(
                f"several limits at once take objective 'max-return', got {task.spec.impl.name!r}"
            )
        if task.constraints.is_combinatorial:
            raise ConfigError("several limits at once do not combine with max_assets/min_position")
        frame = _frame(task.returns)
        r = frame.to_numpy(dtype=np.float64)
        feasible = task.constraints.bind([str(c) for c in frame.columns]).linear_oracle(r.shape[1])
        unc = self.inner.solve(task)
        answer = max_return_under_limits(r, feasible, self.limits, task.spec.alpha)
        f = float(task.spec.impl.numpy_value(r @ answer.weights[:, None])[0])
        gap = max(f - answer.bound, 0.0)
        scale = max(abs(f), RELATIVE_FLOOR * float(np.abs(r @ answer.weights).mean()), 1e-300)
        stated = ", ".join(
            f"{lim.measure} {risk:.6g} <= {lim.level:g}"
            for lim, risk in zip(self.limits, answer.risks, strict=True)
        )
        converged = bool(gap / scale <= accuracy_bar(task.spec))
        own = [_one_limit_report(self.limits, answer, r, unc, task.spec.alpha, converged)]
        return unc.with_reports(
            *[report for report in own if report is not None],
            weights=pd.Series(answer.weights, index=unc.weights.index),
            objective_value=f,
            history=unc.history.iloc[0:0],
            stop_reason=f"risk limits: {stated}",
            optimality_gap=gap,
            relative_gap_bound=gap / scale,
            converged=converged,
            certificate_method=_method(self.limits, answer.rounds),
        )


def _one_limit_report(
    limits: tuple[RiskLimit, ...],
    answer: SeveralAnswer,
    r: np.ndarray,
    unconstrained: OptimizationResult,
    alpha: float,
    converged: bool,
) -> RiskLimitReport | None:
    """A single limit's :class:`RiskLimitReport` (None for several): whether it binds (the
    unconstrained optimum's risk, ``r`` (T, N), exceeds it), the answer's risk and slack and
    the master's lower bound. The outer approximation has no Lagrangian search, so no
    multiplier, penalty or bracket (NaN / None)."""
    if len(limits) != 1:
        return None
    limit, measure = limits[0], get_measure(limits[0].measure)
    w0 = unconstrained.weights.to_numpy(dtype=np.float64)
    free_risk = float(measure.stated_value((r @ w0)[:, None], alpha)[0])
    return RiskLimitReport(
        measure=limit.measure,
        limit=limit.level,
        alpha=alpha if measure.uses_alpha else None,
        risk=answer.risks[0],
        slack=limit.level - answer.risks[0],
        binds=free_risk > limit.level,
        multiplier=float("nan"),
        penalty=None,
        penalty_name="",
        bracket=(float("nan"), float("nan")),
        lower_bound=answer.bound,
        minimum_risk=None,
        rounds=answer.rounds,
        runs=0,
        stop_reason="certified" if converged else "max rounds",
    )


def _method(limits: tuple[RiskLimit, ...], rounds: int) -> str:
    """The certificate's method line."""
    if takes_outer(limits):
        return (
            "outer approximation: master LP upper bound (LP rows and cutting planes) "
            f"against a point within every limit, {rounds} LPs"
        )
    return (
        "relaxation bound of the several-limit problem (tail LP rows, volatility "
        f"critical lines, {rounds} rounds of cuts)"
    )
