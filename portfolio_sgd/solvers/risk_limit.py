"""The risk-limit solver: ``max_volatility`` / ``max_cvar`` by the Lagrangian search of
:mod:`portfolio_sgd.limits`, over an inner solver for the unconstrained optimum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..errors import DataError
from ..limits import RiskLimit, optimize_with_limit
from ..limits.solve import DEFAULT_POINTS, DEFAULT_ROUNDS
from ..objectives import ObjectiveSpec
from ..results import BatchResult, OptimizationResult
from .base import Solver, Task
from .batch import solve_batch
from .plain import PlainSolver


@dataclass(frozen=True)
class RiskLimitSolver:
    """The task's objective under ``limit``.

    Attributes
    ----------
    limit : RiskLimit
    inner : Solver
        Solves the unconstrained problem (the plain run, or the cardinality search:
        a binding limit with cardinality settings is refused by the search).
    points, max_rounds : int
        Multipliers per batched round and rounds at most (:mod:`portfolio_sgd.limits`).
    """

    limit: RiskLimit
    inner: Solver = PlainSolver()
    points: int = DEFAULT_POINTS
    max_rounds: int = DEFAULT_ROUNDS

    def solve(self, task: Task) -> OptimizationResult:
        """The limited optimum (its :class:`~portfolio_sgd.results.RiskLimitReport`)."""
        frame = _frame(task.returns)
        bound = task.constraints.bind([str(c) for c in frame.columns])
        runs = _TaskRuns(task.variant(constraints=bound), self.inner, frame)
        return optimize_with_limit(
            runs,
            task.spec,
            bound,
            task.config,
            self.limit,
            points=self.points,
            max_rounds=self.max_rounds,
        )


@dataclass(frozen=True)
class _TaskRuns:
    """The engine runs of a limit search (:class:`portfolio_sgd.limits.search.LimitRuns`)
    on one task's prepared data."""

    task: Task
    inner: Solver
    returns: pd.DataFrame
    """The task's returns (T, N) as a float64 frame."""

    def single(self, spec: ObjectiveSpec | None) -> OptimizationResult:
        """The inner solver on the task, under ``spec`` if given."""
        return self.inner.solve(self.task if spec is None else self.task.variant(spec=spec))

    def batch(
        self, spec: ObjectiveSpec, parameters: Sequence[float], init: np.ndarray
    ) -> BatchResult:
        """K uncertified runs of ``spec`` at ``parameters``, warm-started at ``init``."""
        prepared = self.task.variant(spec=spec).prepared
        return solve_batch(
            prepared,
            self.task.config,
            risk_aversions=list(parameters),
            init_weights=init,
            certify_runs=False,
        )


def _frame(returns: object) -> pd.DataFrame:
    """The returns as a float64 DataFrame (tickers kept; an array gets asset_i names)."""
    if isinstance(returns, pd.DataFrame):
        return returns
    if isinstance(returns, torch.Tensor):
        returns = returns.detach().cpu().numpy()
    data = np.asarray(returns, dtype=np.float64)
    if data.ndim != 2:
        raise DataError(f"returns must be a (T, N) array, got shape {data.shape}")
    return pd.DataFrame(data, columns=[f"asset_{i}" for i in range(data.shape[1])])
