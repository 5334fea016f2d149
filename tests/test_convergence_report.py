"""Every result says whether it converged, with a proven bound (issue: no silent wrong answer).

Regression for the hostile-probe case ``optimize --lr 1e9 --objective min-variance
--compare-exact``, which used to exit 0 with ``stop: tolerance``, all the weight on one
asset and a relative gap of 17 to the exact optimum.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from portfolio_sgd import Constraints, EngineConfig, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.reference.exact import objective_value, solve_exact


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_huge_learning_rate_is_reported_not_converged_and_strict_exits_3() -> None:
    # the exact QP finish off: it would make the run exact whatever the learning rate
    args = (
        "optimize",
        "--objective",
        "min-variance",
        "--lr",
        "1e9",
        "--no-cvar-polish",
        "--format",
        "json",
    )
    result = run(*args)
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["converged"] is False and payload["relative_gap_bound"] > 1e-4
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "NOT converged" in warnings[0]
    strict = run(*args, "--strict")
    assert strict.exit_code == 3
    assert json.loads(strict.stdout)["converged"] is False  # the output is still written


@pytest.mark.parametrize("objective", ["min-variance", "cvar"])
def test_default_run_is_certified_and_the_bound_bounds_the_true_gap(
    objective: str, sp500_returns
) -> None:
    result = optimize(sp500_returns, objective, Constraints(max_weight=0.2), seed=0)
    assert result.converged
    r = sp500_returns.to_numpy()
    exact = solve_exact(objective, r, Constraints(max_weight=0.2))
    true_gap = float(objective_value(objective, r, result.weights.to_numpy())) - exact.value
    assert true_gap <= result.optimality_gap + 1e-12 * abs(exact.value)
    bar = 1e-4 if objective == "min-variance" else 1e-3
    assert result.relative_gap_bound <= bar
    assert result.to_dict()["converged"] is True


def test_early_stopped_run_is_not_converged_and_its_bound_still_holds(sp500_returns) -> None:
    # the exact QP finish off: it would make a 5-step run exact
    result = optimize(
        sp500_returns, "mean-variance", config=EngineConfig(steps=5, seed=0, cvar_polish=False)
    )
    assert not result.converged and result.stop_reason == "max steps"
    r = sp500_returns.to_numpy()
    exact = solve_exact("mean-variance", r)
    true_gap = float(objective_value("mean-variance", r, result.weights.to_numpy())) - exact.value
    assert 0 < true_gap <= result.optimality_gap


def test_batched_runs_carry_a_certificate_each(sp500_returns) -> None:
    from portfolio_sgd import EngineConfig, optimize_many

    batch = optimize_many(
        sp500_returns, "mean-variance", config=EngineConfig(seed=0), risk_aversions=[2.0, 20.0]
    )
    assert batch.runs["converged"].tolist() == [True, True]
    r = sp500_returns.to_numpy()
    for i, lam in enumerate([2.0, 20.0]):
        exact = solve_exact("mean-variance", r, risk_aversion=lam)
        w = batch.weights.iloc[i].to_numpy()
        true_gap = float(objective_value("mean-variance", r, w, risk_aversion=lam)) - exact.value
        assert true_gap <= batch.runs["optimality_gap"].iloc[i] + 1e-15
    assert np.all(batch.runs["relative_gap_bound"] <= 1e-4)


def test_an_infeasible_point_is_never_converged(sp500_returns) -> None:
    """The bound holds for any w, but outside the feasible set f(w) may be below f*."""
    from portfolio_sgd.certificate import optimality_gap

    exact = optimize(sp500_returns, "min-variance", seed=0).weights.to_numpy()
    feasible = optimality_gap("min-variance", sp500_returns, exact)
    assert bool(feasible.converged[0])
    outside = optimality_gap("min-variance", sp500_returns, exact * 1.01)  # sum 1.01
    assert outside.violation[0] == pytest.approx(0.01) and not bool(outside.converged[0])


def test_huge_step_in_float32_still_reports_feasible_weights(sp500_returns) -> None:
    """At lr = 1e9 in float32, v - tau/d cancels catastrophically in the metric projection;
    such rows are re-projected in float64, so the reported weights stay feasible."""
    # the exact QP finish off: it would make the run exact whatever the step
    result = optimize(
        sp500_returns,
        "mean-variance",
        config=EngineConfig(lr=1e9, dtype="float32", seed=0, cvar_polish=False),
    )
    w = result.weights.to_numpy()
    assert abs(w.sum() - 1.0) < 1e-6 and w.min() >= 0.0 and w.max() <= 1.0
    assert not result.converged
