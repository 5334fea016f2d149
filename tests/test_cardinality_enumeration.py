"""The cardinality solver proves its answer by enumeration where that is cheap (issue 25):
``converged`` is true, the answer is the mixed-integer optimum (brute force over every
support with cvxpy as the reference), and the heuristic still runs beyond the work rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.cardinality import enumeration
from portfolio_sgd.data import load_returns
from portfolio_sgd.objectives import ObjectiveSpec


@pytest.fixture(scope="module")
def small():
    return load_returns(dataset="sp500").iloc[-400:, :9]


@pytest.fixture(scope="module")
def best3(small) -> float:
    """The mixed-integer optimum for k = 3 by brute force."""
    return _brute_force(small.to_numpy(), 3)


def _brute_force(r: np.ndarray, k: int) -> float:
    """min w'Sigma w over every support of size k (cvxpy + Clarabel per support)."""
    cp = pytest.importorskip("cvxpy")
    sigma = np.cov(r.T, bias=True)
    best = np.inf
    for s in itertools.combinations(range(r.shape[1]), k):
        w = cp.Variable(k)
        sub = sigma[np.ix_(s, s)]
        prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(sub))), [cp.sum(w) == 1, w >= 0])
        prob.solve(solver="CLARABEL")
        best = min(best, float(prob.value))
    return best


def test_enumeration_proves_the_optimum(small, best3) -> None:
    res = optimize(small, "min-variance", max_assets=3, seed=0)
    card = res.cardinality
    assert card.method == "enumeration (proven optimum)"
    assert res.converged and res.relative_gap_bound <= 1e-6
    ref = best3
    assert res.objective_value == pytest.approx(ref, rel=1e-6)
    assert res.objective_value <= ref * (1 + 1e-8)
    assert card.lower_bound <= ref * (1 + 1e-8)
    assert (res.weights > 0).sum() <= 3


def test_the_rule_counts_supports(small, monkeypatch) -> None:
    spec = ObjectiveSpec("min-variance")
    assert enumeration.enumeration_applies(spec, Constraints(max_assets=5), 20)
    assert not enumeration.enumeration_applies(spec, Constraints(max_assets=10), 20)
    assert not enumeration.enumeration_applies(ObjectiveSpec("cvar"), Constraints(max_assets=5), 20)
    rows = Constraints(max_assets=5, min_weight=-0.1)
    assert not enumeration.enumeration_applies(spec, rows, 20)
    monkeypatch.setattr(enumeration, "ENUMERATION_WORK", 0)
    assert not enumeration.enumeration_applies(spec, Constraints(max_assets=3), 9)


def test_heuristic_runs_beyond_the_rule(small, best3, monkeypatch) -> None:
    monkeypatch.setattr(enumeration, "ENUMERATION_WORK", 0)
    res = optimize(small, "min-variance", max_assets=3, seed=0)
    assert res.cardinality.method == "heuristic"
    assert res.objective_value <= best3 * (1 + 1e-3)
