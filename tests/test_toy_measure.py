"""A new risk measure by the recipe: one module, registered, no other file touched.

The toy measure is the lower semi-variance ``E[min(x - mu.w, 0)^2]`` (smooth: C1 and
convex), written to a temporary directory as a single module with a
:class:`~portfolio_sgd.measures.base.RiskMeasure` subclass and a cvxpy form, and registered
through :func:`~portfolio_sgd.measures.registry.register_measure` (the
``portfolio_sgd.measures`` entry-point group does the same for an installed package). It
then works under ``optimize`` (min-risk and utility), a risk limit, the frontier, the skfolio estimator
and the CLI, each checked against an independent cvxpy solve written here.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cp = pytest.importorskip("cvxpy")

from portfolio_sgd import optimize  # noqa: E402
from portfolio_sgd.errors import ConfigError  # noqa: E402
from portfolio_sgd.measures.base import RiskMeasure  # noqa: E402
from portfolio_sgd.measures.limit import RiskLimit  # noqa: E402
from portfolio_sgd.measures.registry import get_measure, register_measure  # noqa: E402
from portfolio_sgd.objectives import ObjectiveSpec  # noqa: E402
from portfolio_sgd.reference.exact import solve_exact  # noqa: E402

TOY_MODULE = '''
"""Lower semi-variance: E[min(x - mu.w, 0)^2]."""

from typing import Any, ClassVar

import numpy as np
import torch

from portfolio_sgd.measures.base import Derivatives, RiskMeasure
from portfolio_sgd.measures.scales import data_scales


class LowerSemiVariance(RiskMeasure):
    name: ClassVar[str] = "toy"
    label: ClassVar[str] = "daily semi-variance"
    short_label: ClassVar[str] = "semi-variance"
    limit_option: ClassVar[str | None] = "--max-toy"
    uses_mean: ClassVar[bool] = True

    def losses(self, x, mean_return, var_level=None, alpha=0.95, smoothing=0.0):
        down = torch.clamp(x - mean_return[:, None], max=0.0)
        return down * down

    def derivatives(self, x, mean_return, var_level=None, alpha=0.95, smoothing=0.0):
        down = torch.clamp(x - mean_return[:, None], max=0.0)
        return 2.0 * down, -2.0 * down, None

    def numpy_value(self, x, alpha=0.95):
        x = np.asarray(x, dtype=np.float64)
        return (np.minimum(x - x.mean(axis=0), 0.0) ** 2).mean(axis=0)

    def cvxpy_expression(self, cp: Any, w: Any, returns, alpha):
        s2 = self.cvxpy_scale(returns)
        centred = (returns - returns.mean(axis=0)) / np.sqrt(s2)
        return cp.sum_squares(cp.neg(centred @ w)) / returns.shape[0], []

    def cvxpy_scale(self, returns):
        return data_scales(returns)[1]


TOY = LowerSemiVariance()
'''


@pytest.fixture(scope="module")
def toy() -> RiskMeasure:
    """The toy module, written to a temporary directory, imported and registered."""
    folder = Path(__import__("tempfile").mkdtemp())
    path = folder / "toy_measure.py"
    path.write_text(textwrap.dedent(TOY_MODULE))
    spec = importlib.util.spec_from_file_location("toy_measure", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["toy_measure"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return register_measure(module.TOY)


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    scale = np.array([0.006, 0.009, 0.012, 0.015, 0.02])
    data = rng.standard_t(6, size=(600, 5)) * scale + np.array([2, 3, 4, 5, 7]) * 1e-4
    return pd.DataFrame(data, columns=list("ABCDE"))


def _semivariance(x: np.ndarray) -> float:
    return float(np.mean(np.minimum(x - x.mean(), 0.0) ** 2))


def _cvxpy_min_risk(r: np.ndarray) -> np.ndarray:
    """Independent reference: min E[min(x - mu.w, 0)^2] over the simplex."""
    w = cp.Variable(r.shape[1])
    centred = (r - r.mean(axis=0)) * 100.0
    problem = cp.Problem(
        cp.Minimize(cp.sum_squares(cp.neg(centred @ w)) / r.shape[0]), [cp.sum(w) == 1, w >= 0]
    )
    problem.solve(solver="CLARABEL")
    return np.asarray(w.value)


def _cvxpy_max_return(r: np.ndarray, level: float) -> np.ndarray:
    """Independent reference: max mu.w s.t. semi-variance <= level over the simplex."""
    w = cp.Variable(r.shape[1])
    centred = r - r.mean(axis=0)
    semi = cp.sum_squares(cp.neg(centred @ w)) / r.shape[0]
    problem = cp.Problem(
        cp.Maximize(r.mean(axis=0) @ w * 1e3), [semi * 1e4 <= level * 1e4, cp.sum(w) == 1, w >= 0]
    )
    problem.solve(solver="CLARABEL")
    return np.asarray(w.value)


def test_the_protocol_refuses_a_non_smooth_measure_with_smooth_only_bounds() -> None:
    with pytest.raises(TypeError, match="not smooth"):

        class Kinked(RiskMeasure):  # noqa: F841 - defining it is the test
            name = "kinked"
            is_smooth = False

            def losses(self, x, mean_return, var_level=None, alpha=0.95, smoothing=0.0):  # noqa: ANN001, ANN201
                return (x - mean_return[:, None]).abs()


def test_registry_names_aliases_and_one_line_errors(toy: RiskMeasure) -> None:
    assert get_measure("toy") is toy
    assert get_measure("Std").name == "volatility"
    with pytest.raises(ConfigError, match="unknown risk measure 'nope'; choose one of: .*toy"):
        get_measure("nope")
    assert RiskLimit("toy", 1e-5).option == "--max-toy"


def test_min_risk_over_the_toy_matches_cvxpy(toy: RiskMeasure, returns: pd.DataFrame) -> None:
    r = returns.to_numpy()
    res = optimize(returns, ObjectiveSpec("min-risk", measure="toy"))
    w = res.weights.to_numpy()
    ref = _cvxpy_min_risk(r)
    assert res.converged
    assert _semivariance(r @ w) <= _semivariance(r @ ref) * (1 + 1e-4)
    assert np.abs(w - ref).max() < 2e-3
    exact = solve_exact("min-risk", r, measure="toy")
    assert np.abs(exact.weights - ref).max() < 1e-5
    assert math.isclose(exact.value, _semivariance(r @ exact.weights), rel_tol=1e-12)


def test_a_limit_on_the_toy_matches_cvxpy(toy: RiskMeasure, returns: pd.DataFrame) -> None:
    r = returns.to_numpy()
    floor = _semivariance(r @ _cvxpy_min_risk(r))
    top = max(_semivariance(r[:, i]) for i in range(r.shape[1]))
    level = floor + 0.3 * (top - floor)
    res = optimize(returns, "max-return", limit=("toy", level))
    w = res.weights.to_numpy()
    ref = _cvxpy_max_return(r, level)
    assert res.risk_limit is not None and res.risk_limit.binds
    assert _semivariance(r @ w) <= level * (1 + 1e-9)
    mu = r.mean(axis=0)
    assert mu @ w >= mu @ ref - 1e-4 * abs(mu @ ref)


def test_the_skfolio_estimator_takes_the_toy(toy: RiskMeasure, returns: pd.DataFrame) -> None:
    pytest.importorskip("skfolio")
    from portfolio_sgd.skfolio import SGDMeanRisk

    model = SGDMeanRisk(risk_measure="toy").fit(returns)
    w = np.asarray(model.weights_)
    ref = _cvxpy_min_risk(returns.to_numpy())
    assert np.abs(w - ref).max() < 2e-3


def test_the_cli_takes_the_toy_measure(
    toy: RiskMeasure, returns: pd.DataFrame, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from portfolio_sgd.cli.main import main

    path = tmp_path / "returns.csv"
    dated = returns.set_axis(pd.bdate_range("2020-01-01", periods=len(returns)), axis=0)
    dated.rename_axis("date").to_csv(path)
    args = ["optimize", "--returns", str(path), "--objective", "min-risk", "--measure", "toy"]
    out = CliRunner().invoke(main, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    weights = json.loads(out.stdout)["weights"]
    w = np.array([weights[c] for c in returns.columns])
    assert np.abs(w - _cvxpy_min_risk(returns.to_numpy())).max() < 2e-3


def _cvxpy_utility(r: np.ndarray, g: float) -> float:
    """Independent reference: max mu.w - g * semi-variance over the simplex (its value)."""
    w = cp.Variable(r.shape[1])
    mu = r.mean(axis=0)
    semi = cp.sum_squares(cp.neg((r - mu) @ w)) / r.shape[0]
    problem = cp.Problem(cp.Maximize(1e4 * (mu @ w - g * semi)), [cp.sum(w) == 1, w >= 0])
    problem.solve(solver="CLARABEL")
    return float(problem.value) / 1e4


def test_the_frontier_over_the_toy_matches_cvxpy(toy: RiskMeasure, returns: pd.DataFrame) -> None:
    from portfolio_sgd.solvers.frontier import efficient_frontier

    result = efficient_frontier(returns, "utility", points=4, measure="toy")
    assert result.measure == "toy"
    assert result.risk_label == toy.label
    assert result.to_dict()["risk_measure"] == toy.label
    r = returns.to_numpy()
    x = r @ result.weights.to_numpy().T  # (T, K)
    np.testing.assert_allclose(result.risk, toy.stated_value(x), rtol=1e-12)
    for k, g in enumerate(result.risk_aversion):
        mine = x[:, k].mean() - g * _semivariance(x[:, k])
        ref = _cvxpy_utility(r, float(g))
        assert abs(mine - ref) <= 1e-4 * abs(ref), (k, g, mine, ref)
    assert np.all(np.diff(result.risk) > 0)
    assert np.all(np.diff(result.returns) > 0)
    assert result.converged.all()


def test_the_frontier_refuses_a_measure_without_utility(toy: RiskMeasure) -> None:
    from portfolio_sgd.solvers.frontier import efficient_frontier

    data = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)) * 0.01)
    with pytest.raises(ConfigError, match="runs objective 'utility'"):
        efficient_frontier(data, "mean-variance", points=3, measure="toy")


def test_the_cli_frontier_takes_the_toy_measure(
    toy: RiskMeasure, returns: pd.DataFrame, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from portfolio_sgd.cli.main import main

    path = tmp_path / "returns.csv"
    dated = returns.set_axis(pd.bdate_range("2020-01-01", periods=len(returns)), axis=0)
    dated.rename_axis("date").to_csv(path)
    args = ["frontier", "--returns", str(path), "--objective", "utility", "--measure", "toy"]
    out = CliRunner().invoke(main, [*args, "--points", "3", "--format", "json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["risk_measure"] == toy.label
    risk = [p["risk"] for p in result["points"]]
    assert len(risk) == 3 and risk == sorted(risk)
