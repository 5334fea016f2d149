"""The architecture's contracts: registry, protocol, constraint parts, typed API, callbacks.

Each check here fails if a later change drifts: an objective that misses part of the
protocol, a CLI engine option that no longer matches an ``EngineConfig`` field or default,
an estimator that breaks scikit-learn's parameter conventions.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect

import numpy as np
import pytest
import torch

from portfolio_sgd import (
    ConfigError,
    Constraints,
    EngineConfig,
    EvaluationView,
    ObjectiveSpec,
    SGDPortfolio,
    optimize,
    resolve_settings,
    settings_from_options,
)
from portfolio_sgd.allocators import allocator_names
from portfolio_sgd.cli.optimize import optimize_command
from portfolio_sgd.cli.options import CLI_ONLY_ENGINE_FIELDS
from portfolio_sgd.constraints import Bounds, Budget, Leverage
from portfolio_sgd.objectives import (
    OBJECTIVE_CLASSES,
    Objective,
    PortfolioObjective,
    objective_names,
)
from portfolio_sgd.reference.exact import objective_value

PROTOCOL = ("losses", "derivatives", "numpy_value", "cvxpy_expression")


@pytest.mark.parametrize("cls", OBJECTIVE_CLASSES, ids=lambda c: c.name)
def test_every_registered_objective_implements_the_protocol(cls) -> None:
    assert issubclass(cls, PortfolioObjective) and cls.name and cls.member
    for method in PROTOCOL:
        assert getattr(cls, method) is not getattr(PortfolioObjective, method), method
    if cls.is_quadratic:
        assert (
            cls.quadratic_value_and_gradient is not PortfolioObjective.quadratic_value_and_gradient
        )
    if cls.supports_smoothing:
        for method in ("initial_smoothing", "next_smoothing", "smoothed_curvature"):
            assert callable(getattr(cls, method, None)), method
    assert Objective(cls.name).objective_class is cls


def test_enum_and_cli_choices_come_from_the_registry() -> None:
    assert [m.value for m in Objective] == objective_names()
    choice = next(p for p in optimize_command.params if p.name == "objective")
    assert list(choice.type.choices) == objective_names() + allocator_names()
    assert Objective.parse("min-cvar") is Objective.CVAR
    with pytest.raises(ConfigError, match="unknown objective 'nope'"):
        Objective.parse("nope")


def test_cli_engine_options_match_engine_config_fields_and_defaults() -> None:
    options = {p.name: p for p in optimize_command.params}
    fields = {f.name: f for f in dataclasses.fields(EngineConfig)}
    assert set(fields) - set(options) == set(CLI_ONLY_ENGINE_FIELDS)
    for name, field in fields.items():
        if name in CLI_ONLY_ENGINE_FIELDS:
            continue
        default = field.default.value if isinstance(field.default, enum.Enum) else field.default
        assert options[name].default == default, name


def test_constraint_parts_report_violations_and_cvxpy_forms() -> None:
    cp = pytest.importorskip(
        "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
    )
    w = torch.tensor([[0.5, 0.7, -0.2], [0.2, 0.3, 0.5]], dtype=torch.float64)
    np.testing.assert_allclose(Budget().violation(w).numpy(), [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(Bounds(0.0, 0.6).violation(w).numpy(), [0.2, 0.0], atol=1e-15)
    np.testing.assert_allclose(Leverage(1.2).violation(w).numpy(), [0.2, 0.0], atol=1e-15)
    c = Constraints(min_weight=-0.5, max_weight=0.6, long_short=True, max_leverage=1.2)
    assert [type(p) for p in c.parts] == [Budget, Bounds, Leverage]
    assert c.is_feasible(w).tolist() == [False, True]
    x = cp.Variable(3)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(x - w[0].numpy())), c.cvxpy(cp, x))
    problem.solve(solver="CLARABEL")
    projected = c.project(w[:1])[0].numpy()
    np.testing.assert_allclose(projected, x.value, atol=1e-6)


def test_shorthands_override_the_typed_objects() -> None:
    spec, cons, config = resolve_settings(
        ObjectiveSpec("cvar", alpha=0.9),
        Constraints(max_weight=0.5),
        EngineConfig(steps=10),
        alpha=0.99,
        max_weight=0.3,
        seed=7,
    )
    assert (spec.alpha, cons.max_weight, config.steps, config.seed) == (0.99, 0.3, 10, 7)
    _, _, config = settings_from_options({"tol": None, "batch_schedule": "constant"})
    assert config.tol is None and config.batch_schedule.value == "constant"
    with pytest.raises(ConfigError, match="unknown setting 'nope'"):
        settings_from_options({"nope": 1})


def test_estimator_follows_scikit_learn_parameter_conventions(sp500_returns) -> None:
    signature = inspect.signature(SGDPortfolio.__init__)
    model = SGDPortfolio("min-variance", max_weight=0.2, seed=0, steps=200)
    params = model.get_params()
    assert list(params) == [p for p in signature.parameters if p != "self"]
    clone = type(model)(**copy.deepcopy(params))  # what sklearn.base.clone does
    assert clone.get_params() == params and clone is not model
    assert model.set_params(max_weight=0.3) is model and model.max_weight == 0.3
    with pytest.raises(ConfigError, match="invalid parameter"):
        model.set_params(nope=1)
    assert (
        repr(model) == "SGDPortfolio(objective='min-variance', max_weight=0.3, steps=200, seed=0)"
    )
    before = sp500_returns.copy()
    model.fit(sp500_returns)
    assert model.weights_.max() <= 0.3 + 1e-12
    assert sp500_returns.equals(before)  # no mutation of the input


def test_scikit_learn_clone_and_params_round_trip() -> None:
    base = pytest.importorskip(
        "sklearn.base",
        reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)",
    )
    model = SGDPortfolio(
        "cvar", alpha=0.9, constraints=Constraints(max_weight=0.3), config=EngineConfig(steps=50)
    )
    clone = base.clone(model)
    assert clone is not model and clone.get_params() == model.get_params()
    assert clone.constraints == Constraints(max_weight=0.3) and clone.config.steps == 50
    assert base.clone(model.set_params(alpha=0.99)).alpha == 0.99


def test_optimal_var_level_is_the_metrics_var() -> None:
    from portfolio_sgd.measures.performance import cvar_and_var
    from portfolio_sgd.objectives import optimal_var_level

    x = np.random.default_rng(3).standard_t(4, size=(5, 333)) * 0.01
    for alpha in (0.9, 0.95, 0.975):
        torch_var = optimal_var_level(torch.from_numpy(x), alpha).numpy()
        _, numpy_var = cvar_and_var(-x.T, alpha)
        np.testing.assert_array_equal(torch_var, numpy_var)


def test_callbacks_see_every_evaluation_read_only(sp500_returns) -> None:
    views: list[EvaluationView] = []
    # early_finish off: min-variance would otherwise end exactly before the first step
    res = optimize(
        sp500_returns.iloc[:2000],
        "min-variance",
        callbacks=[views.append],
        seed=0,
        config=EngineConfig(early_finish=False),
    )
    periodic = [v for v in views if not v.final]
    assert [v.step for v in periodic] == list(res.history["step"])
    np.testing.assert_allclose(
        [float(v.objective[0]) for v in periodic], res.history["objective"].to_numpy()
    )
    final = views[-1]
    assert final.final and final.step == res.steps
    np.testing.assert_array_equal(final.weights[0].numpy(), res.weights.to_numpy())
    # each view is a copy: changing it changes nothing in the run or in other views
    periodic[0].weights.zero_()
    assert float(periodic[1].weights.sum()) == pytest.approx(1.0)
    r = sp500_returns.iloc[:2000].to_numpy()
    assert float(objective_value("min-variance", r, final.weights[0].numpy())) == pytest.approx(
        res.objective_value, rel=1e-10
    )


def test_the_feasible_set_and_trading_model_live_in_constraints() -> None:
    import portfolio_sgd.certificate as certificate
    import portfolio_sgd.constraints as constraints

    for name in ("FeasibleSet", "Polytope", "CertificateError", "TradingSet", "TradingTerms"):
        assert getattr(constraints, name).__module__.startswith("portfolio_sgd.constraints.")
    for name in ("FeasibleSet", "Polytope", "linear_minimizer", "polytope_minimizer"):
        assert getattr(certificate, name) is getattr(constraints, name)  # used, not defined
    oracle = Constraints(max_weight=0.5, transaction_costs=0.001).linear_oracle(4)
    assert isinstance(oracle, constraints.TradingSet)
    assert isinstance(Constraints(max_weight=0.5).linear_oracle(4), constraints.FeasibleSet)
