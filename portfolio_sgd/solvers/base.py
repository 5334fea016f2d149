"""The :class:`Solver` protocol and the :class:`Task` every solver is given.

A *task* is one optimisation request with its settings resolved: the returns as given,
the typed (spec, constraints, config), and the per-call inputs (benchmark, warm start,
callbacks, recency half-life). Its data is prepared for the device once, on first use
(:attr:`Task.prepared`, :func:`portfolio_sgd.engine.prepare.prepare_data`), and every
solver working on the task, or on a variant of it (:meth:`Task.with_spec`), shares that
one preparation: the data flows down, never back up through the API.

A *solver* turns a task into an :class:`~portfolio_sgd.results.OptimizationResult`.
Solvers compose through this protocol (a risk limit over the cardinality search, error
bars over a plain run); none of them imports :mod:`portfolio_sgd.api`, which only
chooses one (:func:`portfolio_sgd.solvers.choice.choose_solver`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..constraints import Constraints
from ..engine import Callback
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData, init_array, prepare_data
from ..objectives import ObjectiveSpec
from ..objectives.shrinkage import resolve_shrinkage
from ..results import OptimizationResult
from .recency import check_effective_rows, recency_weights


@dataclass(frozen=True)
class Task:
    """One optimisation request, settings resolved.

    Attributes
    ----------
    returns : DataFrame, ndarray, Tensor or path, shape (T, N)
        The returns as the caller gave them (a path only for sharded runs).
    spec : ObjectiveSpec
    constraints : Constraints
    config : EngineConfig
    benchmark : Series or ndarray, shape (T,), optional
        Tracking's benchmark.
    init_weights : array-like, shape (N,), optional
        Warm start.
    callbacks : sequence of callables
        Called after each evaluation of the engine.
    half_life : float, optional
        Recency weighting ``2^(-(T-1-t)/half_life)`` of the rows.
    scenario_weights : ndarray, shape (T,), optional
        Row weights with mean 1 from a prior's scenario probabilities (entropy pooling);
        multiplied with the recency weights where both are given.
    """

    returns: Any
    spec: ObjectiveSpec
    constraints: Constraints
    config: EngineConfig
    benchmark: Any = None
    init_weights: Any = None
    callbacks: Sequence[Callback] = ()
    half_life: float | None = None
    scenario_weights: Any = None

    @functools.cached_property
    def prepared(self) -> PreparedData:
        """The data on the device (prepared once per task and its variants)."""
        return prepare_data(self.returns, self.spec, self.constraints, self.config, self.benchmark)

    @functools.cached_property
    def init(self) -> np.ndarray | None:
        """The warm start (N,) in the order of the prepared tickers, or None."""
        return init_array(self.init_weights, self.prepared.tickers)

    @functools.cached_property
    def row_weights(self) -> np.ndarray | None:
        """Recency and scenario row weights (T,) with mean 1 (checked for enough
        effective rows)."""
        n_rows = self.prepared.problem.n_rows
        weights = None if self.half_life is None else recency_weights(n_rows, self.half_life)
        if self.scenario_weights is not None:
            given = np.asarray(self.scenario_weights, dtype=np.float64)
            weights = given if weights is None else given * weights
            weights = weights * (n_rows / weights.sum())
        if weights is not None:
            check_effective_rows(weights, self.half_life)
        return weights

    def variant(self, **changes: Any) -> Task:
        """The task with ``changes`` to its settings, sharing this task's prepared data.

        Parameters
        ----------
        **changes
            Fields of :class:`Task` other than ``returns``, ``benchmark`` and ``config``
            (those change the data on the device). A new ``spec`` is applied to the
            prepared problem (its shrinkage resolved on the same data).
        """
        moved = {"returns", "benchmark", "config"} & set(changes)
        if moved:
            raise ValueError(f"a variant shares the data; it cannot change {sorted(moved)}")
        prepared = self.prepared  # prepared here once, if not yet
        if "spec" in changes:
            problem = prepared.problem
            spec = resolve_shrinkage(changes["spec"], problem.returns)
            prepared = dataclasses.replace(
                prepared, problem=dataclasses.replace(problem, spec=spec)
            )
        variant = dataclasses.replace(self, **changes)
        variant.__dict__["prepared"] = prepared
        return variant


class Solver(Protocol):
    """Something that solves a :class:`Task`."""

    def solve(self, task: Task) -> OptimizationResult:
        """The result of ``task`` (weights, certificate, the solver's own report)."""
        ...  # pragma: no cover
