"""The defaults reach the exact optimum: gap <= 1e-4 (1e-3 for CVaR) on three real panels.

The reference is the exact cvxpy + Clarabel solution of the same problem
(:mod:`portfolio_sgd.reference.exact`, itself checked against closed forms and scipy). The
relative gap is ``(f(w_sgd) - f(w*)) / |f(w*)|`` with both values computed in numpy.
No option is tuned per dataset: every call uses the library defaults.
"""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd import optimize
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.reference.exact import objective_value, solve_exact

TARGET = {"mean-variance": 1e-4, "min-variance": 1e-4, "kelly": 1e-4, "cvar": 1e-3}
PANELS = ["sp500_returns", "etf_mix_returns", "ff49_returns"]


def relative_gap(objective: str, returns, weights: np.ndarray, constraints: Constraints) -> float:
    r = returns.to_numpy()
    exact = solve_exact(objective, r, constraints)
    value = float(objective_value(objective, r, weights))
    return (value - exact.value) / abs(exact.value)


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("objective", list(TARGET))
def test_default_reaches_exact_optimum(panel: str, objective: str, request) -> None:
    returns = request.getfixturevalue(panel)
    result = optimize(returns, objective=objective, seed=0)
    w = result.weights.to_numpy()
    assert abs(w.sum() - 1) < 1e-9 and w.min() >= -1e-12
    gap = relative_gap(objective, returns, w, Constraints())
    assert gap <= TARGET[objective], f"{panel} {objective}: gap {gap:.2e}"


@pytest.mark.parametrize(
    ("objective", "constraints"),
    [
        ("min-variance", Constraints(max_weight=0.1)),
        ("mean-variance", Constraints(min_weight=0.01, max_weight=0.2)),
        ("cvar", Constraints(max_weight=0.15)),
        (
            "mean-variance",
            Constraints(min_weight=-0.2, max_weight=0.5, long_short=True, max_leverage=1.6),
        ),
    ],
)
def test_constrained_defaults_reach_exact_optimum(
    sp500_returns, objective: str, constraints
) -> None:
    result = optimize(sp500_returns, objective, constraints, seed=0)
    w = result.weights.to_numpy()
    assert bool(constraints.is_feasible(__import__("torch").tensor(w)[None, :], atol=1e-8)[0])
    gap = relative_gap(objective, sp500_returns, w, constraints)
    assert gap <= TARGET[objective], f"{objective} {constraints}: gap {gap:.2e}"


def test_tracking_recovers_a_hidden_portfolio(sp500_returns) -> None:
    """A benchmark that is itself a portfolio of the assets is tracked exactly."""
    hidden = np.zeros(sp500_returns.shape[1])
    hidden[[0, 3, 7, 12]] = [0.4, 0.3, 0.2, 0.1]
    bench = sp500_returns @ hidden
    result = optimize(sp500_returns, objective="tracking", benchmark=bench, seed=0)
    np.testing.assert_allclose(result.weights.to_numpy(), hidden, atol=1e-4)
    assert result.objective_value < 1e-10


def test_compare_with_exact_reports_the_same_gap(sp500_returns) -> None:
    from portfolio_sgd import compare_with_exact

    result = optimize(sp500_returns, objective="min-variance", max_weight=0.1, seed=0)
    report = compare_with_exact(result, sp500_returns)
    w = result.weights.to_numpy()
    expected = relative_gap("min-variance", sp500_returns, w, Constraints(max_weight=0.1))
    assert report["relative_gap"] == pytest.approx(expected, abs=1e-9)
    exact_w = np.array([report["weights"][t] for t in sp500_returns.columns])
    assert report["l1_distance"] == pytest.approx(np.abs(w - exact_w).sum())
    assert max(report["weights"].values()) <= 0.1 + 1e-9
