"""Smoke test of ``benchmarks/everyday.py`` (seconds): the peers' cvxpy models solve the
same problems as the exact reference, and a row is timed, scored and rendered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import everyday
from portfolio_sgd import Constraints
from portfolio_sgd.reference.exact import objective_value, solve_exact


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    factor = rng.normal(0, 0.01, size=(400, 1))
    data = 0.0004 + factor + rng.normal(0, 0.01, size=(400, 6)) * np.linspace(0.5, 2, 6)
    return pd.DataFrame(data, columns=[f"A{i}" for i in range(6)])


@pytest.mark.parametrize("kind", ["min-variance", "mean-variance", "turnover"])
def test_cvxpy_peer_solves_the_reference_problem(small: pd.DataFrame, kind: str) -> None:
    r = small.to_numpy()
    n = r.shape[1]
    previous = np.full(n, 1.0 / n)
    if kind == "turnover":
        cons = Constraints(previous_weights=previous, max_turnover=everyday.TURNOVER)
        ref = solve_exact("min-variance", r, cons)
        objective = "min-variance"
    else:
        ref = solve_exact(kind, r, risk_aversion=everyday.LAMBDA)
        objective = kind
    w = everyday.cvxpy_peer(small, kind, previous=previous)
    f = objective_value(objective, r, w, risk_aversion=everyday.LAMBDA)
    assert abs(w.sum() - 1) < 1e-6 and w.min() > -1e-6
    assert abs(f - ref.value) <= 1e-5 * abs(ref.value)


def test_a_row_is_timed_scored_and_rendered(small: pd.DataFrame) -> None:
    import portfolio_sgd as ps

    r = small.to_numpy()
    ref = solve_exact("min-variance", r)

    def score(w: np.ndarray) -> tuple[float, float]:
        return float(objective_value("min-variance", r, w)), abs(float(w.sum()) - 1.0)

    case = everyday.Case(
        "min-variance",
        "small",
        small,
        lambda: ps.optimize(small, "min-variance", seed=0).weights.to_numpy(),
        {"cvxpy+Clarabel": lambda: everyday.cvxpy_peer(small, "min-variance")},
        score,
        reference=score(ref.weights)[0],
    )
    row = everyday.run_case(case, repeats=1)
    assert row["ours"]["gap"] <= 1e-8 and row["ours"]["violation"] <= 1e-10
    assert row["cvxpy+Clarabel"]["gap"] <= 1e-4
    text = everyday.markdown([row], ["a note"], "python -m benchmarks.everyday", "machine")
    assert "| min-variance | small |" in text and "cvxpy+Clarabel/ours" in text
    assert "- a note" in text
