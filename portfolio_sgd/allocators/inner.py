"""One optimisation of a sub-problem (NCO's clusters, maximum diversification), certified.

Any registered objective over any measure (a name, or an
:class:`~portfolio_sgd.objectives.ObjectiveSpec` such as
``ObjectiveSpec("min-risk", measure="cvar")``) is solved by the plain solver: one engine
run with its exact finish and its certificate, long-only and fully invested unless
constraints are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..objectives import ObjectiveSpec
from ..results import OptimizationResult
from ..solvers.base import Task
from ..solvers.plain import PlainSolver
from ..solvers.settings import ObjectiveLike, resolve_settings


def solve_subproblem(
    returns: pd.DataFrame,
    objective: ObjectiveLike,
    config: EngineConfig,
    constraints: Constraints | None = None,
) -> OptimizationResult:
    """The certified optimum of ``objective`` on ``returns`` (T, n).

    Parameters
    ----------
    returns : DataFrame, shape (T, n)
    objective : str or ObjectiveSpec
    config : EngineConfig
    constraints : Constraints, optional
        Default: long-only, fully invested.
    """
    spec, cons, cfg = resolve_settings(objective, constraints, config)
    return PlainSolver().solve(Task(returns, spec, cons, cfg))


def subproblem_weights(
    returns: pd.DataFrame,
    objective: ObjectiveLike,
    config: EngineConfig,
    constraints: Constraints | None = None,
) -> np.ndarray:
    """The weights (n,) of :func:`solve_subproblem`, in the columns' order."""
    result = solve_subproblem(returns, objective, config, constraints)
    return result.weights.reindex(returns.columns).to_numpy(dtype=np.float64)


def as_spec(objective: ObjectiveLike) -> ObjectiveSpec:
    """``objective`` as an :class:`ObjectiveSpec` (a name is parsed)."""
    return objective if isinstance(objective, ObjectiveSpec) else ObjectiveSpec(objective)
