"""The sharded exact finish and certificate of MAD and the first lower partial moments
(portfolio_sgd.distributed.pieces_finish, .sharded_rows).

In-process (a group of one): the sharded window LP reaches cvxpy's optimum and its
certificate is a true, tight bound. On two spawned gloo ranks (slow): min-risk MAD,
LPM1 below zero and below the mean, and mean-MAD utility agree with the single process
(objective 1e-9 relative, weights 1e-6, the same ``converged``).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import torch

import portfolio_sgd as ps
from portfolio_sgd.data import load_returns
from portfolio_sgd.distributed.context import DistContext
from portfolio_sgd.distributed.launch import run_local
from portfolio_sgd.distributed.problem import sharded_problem
from portfolio_sgd.distributed.sharded_rows import ShardedRows
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives import ObjectiveSpec

CASES = (("min-risk", "mad"), ("min-risk", "lpm1"), ("min-risk", "flpm"), ("utility", "mad"))


def _panel():  # noqa: ANN202 - a small real panel (DataFrame)
    return load_returns(dataset="sp500").iloc[-600:, :12]


def _spec(objective: str, measure: str) -> ObjectiveSpec:
    return ObjectiveSpec(objective, measure=measure, risk_aversion=2.0)


def sharded_answers() -> dict:
    """Every rank's job: (objective, weights, gap, converged, polish) of each case."""
    out = {}
    for case in CASES:
        r = ps.optimize(_panel(), _spec(*case), distributed=True, seed=0)
        out[case] = (
            r.objective_value,
            r.weights.to_numpy(),
            r.optimality_gap,
            r.converged,
            r.polish,
        )
    return out


def _cvxpy_min_risk(name: str, returns: np.ndarray) -> float:
    """The long-only, fully invested minimum of the measure (cvxpy, Clarabel)."""
    m = get_measure(name)
    w = cp.Variable(returns.shape[1])
    expr, aux = m.cvxpy_expression(cp, w, returns, 0.95)
    problem = cp.Problem(cp.Minimize(expr), [*aux, cp.sum(w) == 1, w >= 0])
    problem.solve(solver="CLARABEL")
    return float(problem.value) * m.cvxpy_scale(returns)


def test_sharded_rows_answer_as_the_matrix() -> None:
    returns = np.random.default_rng(5).normal(size=(300, 7))
    spec = ObjectiveSpec("min-risk", measure="mad")
    constraints = ps.Constraints().bind([f"a{i}" for i in range(7)])
    problem = sharded_problem(torch.as_tensor(returns), 0, 300, spec, constraints, DistContext())
    rows = ShardedRows(problem)
    w, s, ids = np.linspace(0.1, 1.0, 7), np.linspace(-1.0, 1.0, 300), np.array([3, 0, 299])
    assert rows.shape == returns.shape
    assert np.allclose(rows @ w, returns @ w, rtol=0, atol=1e-14)
    assert np.allclose(rows.T @ s, returns.T @ s, rtol=0, atol=1e-12)
    assert np.array_equal(rows[ids], returns[ids])
    assert np.allclose(rows.mean(axis=0), returns.mean(axis=0), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["mad", "lpm1"])
def test_sharded_window_lp_reaches_the_optimum_with_a_true_bound(name: str) -> None:
    returns = _panel()
    sharded = ps.optimize(returns, _spec("min-risk", name), seed=0, distributed=True)
    assert "sharded window LP" in sharded.polish and sharded.polished
    assert "over every rank's scenarios" in sharded.certificate_method
    optimum = _cvxpy_min_risk(name, returns.to_numpy())
    assert abs(sharded.objective_value - optimum) <= 1e-7 * optimum  # Clarabel's accuracy
    lower = sharded.objective_value - sharded.optimality_gap
    assert lower <= optimum * (1 + 1e-7)
    assert sharded.converged and sharded.optimality_gap <= 1e-9 * optimum


@pytest.mark.slow
def test_two_ranks_give_the_single_process_answer() -> None:
    two = run_local(sharded_answers, 2)
    for case in CASES:
        single = ps.optimize(_panel(), _spec(*case), seed=0)
        value, weights, gap, converged, polish = two[case]
        scale = abs(single.objective_value)
        assert "sharded window LP" in polish, case
        assert abs(value - single.objective_value) <= 1e-9 * scale, case
        assert np.abs(weights - single.weights.to_numpy()).max() <= 1e-6, case
        assert converged == single.converged, case
        assert abs(gap - single.optimality_gap) <= 1e-12 * scale, case
