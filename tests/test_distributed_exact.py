"""The exact finish of sharded runs (portfolio_sgd.distributed.finish, .tail_finish).

In-process (a group of one): the gathered tail LP from a poor start, checked against
cvxpy's CVaR LP on all rows; the certificate of objectives of the covariance, checked
against the single-process one (CVaR's dual bound over the gathered rows: against cvxpy). On two spawned gloo ranks (slow): min-variance and CVaR on
the bundled sp500 panel agree with the single process run (objective 1e-9 relative,
weights 1e-6).
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
import torch

import portfolio_sgd as ps
from portfolio_sgd.data import load_returns
from portfolio_sgd.distributed.context import DistContext
from portfolio_sgd.distributed.launch import run_local
from portfolio_sgd.distributed.problem import sharded_problem
from portfolio_sgd.distributed.tail_finish import finish_one
from portfolio_sgd.measures.kernels.cvar_polish import PolishOptions
from portfolio_sgd.objectives import ObjectiveSpec

ROWS = 3000
SHARDED = ("min-variance", "cvar")


def _panel():  # noqa: ANN202 - the last ROWS rows of sp500 (a DataFrame)
    return load_returns(dataset="sp500").iloc[-ROWS:]


def sharded_answers() -> dict:
    """Every rank's job: (objective, weights, polish summary) of each sharded objective."""
    out = {}
    for name in SHARDED:
        r = ps.optimize(_panel(), name, distributed=True, seed=0)
        out[name] = (r.objective_value, r.weights.to_numpy(), r.optimality_gap, r.converged)
    return out


def _cvxpy_cvar(returns: np.ndarray, alpha: float) -> float:
    """The long-only, fully invested minimum CVaR (Rockafellar-Uryasev LP)."""
    n_rows, n_assets = returns.shape
    w, t, u = cp.Variable(n_assets), cp.Variable(), cp.Variable(n_rows)
    m = (1.0 - alpha) * n_rows
    cons = [w >= 0, cp.sum(w) == 1, u >= 0, u >= -returns @ w - t]
    prob = cp.Problem(cp.Minimize(t + cp.sum(u) / m), cons)
    prob.solve(solver=cp.HIGHS)
    return float(prob.value)


def _cvar(returns: np.ndarray, w: np.ndarray, alpha: float) -> float:
    losses = np.sort(-(returns @ w))[::-1]
    m = (1.0 - alpha) * len(losses)
    k = math.ceil(m)
    t = losses[k - 1]
    return float(t + np.maximum(losses - t, 0.0).sum() / m)


def test_gathered_tail_lp_from_a_poor_start_is_the_exact_optimum() -> None:
    returns = _panel().to_numpy().copy()
    spec = ObjectiveSpec("cvar")
    constraints = ps.Constraints().bind([f"a{i}" for i in range(returns.shape[1])])
    problem = sharded_problem(
        torch.as_tensor(returns), 0, len(returns), spec, constraints, DistContext()
    )
    w0 = torch.zeros(returns.shape[1], dtype=torch.float64)
    w0[0] = 1.0  # one asset: its tail rows are not the optimum's
    outcome = finish_one(problem, w0, 0.0, PolishOptions(half_width=8))
    assert outcome.exact, outcome.status
    assert outcome.gathers > 1  # the verification found rows above the VaR and re-gathered
    assert outcome.rows < len(returns)
    got = _cvar(returns, outcome.weights.numpy(), spec.alpha)
    assert abs(got - _cvxpy_cvar(returns, spec.alpha)) <= 1e-9 * abs(got)


@pytest.mark.slow
def test_two_ranks_give_the_single_process_answer() -> None:
    two = run_local(sharded_answers, 2)
    for name in SHARDED:
        single = ps.optimize(_panel(), name, seed=0)
        value, weights, gap, converged = two[name]
        assert abs(value - single.objective_value) <= 1e-9 * abs(single.objective_value), name
        assert np.abs(weights - single.weights.to_numpy()).max() <= 1e-6, name
        assert converged == single.converged, name
        # (CVaR's bound adds the float64 rounding allowance, 1e-12 relative, once more)
        assert abs(gap - single.optimality_gap) <= 3e-12 * abs(single.objective_value), name


@pytest.mark.parametrize("name", ["min-variance", "mean-variance"])
def test_sharded_certificate_is_the_single_process_one(name: str) -> None:
    returns = _panel().iloc[-500:, :8]
    single = ps.optimize(returns, name, seed=0)
    sharded = ps.optimize(returns, name, seed=0, distributed=True)  # a group of one
    assert sharded.certificate_method == single.certificate_method
    assert sharded.converged and single.converged
    scale = abs(single.objective_value)
    assert abs(sharded.optimality_gap - single.optimality_gap) <= 1e-12 * scale
    assert abs(sharded.objective_value - single.objective_value) <= 1e-12 * scale


def test_cvar_sharded_certificate_from_gathered_rows_is_a_true_bound() -> None:
    returns = _panel().iloc[-500:, :8]
    sharded = ps.optimize(returns, "cvar", seed=0, distributed=True)  # a group of one
    assert sharded.polished  # the exact finish ran on the gathered rows
    assert "gathered across ranks" in sharded.certificate_method
    assert sharded.converged
    optimum = _cvxpy_cvar(returns.to_numpy(), 0.95)
    lower = sharded.objective_value - sharded.optimality_gap
    assert lower <= optimum * (1 + 1e-9)  # a proven lower bound, and a tight one
    assert sharded.optimality_gap <= 1e-9 * abs(optimum)


def test_tracking_is_not_certified_sharded_and_says_so() -> None:
    returns = _panel().iloc[-500:, :8]
    bench = returns.to_numpy().mean(axis=1)
    sharded = ps.optimize(returns, "tracking", seed=0, distributed=True, benchmark=bench)
    assert sharded.certificate_method.startswith("none (sharded run")
    assert not sharded.converged
