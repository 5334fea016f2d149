"""A proof of optimality by enumeration where enumerating every support is cheap.

A count cap ``k`` on ``N`` assets has ``C(N, k)`` supports of the largest size (with a
minimum position, every size up to ``k``). Where the objective is quadratic
(``exact_quadratic``: min-variance, mean-variance, tracking), the set is plain (budget,
``[0, hi]``, the cap and a minimum position; no rows, groups, trading terms or shorts)
and the counted work of solving them all, ``supports x k^2`` multiply-adds per iteration,
is at most :data:`ENUMERATION_WORK`, the cardinality solver enumerates them
(:func:`portfolio_sgd.reference.cardinality.enumerate_cardinality`: every support solved
in one batch, each with a proven bracket, pruned against the best value) instead of
searching: the answer is the mixed-integer optimum with a lower bound within
``1e-7`` relative, so ``converged`` can be true. On 20 assets and ``k = 5`` that is 15,504
supports. The rule counts work, never the clock.
"""

from __future__ import annotations

import math
from typing import Any

from ..constraints import Constraints
from ..objectives import ObjectiveSpec
from ..reference.cardinality import ExactCardinality, enumerate_cardinality

__all__ = ["ENUMERATION_WORK", "enumerate_supports", "enumeration_applies"]

ENUMERATION_WORK = 10_000_000
"""Largest ``supports x k^2`` enumerated (20 assets: k = 5 is 3.9e5; k = 10 is 1.8e7)."""


def enumeration_applies(spec: ObjectiveSpec, constraints: Constraints, n_assets: int) -> bool:
    """Whether the cardinality solver proves its answer by enumeration (module docstring)."""
    impl = spec.impl
    if not (impl.cardinality_by_enumeration and impl.is_quadratic):
        return False
    plain = Constraints(
        max_weight=constraints.max_weight,
        max_assets=constraints.max_assets,
        min_position=constraints.min_position,
    )
    if constraints != plain or constraints.min_weight != 0.0:
        return False
    card = constraints.cardinality
    sizes = card.sizes(n_assets) if constraints.min_position > 0 else [max(card.sizes(n_assets))]
    work = sum(math.comb(n_assets, j) * j * j for j in sizes)
    return work <= ENUMERATION_WORK


def enumerate_supports(
    problem: Any, spec: ObjectiveSpec, constraints: Constraints, incumbent: float
) -> ExactCardinality:
    """Every support of ``problem`` (an engine :class:`~portfolio_sgd.engine.Problem`)
    solved with a proven bracket; ``incumbent`` (a feasible value) only speeds pruning."""
    returns = problem.returns.detach().to("cpu").double().numpy()
    bench = problem.benchmark
    return enumerate_cardinality(
        spec.objective.value,
        returns,
        constraints.max_assets,
        min_position=float(constraints.min_position),
        max_weight=float(constraints.max_weight),
        risk_aversion=float(spec.risk_aversion),
        benchmark=None if bench is None else bench.detach().to("cpu").double().numpy(),
        incumbent=incumbent,
    )
