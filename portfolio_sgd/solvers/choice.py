"""Which solver a call of :func:`portfolio_sgd.optimize` needs, from its options.

- ``distributed`` (or a torchrun launch): :class:`~.sharded.ShardedSolver`;
- ``max_volatility`` / ``max_cvar`` / ``limit``: :class:`~.risk_limit.RiskLimitSolver` over the
  solver of the constraints;
- ``max_assets`` / ``min_position``: :class:`~.cardinality.CardinalitySolver`;
- ``bootstrap`` / ``resample``: :class:`~.bootstrap.BootstrapSolver` over a plain run;
- a ratio objective (max-ratio): :class:`~.max_ratio.MaxRatioSolver`;
- risk budgeting over any measure: :class:`~.risk_budgeting.RiskBudgetingSolver`;
- otherwise :class:`~.plain.PlainSolver`.

Options a solver does not combine with are refused here, in one line, before any data
is read.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..limits import RiskLimit, risk_limit_from
from ..limits.parse import risk_limits_from
from .base import Solver, Task
from .bootstrap import BootstrapSolver
from .cardinality import CardinalitySolver
from .max_ratio import MaxRatioSolver
from .plain import PlainSolver
from .risk_budgeting import RiskBudgetingSolver
from .risk_limit import RiskLimitSolver
from .several_limits import SeveralLimitsSolver, outer_applies
from .sharded import ShardedSolver, sharded_wanted

SOLVER_OPTIONS = (
    "bootstrap",
    "block_length",
    "resample",
    "max_volatility",
    "max_cvar",
    "limit",
    "limits",
    "distributed",
)
"""The options of :func:`portfolio_sgd.optimize` that choose its solver."""


def choose_solver(
    task: Task,
    *,
    bootstrap: int | None = None,
    block_length: float | None = None,
    resample: bool = False,
    max_volatility: float | None = None,
    max_cvar: float | None = None,
    limit: RiskLimit | tuple[str, float] | None = None,
    distributed: bool | None = None,
    limits: Any = None,
) -> Solver:
    """The solver of ``task`` under these options (see the module docstring).

    Raises
    ------
    ConfigError
        For options that do not combine (named in the message).
    """
    resampling = bootstrap is not None or resample
    if sharded_wanted(distributed):
        _refuse_sharded(
            task, bootstrap, block_length, resample, (max_volatility, max_cvar, limit, limits)
        )
        return ShardedSolver()
    inner: Solver = CardinalitySolver() if task.constraints.is_combinatorial else PlainSolver()
    several = risk_limits_from(limits)
    named = risk_limit_from(max_volatility, max_cvar, limit)
    limited = bool(several) or named is not None
    if task.spec.objective.objective_class.solved_as_ratio:
        _refuse_ratio(task, limited or resampling)
        return MaxRatioSolver()
    if task.spec.objective.objective_class.budgets_by_solve:
        _refuse_ratio(task, limited or resampling, "risk budgeting")
        return RiskBudgetingSolver()
    if len(several) > 1 or (several and named is not None):
        _refuse_extras(task, bootstrap, resample, "several limits")
        return SeveralLimitsSolver(risk_limits_from([*several, *([named] if named else [])]))
    chosen = several[0] if several else named
    if chosen is not None and outer_applies(task, chosen):  # EVaR, Ulcer, Gini: cuts
        _refuse_extras(task, bootstrap, resample, f"a risk limit ({chosen.option})")
        return SeveralLimitsSolver((chosen,))
    if chosen is not None:
        _refuse_extras(task, bootstrap, resample, f"a risk limit ({chosen.option})")
        return RiskLimitSolver(chosen, inner)
    if isinstance(inner, CardinalitySolver) and task.scenario_weights is not None:
        raise ConfigError("max_assets/min_position cannot be combined with scenario probabilities")
    if isinstance(inner, CardinalitySolver) and (resampling or task.half_life is not None):
        raise ConfigError(
            "max_assets/min_position cannot be combined with bootstrap, resample, "
            "half_life or callbacks"
        )
    if resampling:
        return BootstrapSolver(inner, bootstrap, block_length, resample)
    return inner


def _refuse_extras(task: Task, bootstrap: int | None, resample: bool, what: str) -> None:
    """A one-line error when ``what`` (risk limits) meets an option it does not take."""
    extras = {
        "benchmark": task.benchmark is not None,
        "init_weights": task.init_weights is not None,
        "callbacks": bool(task.callbacks),
        "bootstrap": bootstrap is not None,
        "resample": resample,
        "half_life": task.half_life is not None,
        "a prior's scenario probabilities": task.scenario_weights is not None,
    }
    for name, given in extras.items():
        if given:
            raise ConfigError(f"{what} does not combine with {name}")


def _refuse_sharded(
    task: Task,
    bootstrap: int | None,
    block_length: float | None,
    resample: bool,
    limits: tuple[object, ...],
) -> None:
    """Refuse what a sharded run does not take (the first such option, in one line)."""
    given = [
        name
        for name, value in (
            ("bootstrap", bootstrap),
            ("block_length", block_length),
            ("half_life", task.half_life),
            ("a prior's scenario probabilities", task.scenario_weights),
        )
        if value is not None
    ] + (["resample"] if resample else [])
    if given:
        raise ConfigError(f"{given[0]} cannot run sharded; use --split runs for bootstrap")
    if any(v is not None for v in limits) or task.constraints.is_combinatorial:
        raise ConfigError(
            "a sharded run takes neither risk limits (max_volatility, max_cvar, limit) nor "
            "max_assets/min_position"
        )


def _refuse_ratio(task: Task, other_solver: bool, what: str = "max-ratio") -> None:
    """Refuse what max-ratio (or risk budgeting) does not combine with (one line)."""
    if other_solver or task.constraints.is_combinatorial or task.half_life is not None:
        raise ConfigError(
            f"{what} does not combine with risk limits, bootstrap/resample, half_life or "
            "max_assets/min_position"
        )
    if task.scenario_weights is not None:
        raise ConfigError(f"{what} does not combine with a prior's scenario probabilities")
