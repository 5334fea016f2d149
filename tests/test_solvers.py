"""The Solver protocol behind ``optimize``: the choice of solver, composition through the
protocol (never through the API), the data prepared once per call, and the typed
mapping of feature reports on the result (with ``to_dict`` keys unchanged)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import portfolio_sgd.solvers.base as solver_base
from portfolio_sgd import Constraints, EngineConfig, optimize
from portfolio_sgd.engine.shorthands import SHORTHANDS
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.limits import RiskLimit
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.results import (
    CardinalityReport,
    ErrorBars,
    FinishReport,
    OptimizationResult,
    RecencyReport,
    Reports,
    RiskLimitReport,
)
from portfolio_sgd.solvers.base import Task
from portfolio_sgd.solvers.bootstrap import BootstrapSolver
from portfolio_sgd.solvers.cardinality import CardinalitySolver
from portfolio_sgd.solvers.choice import SOLVER_OPTIONS, choose_solver
from portfolio_sgd.solvers.frontier import efficient_frontier
from portfolio_sgd.solvers.plain import PlainSolver
from portfolio_sgd.solvers.risk_limit import RiskLimitSolver

PACKAGE = Path(__file__).resolve().parents[1] / "portfolio_sgd"
BELOW_API = ("solvers", "limits", "cardinality", "distributed", "results", "reference")


def _returns(n_rows: int = 400, n_assets: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(0.0, 0.01, size=(n_rows, 1))
    r = 0.0004 + factor * rng.uniform(0.5, 1.5, n_assets) + rng.normal(0, 0.01, (n_rows, n_assets))
    return pd.DataFrame(r, columns=[f"A{i}" for i in range(n_assets)])


def _imported_modules(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Every module a file imports (top level and inside functions), made absolute."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("wing", BELOW_API)
def test_nothing_below_the_api_imports_it(wing: str) -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted((PACKAGE / wing).rglob("*.py"))
        if "portfolio_sgd.api" in _imported_modules(path)
    ]
    assert offenders == []


def test_the_import_walker_sees_an_api_import_inside_a_function(tmp_path: Path) -> None:
    """The check above can fail: a relative import of the API in a function is found."""
    fake = tmp_path / "portfolio_sgd" / "solvers" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from ..api import optimize\n")
    assert "portfolio_sgd.api" in _imported_modules(fake, tmp_path)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, PlainSolver),
        ({"bootstrap": 4}, BootstrapSolver),
        ({"resample": True}, BootstrapSolver),
        ({"max_volatility": 0.2}, RiskLimitSolver),
        ({"max_cvar": 0.03}, RiskLimitSolver),
    ],
)
def test_the_options_choose_the_solver(options: dict, expected: type) -> None:
    task = Task(_returns(), ObjectiveSpec("mean-variance"), Constraints(), EngineConfig())
    assert type(choose_solver(task, **options)) is expected


def test_cardinality_is_the_inner_solver_of_a_limit() -> None:
    task = Task(
        _returns(), ObjectiveSpec("min-variance"), Constraints(max_assets=3), EngineConfig()
    )
    assert type(choose_solver(task)) is CardinalitySolver
    limited = choose_solver(task, max_volatility=0.5)
    assert isinstance(limited, RiskLimitSolver) and isinstance(limited.inner, CardinalitySolver)


@pytest.mark.parametrize(
    ("task_changes", "options", "message"),
    [
        ({"half_life": 50.0}, {"max_volatility": 0.2}, "does not combine with half_life"),
        ({"callbacks": (print,)}, {"max_cvar": 0.02}, "does not combine with callbacks"),
        ({}, {"max_volatility": 0.2, "bootstrap": 5}, "does not combine with bootstrap"),
        ({}, {"max_volatility": 0.2, "max_cvar": 0.02}, "one risk limit at a time"),
        ({}, {"distributed": True, "bootstrap": 5}, "bootstrap cannot run sharded"),
        ({}, {"distributed": True, "max_volatility": 0.2}, "sharded run takes neither"),
    ],
)
def test_options_that_do_not_combine_are_refused_in_one_line(
    task_changes: dict, options: dict, message: str
) -> None:
    task = Task(_returns(), ObjectiveSpec("mean-variance"), Constraints(), EngineConfig())
    task = dataclasses.replace(task, **task_changes)
    with pytest.raises(ConfigError, match=message) as info:
        choose_solver(task, **options)
    assert "\n" not in str(info.value)


def test_cardinality_refuses_resampling() -> None:
    task = Task(
        _returns(), ObjectiveSpec("min-variance"), Constraints(max_assets=3), EngineConfig()
    )
    with pytest.raises(ConfigError, match="max_assets/min_position cannot be combined"):
        choose_solver(task, bootstrap=5)


def _counting_prepare(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = solver_base.prepare_data

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solver_base, "prepare_data", counted)
    return calls


def _max_return_under_volatility(x: np.ndarray, level: float | None) -> np.ndarray:
    """cvxpy (Clarabel): long-only max-return under an annualised volatility cap, or
    (``level`` None) the minimum-variance portfolio."""
    w = cp.Variable(x.shape[1])
    annual_var = cp.sum_squares((x - x.mean(axis=0)) @ w) / x.shape[0] * 252
    feasible = [cp.sum(w) == 1, w >= 0]
    if level is None:
        cp.Problem(cp.Minimize(annual_var), feasible).solve()
    else:
        cp.Problem(cp.Maximize(x.mean(axis=0) @ w), [*feasible, annual_var <= level**2]).solve()
    return np.asarray(w.value)


def test_a_binding_limit_prepares_the_data_once(monkeypatch: pytest.MonkeyPatch) -> None:
    r = _returns()
    x = r.to_numpy()
    low = float(np.sqrt(252) * (x @ _max_return_under_volatility(x, None)).std())
    top = float(np.sqrt(252) * x[:, int(np.argmax(x.mean(axis=0)))].std())
    level = 0.5 * (low + top)
    calls = _counting_prepare(monkeypatch)
    result = optimize(r, "max-return", max_volatility=level, seed=0)
    assert len(calls) == 1
    report = result.risk_limit
    assert report is not None and report.binds and report.runs > 0
    reference = _max_return_under_volatility(x, level)  # the independent reference
    mu = x.mean(axis=0)
    assert float(mu @ result.weights.to_numpy()) == pytest.approx(float(mu @ reference), rel=1e-3)


def test_the_frontier_prepares_the_data_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_prepare(monkeypatch)
    sgd = EngineConfig(precondition=False, cvar_polish=False)  # the batched SGD path
    frontier = efficient_frontier(_returns(), points=4, config=sgd)
    assert len(calls) == 1 and frontier.weights.shape == (4, 6)
    frontier = efficient_frontier(_returns(), points=4)  # exact QPs: no engine data at all
    assert len(calls) == 1 and frontier.weights.shape == (4, 6)


def test_error_bars_run_over_the_plain_solver_through_the_protocol() -> None:
    class Recorded:
        def __init__(self) -> None:
            self.tasks: list[Task] = []

        def solve(self, task: Task) -> OptimizationResult:
            self.tasks.append(task)
            return PlainSolver().solve(task)

    inner = Recorded()
    task = Task(_returns(), ObjectiveSpec("min-variance"), Constraints(), EngineConfig(seed=0))
    result = BootstrapSolver(inner, n_resamples=4).solve(task)
    assert len(inner.tasks) == 1 and inner.tasks[0] is task
    bars = result.reports.of(ErrorBars)
    assert bars is result.error_bars and bars.n_resamples == 4
    plain = optimize(task.returns, "min-variance", seed=0)
    np.testing.assert_array_equal(result.weights.to_numpy(), plain.weights.to_numpy())


def test_reports_are_keyed_by_type_and_replace_their_own_kind() -> None:
    reports = Reports(FinishReport("off", False), RecencyReport(10.0))
    assert reports.of(FinishReport) == FinishReport("off", False)
    assert reports.of(CardinalityReport) is None
    again = reports.with_reports(RecencyReport(5.0, 3.0))
    assert len(again) == 2 and again.of(RecencyReport) == RecencyReport(5.0, 3.0)
    assert reports.of(RecencyReport) == RecencyReport(10.0)  # immutable
    with pytest.raises(TypeError, match="not a Report"):
        Reports(object())  # type: ignore[arg-type]


EXPECTED_KEYS = (
    "weights objective objective_value batch_size steps samples_seen epochs wall_time lr "
    "optimizer averaging stop_reason device dtype seed var_level n_assets n_scenarios start "
    "end spec constraints config step_graphs converged optimality_gap relative_gap_bound "
    "certificate_method polish polished effective_sample_size half_life"
).split()


def test_to_dict_keys_and_order_are_unchanged() -> None:
    r = _returns()
    plain = optimize(r, "min-variance", seed=0).to_dict()
    assert list(plain) == [*EXPECTED_KEYS, "constraints_report"]
    assert plain["effective_sample_size"] == float(len(r)) and plain["half_life"] is None
    limited = optimize(r, "max-return", max_volatility=0.2, seed=0).to_dict()
    assert list(limited) == [*EXPECTED_KEYS, "constraints_report", "risk_limit"]
    held = Constraints(previous_weights=np.full(6, 1 / 6), transaction_costs=0.001)
    traded = optimize(r, "min-variance", held, seed=0).to_dict()
    assert list(traded)[32:35] == ["transaction_cost", "turnover", "constraints_report"]
    json.dumps(limited)  # JSON-ready


def test_a_limit_report_is_a_report_of_the_result() -> None:
    result = optimize(_returns(), "max-return", max_volatility=0.2, seed=0)
    assert isinstance(result.reports.of(RiskLimitReport), RiskLimitReport)
    assert result.risk_limit is result.reports.of(RiskLimitReport)
    assert RiskLimitReport in result.reports and FinishReport in result.reports


def test_a_limit_over_cardinality_composes_through_the_protocol() -> None:
    r = _returns()
    level = 0.99 * float(np.sqrt(252) * r.std(ddof=0).max())  # above any 3-asset mix
    result = RiskLimitSolver(RiskLimit("volatility", level), CardinalitySolver()).solve(
        Task(r, ObjectiveSpec("mean-variance"), Constraints(max_assets=3), EngineConfig(seed=0))
    )
    assert result.cardinality is not None and result.cardinality.n_held <= 3
    assert result.risk_limit is not None and not result.risk_limit.binds


def test_optimize_declares_each_keyword_once() -> None:
    """Every parameter of optimize is a shorthand, a solver option or a task input."""
    task_inputs = {"returns", "objective", "constraints", "config", "benchmark"}
    task_inputs |= {"init_weights", "callbacks", "half_life", "prior"}
    allocator_tree = {"linkage", "distance"}  # objective "hrp", "herc", "nco"
    parts = [set(SHORTHANDS), set(SOLVER_OPTIONS), task_inputs, allocator_tree]
    assert set(inspect.signature(optimize).parameters) == set().union(*parts)
    assert sum(len(p) for p in parts) == len(inspect.signature(optimize).parameters)


def test_a_variant_shares_the_prepared_data_under_its_own_objective() -> None:
    task = Task(_returns(), ObjectiveSpec("mean-variance"), Constraints(), EngineConfig())
    low = task.variant(spec=ObjectiveSpec("min-variance"))
    assert low.prepared.problem.returns is task.prepared.problem.returns
    assert low.prepared.problem.spec.objective.value == "min-variance"
    assert task.prepared.problem.spec.objective.value == "mean-variance"
    with pytest.raises(ValueError, match="cannot change"):
        task.variant(config=EngineConfig(dtype="float32"))


def test_a_limit_on_any_measure_is_one_limit_given_one_way() -> None:
    """``limit=`` names a registered measure; malformed or doubled limits are refused in
    one line, before any data is read."""
    returns = pd.DataFrame(np.full((40, 2), 0.01), columns=["A", "B"])
    with pytest.raises(ConfigError, match="one risk limit at a time"):
        optimize(returns, "max-return", max_cvar=0.02, limit=("cvar", 0.02))
    with pytest.raises(ConfigError, match=r"\(measure, level\) pair"):
        optimize(returns, "max-return", limit="cvar")
    with pytest.raises(ConfigError, match="risk limit measure must be one of"):
        optimize(returns, "max-return", limit=("nope", 0.02))
