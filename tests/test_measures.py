"""The measure records (variance, volatility, CVaR) against closed forms and cvxpy, and
the composition of objective functions with measures (today's names as aliases)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from portfolio_sgd.errors import ConfigError
from portfolio_sgd.measures.registry import get_measure, limit_measures, measure_names
from portfolio_sgd.measures.scenarios import optimal_var_level
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.objectives.composition import compose

RNG = np.random.default_rng(3)
R = RNG.standard_t(5, size=(400, 4)) * np.array([0.01, 0.012, 0.02, 0.008]) + 3e-4
W = np.array([0.1, 0.4, 0.2, 0.3])
X = R @ W


def _cvar(losses: np.ndarray, alpha: float) -> float:
    """Rockafellar-Uryasev by brute force over the candidate levels (the losses)."""
    return min(t + np.maximum(losses - t, 0).mean() / (1 - alpha) for t in losses)


def test_registry_lists_the_builtin_measures_and_their_limits() -> None:
    assert measure_names()[:3] == ["variance", "volatility", "cvar"]
    assert [m.limit_option for m in limit_measures()][:2] == ["--max-volatility", "--max-cvar"]
    assert get_measure("expected_shortfall").name == "cvar"
    with pytest.raises(ConfigError, match="unknown risk measure"):
        get_measure("drawdown")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("variance", float(np.var(X))),
        ("volatility", math.sqrt(252) * float(np.std(X))),
        ("cvar", _cvar(-X, 0.9)),
    ],
)
def test_stated_values_match_closed_forms(name: str, expected: float) -> None:
    value = get_measure(name).stated_value(X[:, None], 0.9)
    assert value.shape == (1,)
    assert math.isclose(float(value[0]), expected, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["variance", "cvar"])
def test_scenario_losses_average_to_the_value(name: str) -> None:
    measure = get_measure(name)
    x = torch.from_numpy(X)[None, :]
    mean_return = torch.tensor([float(R.mean(axis=0) @ W)], dtype=torch.float64)
    t = optimal_var_level(x, 0.9) if measure.has_var_level else None
    average = float(measure.losses(x, mean_return, t, 0.9).mean())
    assert math.isclose(average, float(measure.numpy_value(X[:, None], 0.9)[0]), rel_tol=1e-10)


@pytest.mark.parametrize("name", ["variance", "volatility", "cvar"])
def test_cvxpy_forms_reproduce_the_value(name: str) -> None:
    cp = pytest.importorskip("cvxpy")
    measure = get_measure(name)
    w = cp.Variable(4)
    expr, aux = measure.cvxpy_expression(cp, w, R, 0.9)
    problem = cp.Problem(cp.Minimize(expr), [*aux, w == W])
    problem.solve(solver="CLARABEL")
    expected = float(measure.numpy_value(X[:, None], 0.9)[0])
    assert math.isclose(problem.value * measure.cvxpy_scale(R), expected, rel_tol=1e-6)


def test_volatility_limits_through_the_variance() -> None:
    vol = get_measure("volatility")
    assert vol.penalised_by == "variance"
    assert math.isclose(vol.penalty_value(0.2), 0.04 / 252)
    assert math.isclose(vol.penalised_level(0.2), 0.02 / 252)
    assert math.isclose(vol.stated_from_value(0.04 / 252), 0.2)
    assert math.isclose(vol.shadow_price(3.0, 0.2), 3.0 * 0.2 / 252)


@pytest.mark.parametrize(
    ("function", "measure", "kwargs", "expected"),
    [
        ("min-risk", "variance", {}, ObjectiveSpec("min-variance")),
        ("utility", "variance", {"risk_aversion": 5.0}, ObjectiveSpec("mean-variance", 10.0)),
        ("min-risk", "cvar", {"alpha": 0.9}, ObjectiveSpec("cvar", alpha=0.9)),
        (
            "utility",
            "cvar",
            {"risk_aversion": 4.0},
            ObjectiveSpec("cvar", return_weight=0.25),
        ),
        ("max-return", None, {}, ObjectiveSpec("max-return")),
        ("risk-budgeting", "variance", {}, ObjectiveSpec("risk-parity")),
        ("log-utility", None, {}, ObjectiveSpec("kelly")),
    ],
)
def test_today_names_are_compositions(
    function: str, measure: str | None, kwargs: dict, expected: ObjectiveSpec
) -> None:
    assert compose(function, measure, **kwargs) == expected


def test_compositions_pick_dedicated_objectives_and_refuse_bad_pairs() -> None:
    spec = compose("min-risk", "es", alpha=0.9)
    assert spec.objective.value == "cvar"  # dedicated: the exact tail-LP finish
    with pytest.raises(ConfigError, match="has its own measure"):
        ObjectiveSpec("mean-variance", measure="cvar")
    with pytest.raises(ConfigError, match="not an expectation"):
        ObjectiveSpec("min-risk", measure="volatility")
    with pytest.raises(ConfigError, match="no objective composes 'tracking'"):
        compose("tracking", "variance")
