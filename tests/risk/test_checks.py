"""The risk studies refuse runs that cannot be stationary and do not read unreliable ones."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.estimation.batch_size import annealing_study, batch_size_sweep, gradient_variance
from portfolio_sgd.estimation.batch_size import linear_scaling_study as scaling
from portfolio_sgd.estimation.batch_size.checks import drift_note, slope_note, slope_verdict
from portfolio_sgd.estimation.batch_size.sweep import sweep_diagnostics

CHEAP = {"seeds": 2, "draws": 64, "cost_steps": 5, "device": "cpu"}


def _relax(problem, lr=None) -> float:  # noqa: ANN001
    lr = problem.default_lr if lr is None else lr
    return 1.0 / (lr * problem.mu_min)


@pytest.mark.parametrize("steps", ["0", "-5"])
def test_cli_steps_below_one_is_a_usage_error(steps: str) -> None:
    result = CliRunner().invoke(main, ["risk", "--steps", steps])
    assert result.exit_code == 2 and "--steps" in result.output


def test_cli_short_burn_in_names_the_relaxation_time(minvar_problem) -> None:  # noqa: ANN001
    relax = _relax(minvar_problem)
    result = CliRunner().invoke(main, ["risk", "--steps", "60", "--seeds", "2", "--device", "cpu"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and result.stderr.strip().splitlines()[-1] == errors[0]
    assert f"relaxation time 1/(eta*mu) = {relax:.0f} steps" in errors[0]
    assert f"at least {4 * math.ceil(relax)} steps" in errors[0]
    assert "burn-in (first quarter of 60 steps) is 15 steps" in errors[0]


def test_sweep_with_an_unstable_step_withholds_everything(sp500_returns, minvar_problem) -> None:  # noqa: ANN001
    rep = batch_size_sweep(
        sp500_returns, problem=minvar_problem, batch_sizes=[8, 64], lr=1e9, steps=400, **CHEAP
    )
    assert not rep.reliable and rep.recommendation is None
    assert (
        "unstable" in rep.diagnostics[0]
        and f"{1e9 * minvar_problem.curvature:.3g}" in rep.diagnostics[0]
    )
    text = rep.reading()
    assert "do not support conclusions" in text and "no batch size is recommended" in text
    assert "purely from gradient noise" not in text and "Recommended batch size" not in text
    assert "WARNING: the step size" in rep.table()
    d = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert d["recommendation"] is None and "unstable" in d["recommendation_withheld"]
    assert d["reliable"] is False and all(r["time_to_target"] is None for r in d["rows"])


def test_cli_json_has_a_null_recommendation_with_a_reason() -> None:
    args = ["risk", "--batch-sizes", "8,64", "--seeds", "2", "--draws", "64", "--device", "cpu"]
    result = CliRunner().invoke(main, [*args, "--lr", "1e9", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["recommendation"] is None and payload["recommendation_withheld"]
    assert "warning: the step size 1e+09 is unstable" in result.stderr


def test_wrong_sign_and_far_slopes_are_stated() -> None:
    assert slope_verdict(0.3, -1.0, 0.5) == "wrong sign"
    assert slope_verdict(-0.2, -1.0, 0.5) == "far from theory"
    assert slope_verdict(-0.9, -1.0, 0.5) == "agrees"
    assert slope_verdict(float("nan"), -1.0, 0.5) == "undefined"
    assert "does not fall with m (log-log slope +0.30" in slope_note(0.3, -1.0, 0.5, "excess")
    assert slope_note(-1.1, -1.0, 0.5, "excess") is None


def test_sweep_diagnostics_flag_a_positive_slope(minvar_problem) -> None:  # noqa: ANN001
    rng = np.random.default_rng(0)
    flat = 1e-6 * (1.0 + 0.1 * rng.standard_normal((40, 2, 4)))  # stationary, 2 m x 4 seeds
    lr = minvar_problem.default_lr
    assert sweep_diagnostics(minvar_problem, lr, [8, 64], flat, flat[0], (-1.0, -0.5)) == []
    notes = sweep_diagnostics(minvar_problem, lr, [8, 64], flat, flat[0], (0.4, -0.5))
    assert len(notes) == 1 and "does not fall with m" in notes[0]
    broken = flat.copy()
    broken[3, 1, 2] = np.nan
    assert (
        "diverged" in sweep_diagnostics(minvar_problem, lr, [8, 64], broken, flat[0], (-1, -0.5))[0]
    )


def test_drift_note_detects_a_decaying_window() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(40)[:, None]
    decaying = 1e-6 * (1.0 + 5.0 * np.exp(-t / 10.0)) * (1 + 0.05 * rng.standard_normal((40, 8)))
    stationary = 1e-6 * (1 + 0.3 * rng.standard_normal((40, 8)))
    assert "not stationary (m = 8)" in drift_note(decaying, "m = 8")
    assert drift_note(stationary) is None


def test_scaling_refuses_a_short_settling_phase_and_flags_an_unstable_step(
    sp500_returns, minvar_problem
) -> None:  # noqa: ANN001
    relax = _relax(minvar_problem, minvar_problem.default_lr / 2)
    with pytest.raises(ConfigError, match=f"relaxation time 1/\\(eta\\*mu\\) = {relax:.0f} steps"):
        scaling(
            sp500_returns, problem=minvar_problem, factors=[2], seeds=2, steps=100, device="cpu"
        )
    with pytest.raises(ConfigError, match="at least 1"):
        scaling(sp500_returns, problem=minvar_problem, factors=[2], seeds=2, steps=0, device="cpu")
    rep = scaling(
        sp500_returns, problem=minvar_problem, factors=[2], seeds=2, steps=500, lr=1e9, device="cpu"
    )
    assert not rep.reliable and "unstable" in rep.diagnostics[0]
    assert rep.summary.startswith("These runs do not support a reading of the linear scaling rule")
    assert "holds" not in rep.summary and json.loads(json.dumps(rep.to_dict()))["reliable"] is False


def test_annealing_budget_must_cover_a_relaxation_time(sp500_returns, minvar_problem) -> None:  # noqa: ANN001
    relax = _relax(minvar_problem)
    kwargs = {"problem": minvar_problem, "batch_size": 8, "seeds": 2, "device": "cpu"}
    with pytest.raises(ConfigError, match=f"at least {math.ceil(relax)} steps"):
        annealing_study(sp500_returns, steps=50, **kwargs)
    with pytest.raises(ConfigError, match="not both"):
        annealing_study(sp500_returns, steps=500, epochs=1.0, **kwargs)
    rep = annealing_study(sp500_returns, steps=400, lr=1e9, growth_every=50, **kwargs)
    assert not rep.reliable and "unstable" in rep.diagnostics[0]
    assert rep.summary.startswith("These runs do not support a comparison")
    assert "noise floor" not in rep.summary
    assert (rep.rows["samples"] >= 400 * 8).all()


def test_sigma2_is_the_noise_module_gradient_variance(sweep_report, minvar_problem) -> None:  # noqa: ANN001
    expected = gradient_variance(
        minvar_problem.spec, minvar_problem.values(), minvar_problem.w_star[None, :]
    )[0]
    # independent: trace covariance of the per-sample tangent gradients 2 (x_t - xbar) P (r_t - rbar)
    r = minvar_problem.values()
    x = r @ minvar_problem.w_star
    g = 2.0 * (x - x.mean())[:, None] * (r - r.mean(axis=0))
    g = g - g.mean(axis=1, keepdims=True)
    direct = ((g - g.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert sweep_report.sigma2 == expected
    assert expected == pytest.approx(direct, rel=1e-9)
    assert sweep_report.reliable and sweep_report.recommendation is not None
