"""Trading terms and covariance shrinkage in sharded runs equal one process.

Trading costs and turnover limits act per asset (every rank applies the same prox and
projection); the shrinkage intensity comes from all-reduced moments and one all-reduced
fourth-power sum. Each case is checked against the single-process run (objective within
1e-9 relative, weights within 1e-6), in a group of one here and on two spawned gloo
ranks (slow).
"""

from __future__ import annotations

import distributed_feature_jobs as jobs
import numpy as np
import pandas as pd
import pytest
import torch

import portfolio_sgd as ps
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.distributed.context import DistContext
from portfolio_sgd.distributed.launch import run_local
from portfolio_sgd.distributed.problem import sharded_problem
from portfolio_sgd.distributed.shrinkage import resolve_sharded_shrinkage
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.objectives.shrinkage import resolve_shrinkage


def assert_same(got: list, want: list) -> None:
    for (value2, w2, ok2), (value1, w1, ok1), case in zip(got, want, jobs.CASES, strict=True):
        assert abs(value2 - value1) <= 1e-9 * abs(value1), case
        assert np.abs(w2 - w1).max() <= 1e-6, case
        assert ok1 == ok2, case


@pytest.fixture(scope="module")
def single() -> list:
    return jobs.run_cases(distributed=False)


def test_sharded_group_of_one_equals_one_process(single) -> None:
    assert_same(jobs.run_cases(distributed=True), single)


@pytest.mark.parametrize("kind", ["ledoit-wolf", "oas"])
def test_shrinkage_from_reduced_sums_is_the_full_data_one(kind: str) -> None:
    data = torch.as_tensor(jobs.panel())
    spec = ObjectiveSpec("min-variance", shrinkage=kind)
    want = resolve_shrinkage(spec, data)
    ctx = DistContext()
    problem = sharded_problem(data, 0, len(data), spec, Constraints(), ctx)
    got = resolve_sharded_shrinkage(problem).spec
    assert got.shrinkage_intensity == pytest.approx(want.shrinkage_intensity, rel=1e-12)
    assert got.shrinkage_target == pytest.approx(want.shrinkage_target, rel=1e-12)


@pytest.mark.slow
def test_two_ranks_equal_one_process(single) -> None:
    assert_same(run_local(jobs.run_cases, 2, True), single)


def test_holdings_and_costs_by_ticker_are_resolved_on_the_shard_columns() -> None:
    returns = pd.DataFrame(jobs.panel()[:600], columns=[f"A{i}" for i in range(10)])
    constraints = ps.Constraints(
        previous_weights={"A1": 0.5, "A7": 0.5}, transaction_costs={"A1": 0.002, "A3": 0.001}
    )
    one = ps.optimize(returns, "min-variance", constraints=constraints, seed=0)
    sharded = ps.optimize(
        returns, "min-variance", constraints=constraints, seed=0, distributed=True
    )
    assert abs(sharded.objective_value - one.objective_value) <= 1e-9 * abs(one.objective_value)
    assert np.abs(sharded.weights.to_numpy() - one.weights.to_numpy()).max() <= 1e-6
