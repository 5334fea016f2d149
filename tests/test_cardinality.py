"""Cardinality (max_assets) and minimum positions: the heuristic against the exact
mixed-integer optimum (support enumeration, CVaR milp), exact feasibility, and errors."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_sgd import SGDPortfolio, optimize, optimize_many
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import Cardinality, Constraints, SparseSet, SupportSet
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError, InfeasibleConstraintError
from portfolio_sgd.reference.cardinality import enumerate_cardinality, milp_cvar
from portfolio_sgd.reference.exact import objective_value, solve_exact


@pytest.fixture(scope="module")
def small():
    """A real 300 x 8 panel (the last 300 days of eight sp500 stocks)."""
    return load_returns(dataset="sp500").iloc[-300:, :8]


def brute_force(objective: str, r: np.ndarray, k: int, x: float, hi: float = 1.0) -> float:
    """The MIP optimum by cvxpy + Clarabel on every support (independent of the package's
    enumeration): bounds [x, hi] on the support, zero elsewhere."""
    best = np.inf
    for j in range(1, k + 1):
        if j * hi < 1 - 1e-12 or j * x > 1 + 1e-12:
            continue
        for s in itertools.combinations(range(r.shape[1]), j):
            sol = solve_exact(objective, r[:, list(s)], Constraints(min_weight=x, max_weight=hi))
            best = min(best, sol.value)
    return best


@pytest.mark.parametrize(
    ("objective", "k", "x"), [("min-variance", 3, 0.0), ("mean-variance", 3, 0.15)]
)
def test_enumeration_matches_cvxpy_on_every_support(small, objective, k, x) -> None:
    r = small.to_numpy()[:, :6]
    exact = enumerate_cardinality(objective, r, k, min_position=x)
    reference = brute_force(objective, r, k, x)
    assert exact.lower <= reference + 1e-12 * abs(reference)
    assert exact.value == pytest.approx(reference, rel=1e-7, abs=1e-12)
    assert float(objective_value(objective, r, exact.weights)) == pytest.approx(
        exact.value, rel=1e-9
    )


def test_cvar_milp_matches_cvxpy_on_every_support(small) -> None:
    r = small.to_numpy()[:, :6]
    exact = milp_cvar(r, 2, min_position=0.2)
    assert exact.value == pytest.approx(brute_force("cvar", r, 2, 0.2), rel=1e-6)
    assert len(exact.support) <= 2 and exact.weights[exact.weights > 0].min() >= 0.2 - 1e-9


def assert_feasible(w: np.ndarray, k: int | None, x: float, hi: float = 1.0) -> None:
    held = w[w != 0.0]
    assert abs(w.sum() - 1.0) <= 1e-9
    assert k is None or held.size <= k
    assert held.min() >= x - 1e-9 and held.max() <= hi + 1e-9 and (w >= 0).all()


@pytest.mark.parametrize(
    ("objective", "k", "x", "tol"),
    [("min-variance", 3, 0.0, 1e-3), ("mean-variance", 4, 0.12, 1e-3), ("cvar", 3, 0.1, 3e-3)],
)
def test_heuristic_meets_the_exact_optimum(small, objective, k, x, tol) -> None:
    r = small.to_numpy()
    result = optimize(small, objective, max_assets=k, min_position=x, seed=0)
    w = result.weights.to_numpy()
    assert_feasible(w, k, x)
    cons = Constraints(max_assets=k, min_position=x)
    if objective == "cvar":
        exact = milp_cvar(r, k, min_position=x).value
    else:
        exact = enumerate_cardinality(objective, r, k, min_position=x).value
    value = float(objective_value(objective, r, w))
    assert (value - exact) / abs(exact) <= tol
    card = result.cardinality
    assert card is not None and card.n_held == int((w > 0).sum()) <= k
    assert set(card.support) == set(small.columns[w > 0])
    # the reported lower bound is valid, and the reported gap bounds the true one
    assert card.lower_bound <= exact + 1e-12 and card.gap_to_relaxed >= value - exact - 1e-12
    assert result.objective_value == pytest.approx(value, rel=1e-9)
    assert cons.is_feasible(torch.as_tensor(w.copy())[None, :], atol=1e-9).item()


def test_relaxed_optimum_already_feasible_is_returned(small) -> None:
    model = SGDPortfolio("kelly", max_assets=8, seed=0).fit(small)
    result = model.result_
    card = result.cardinality
    assert model.get_params()["max_assets"] == 8 and (model.weights_ > 0).sum() == card.n_held
    assert card.method == "relaxed optimum is feasible" and card.candidates_evaluated == 0
    assert card.gap_to_relaxed == pytest.approx(result.optimality_gap)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"max_assets": 0}, "max_assets must be an integer >= 1"),
        ({"max_assets": 2, "max_weight": 0.3}, "max_assets 2 x max_weight 0.3 = 0.6 < 1"),
        ({"min_position": 0.4, "max_weight": 0.3}, "min_position 0.4 > max_weight 0.3"),
        ({"max_assets": 3, "min_position": 0.4, "max_weight": 0.45}, "no number j <= 3"),
        ({"max_assets": 3, "min_weight": 0.01}, "need a long-only portfolio with min_weight 0"),
        ({"min_position": 1.5}, "min_position must be a number in [0, 1]"),
    ],
)
def test_infeasible_settings_fail_before_any_step(small, kwargs, words) -> None:
    with pytest.raises(InfeasibleConstraintError) as err:
        optimize(small, "min-variance", Constraints(**kwargs), seed=0)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_unsupported_combinations_are_refused(small) -> None:
    with pytest.raises(ConfigError, match="log barrier holds every asset"):
        optimize(small, "risk-parity", max_assets=3)
    with pytest.raises(ConfigError, match="optimize_many does not take max_assets"):
        optimize_many(small, "min-variance", Constraints(max_assets=3))
    with pytest.raises(ConfigError, match="solve_exact is convex"):
        solve_exact("min-variance", small.to_numpy(), Constraints(max_assets=3))


def test_constraints_round_trip_and_violation() -> None:
    cons = Constraints(max_weight=0.5, max_assets=3, min_position=0.05)
    back = Constraints.from_dict(json.loads(json.dumps(cons.to_dict())))
    assert back == cons and back.relaxed() == Constraints(max_weight=0.5)
    part = Cardinality(2, 0.1, 1.0)
    w = torch.tensor([[0.5, 0.5, 0.0], [0.6, 0.35, 0.05], [0.4, 0.3, 0.3]], dtype=torch.float64)
    assert part.violation(w).tolist() == pytest.approx([0.0, 1.05, 1.0])
    assert part.sizes(5) == [1, 2] and Cardinality(4, 0.3, 0.5).sizes(6) == [2, 3]


def test_support_and_sparse_projections_match_cvxpy() -> None:
    import cvxpy as cp

    gen = torch.Generator().manual_seed(3)
    v = torch.randn(4, 7, generator=gen, dtype=torch.float64) * 0.4
    index = torch.tensor([[0, 2, 5], [1, 2, 3], [4, 5, 6], [0, 1, 6]])
    fixed = SupportSet(0.1, 0.6, index=index).project(v)
    sparse = SparseSet(0.0, 0.6, size=3).project(v)
    for i in range(4):
        w = cp.Variable(7)
        off = [j for j in range(7) if j not in index[i].tolist()]
        cons = [cp.sum(w) == 1, w[index[i].tolist()] >= 0.1, w <= 0.6, w[off] == 0]
        cp.Problem(cp.Minimize(cp.sum_squares(w - v[i].numpy())), cons).solve(solver="CLARABEL")
        assert np.abs(fixed[i].numpy() - w.value).max() <= 1e-7
        assert int((sparse[i] > 0).sum()) <= 3 and abs(float(sparse[i].sum()) - 1) <= 1e-12


def test_cli_json_reports_support(tmp_path, small) -> None:
    path = tmp_path / "r.csv"
    small.to_csv(path)
    args = ["optimize", "--returns", str(path), "--objective", "min-variance"]
    out = CliRunner().invoke(
        main, [*args, "--max-assets", "3", "--min-position", "0.1", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    card = payload["cardinality"]
    held = [t for t, v in payload["weights"].items() if v != 0]
    assert sorted(card["support"]) == sorted(held) and card["n_held"] == len(held) <= 3
    assert min(payload["weights"][t] for t in held) >= 0.1 - 1e-9
    assert payload["constraints"]["max_assets"] == 3
    report = card["constraints_report"]
    assert report["max_assets"]["value"] == len(held) and report["max_assets"]["violation"] == 0
    assert report["min_position"]["value"] == pytest.approx(
        min(payload["weights"][t] for t in held)
    )
    bad = CliRunner().invoke(main, [*args, "--max-assets", "2", "--max-weight", "0.3"])
    errors = [line for line in bad.output.splitlines() if line.startswith("Error")]
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert errors == ["Error: max_assets 2 x max_weight 0.3 = 0.6 < 1: weights cannot sum to 1"]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 12),
    data=st.data(),
)
def test_support_and_sparse_projections_are_feasible(seed, n, data) -> None:
    j = data.draw(st.integers(1, n))
    hi = data.draw(st.floats(1.0 / j, 1.0))
    lo = data.draw(st.floats(0.0, 1.0 / j)) if j * hi >= 1 else 0.0
    lo = min(lo, hi)
    gen = torch.Generator().manual_seed(seed)
    v = torch.randn(5, n, generator=gen, dtype=torch.float64) * 3.0
    index = torch.stack([torch.randperm(n, generator=gen)[:j] for _ in range(5)])
    for w, floor in (
        (SupportSet(lo, hi, index=index).project(v), lo),
        (SparseSet(0.0, hi, size=j).project(v), 0.0),
    ):
        held = w != 0
        assert (held.sum(dim=1) <= j).all()
        assert ((w.sum(dim=1) - 1.0).abs() <= 1e-9).all()
        assert (w[held] >= floor - 1e-9).all() and (w <= hi + 1e-9).all() and (w >= 0).all()


@pytest.mark.parametrize(
    ("dataset", "start"), [("ff49-daily", "2021-06-01"), ("us-etfs", "2017-01-01")]
)
def test_heuristic_meets_the_exact_optimum_on_more_panels(dataset, start) -> None:
    returns = load_returns(dataset=dataset, start=start).iloc[:, :8]
    result = optimize(returns, "min-variance", max_assets=3, seed=0)
    r = returns.to_numpy()
    exact = enumerate_cardinality("min-variance", r, 3).value
    value = float(objective_value("min-variance", r, result.weights.to_numpy()))
    assert (value - exact) / exact <= 1e-3
    assert_feasible(result.weights.to_numpy(), 3, 0.0)
