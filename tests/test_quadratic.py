"""Moment-matrix gradients of the quadratic objectives equal the scenario-based ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import portfolio_sgd.measures.quadratic as quadratic_module
from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.engine import Problem
from portfolio_sgd.engine.gradients import batch_gradient
from portfolio_sgd.measures.quadratic import (
    GRAM_ROW_FACTOR,
    quadratic_form,
    quadratic_loss_and_gradient,
    uses_quadratic_form,
)
from portfolio_sgd.objectives import Objective, ObjectiveSpec
from portfolio_sgd.reference.exact import objective_value


def _problem(objective: Objective, n_rows: int = 3000, n_assets: int = 7) -> Problem:
    rng = np.random.default_rng(11)
    R = torch.from_numpy(rng.standard_t(5, size=(n_rows, n_assets)) * 0.01 + 4e-4)
    bench = torch.from_numpy(rng.normal(3e-4, 0.01, size=n_rows))
    return Problem(
        returns=R,
        mean=R.mean(dim=0),
        spec=ObjectiveSpec(objective=objective, risk_aversion=7.0),
        constraints=Constraints(),
        benchmark=bench if objective is Objective.TRACKING else None,
    )


@pytest.mark.parametrize(
    "objective", [Objective.MEAN_VARIANCE, Objective.MIN_VARIANCE, Objective.TRACKING]
)
def test_moment_matrix_matches_a_pass_over_the_data(objective: Objective) -> None:
    problem = _problem(objective)
    rng = np.random.default_rng(2)
    w = torch.from_numpy(rng.dirichlet(np.ones(7), size=4))  # K = 4 runs
    lam = torch.tensor([1.0, 3.0, 10.0, 50.0], dtype=torch.float64)
    lam_arg = lam if objective is Objective.MEAN_VARIANCE else None
    dense_loss, dense_grad, _ = batch_gradient(problem, w, None, lam_arg, [3000] * 4, True, None)
    form = quadratic_form(problem)
    loss, grad = quadratic_loss_and_gradient(problem.spec, form, w, problem.mean, lam_arg)
    np.testing.assert_allclose(loss.numpy(), dense_loss.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(grad.numpy(), dense_grad.numpy(), rtol=1e-9, atol=1e-14)
    # and the value is the independent float64 reference's (population moments)
    if objective is not Objective.TRACKING:
        params = {"risk_aversion": float(lam[0])} if lam_arg is not None else {}
        ref = objective_value(objective.value, problem.returns.numpy(), w[0].numpy(), **params)
        assert abs(float(loss[0]) - ref) <= 1e-12 * max(1.0, abs(ref))


def test_when_the_moment_matrix_is_used() -> None:
    mv = ObjectiveSpec(objective=Objective.MEAN_VARIANCE)
    assert uses_quadratic_form(mv, GRAM_ROW_FACTOR * 50, 50)
    assert not uses_quadratic_form(mv, GRAM_ROW_FACTOR * 50 - 1, 50)  # too few scenarios
    assert not uses_quadratic_form(ObjectiveSpec(objective=Objective.KELLY), 10**6, 50)
    assert not uses_quadratic_form(ObjectiveSpec(objective=Objective.CVAR), 10**6, 50)


def test_engine_switches_to_the_moment_matrix_on_exact_steps(
    sp500_returns, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = []
    original = quadratic_module.quadratic_form
    # the engine forms it through quadratic.exact_step_form
    monkeypatch.setattr(
        quadratic_module, "quadratic_form", lambda p: built.append(1) or original(p)
    )
    res = optimize(
        sp500_returns, objective="min-variance", seed=0, config=EngineConfig(early_finish=False)
    )  # observes the SGD loop: the exact QP finish would end it before the first step
    assert built == [1]  # formed once, when the geometric schedule reached the full data
    assert int(np.max(res.history["batch_size"].iloc[-1])) == len(sp500_returns)
