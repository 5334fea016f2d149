"""The risk-budgeting solver: risk budgets by any convex, positively homogeneous measure.

Over variance or volatility the task runs as today's risk parity (the engine, same
answers). Over any other measure (``decomposes``: CVaR, ...) it is the convex solve of
:mod:`portfolio_sgd.objectives.budget_solve`, certified by its duality bound;
``converged`` means the gap is at most 1e-8 relative and the contributions by the
certifying subgradient are within 1e-5 of the budgets. Under weight constraints (or over
a path-dependent measure) it is the barrier solve over the measure's epigraph
(:mod:`portfolio_sgd.objectives.budget_mandate`), or, for a measure with a smooth form
(EVaR), Newton over that form (:mod:`portfolio_sgd.objectives.budget_smooth`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..errors import ConfigError
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..objectives.budget_cone import cone_rows
from ..objectives.budget_mandate import solve_mandate
from ..objectives.budget_smooth import solve_smooth_mandate
from ..objectives.budget_solve import BudgetSolution, solve_budgets
from ..objectives.risk_budget import normalised_budgets
from ..objectives.risk_budgeting import RiskBudgeting
from ..objectives.risk_parity import RESIDUAL_BAR
from ..results import OptimizationResult, Reports, RiskContributions
from .base import Solver, Task
from .plain import PlainSolver

__all__ = ["RiskBudgetingSolver"]

GAP_BAR = 1e-8
"""``converged`` needs the certified gap of ``F`` at most this, relative to ``max(|F|, 1)``."""


@dataclass(frozen=True)
class RiskBudgetingSolver:
    """Risk budgeting over the task's measure (see the module docstring)."""

    inner: Solver = PlainSolver()

    def solve(self, task: Task) -> OptimizationResult:
        """The budgeting weights with their contributions and certificate."""
        impl: RiskBudgeting = task.spec.impl  # type: ignore[assignment]
        dedicated = impl.dedicated_class()
        plain = impl.plain(task.constraints)
        if dedicated is not None and plain:
            spec = ObjectiveSpec(dedicated.name, budgets=task.spec.budgets)
            return self.inner.solve(task.variant(spec=spec))
        if task.scenario_weights is not None or task.half_life is not None:
            raise ConfigError(
                "risk budgeting over this measure takes equally weighted scenarios (no "
                "half_life, no prior with scenario probabilities)"
            )
        problem = task.prepared.problem
        returns = problem.returns.detach().cpu().to(torch.float64).numpy()
        budgets = normalised_budgets(task.spec.budgets, problem.n_assets)
        started = time.perf_counter()
        if plain:
            solution, total = solve_budgets(impl.risk, returns, budgets, task.spec.alpha), 1.0
        else:
            bound = task.constraints.bind(task.prepared.tickers)
            g, e, total = cone_rows(bound, problem.n_assets)
            measure = impl.risk if dedicated is None else get_measure("volatility")
            alpha = task.spec.alpha

            def rho(y: np.ndarray) -> float:
                return float(measure.numpy_value((returns @ y)[:, None], alpha)[0])

            smooth = impl.smooth_form(returns) if dedicated is None else None
            if smooth is not None:
                solution = solve_smooth_mandate(smooth, g, e, budgets)
            else:
                solution = solve_mandate(impl.epigraph(returns), rho, g, e, budgets)
        return _result(task, solution, budgets, time.perf_counter() - started, total, plain)


def _result(
    task: Task,
    solution: BudgetSolution,
    budgets: np.ndarray,
    seconds: float,
    total: float,
    plain: bool,
) -> OptimizationResult:
    """The :class:`OptimizationResult` of a convex budgeting solve (``total``: the budget;
    ``plain``: the smoothing solve, else the barrier solve under constraints)."""
    prepared, config = task.prepared, task.config
    tickers = prepared.tickers
    weights = pd.Series(total * solution.y / solution.y.sum(), index=tickers)
    gap = max(solution.value - solution.lower, 0.0)
    relative = gap / max(abs(solution.value), 1.0)
    residual = float(np.abs(solution.contributions - budgets).max()) if plain else 0.0
    index = prepared.index
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    if not np.isfinite(solution.lower):
        raise ConfigError("the budgeting solve found no positive subgradient: no certificate")
    return OptimizationResult(
        weights=weights,
        objective=task.spec.objective.value,
        objective_value=solution.value,
        history=pd.DataFrame(columns=["step", "samples", "batch_size", "batch_loss", "objective"]),
        steps=0,
        samples_seen=0,
        epochs=0.0,
        wall_time=seconds,
        lr=None,
        batch_size=int(config.batch_size),
        optimizer="l-bfgs (smoothing continuation)" if plain else "barrier (Newton, HiGHS start)",
        averaging="none",
        stop_reason="convex solve",
        device="cpu",
        dtype="float64",
        seed=config.seed,
        var_level=solution.var_level,
        n_scenarios=prepared.problem.n_rows,
        start=index[0].date().isoformat() if dated else None,
        end=index[-1].date().isoformat() if dated else None,
        spec=task.spec,
        constraints=task.constraints,
        config=config,
        optimality_gap=gap,
        relative_gap_bound=relative,
        converged=bool(relative <= GAP_BAR and residual <= RESIDUAL_BAR),
        certificate_method="duality: F(y) - D(g), g the smoothed measure's subgradient"
        if plain
        else "F(y) - (tangent LP or Lagrangian dual bound)",
        reports=Reports(RiskContributions(pd.Series(solution.contributions, index=tickers))),
    )
