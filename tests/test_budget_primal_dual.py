"""The primal-dual path and the patterned Newton system of risk budgeting under mandates.

References: the barrier's own sequence of centrings (the solve before the primal-dual path)
for the answers, and scipy's sparse products for the patterned matrices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import portfolio_sgd.objectives.budget_barrier as barrier
from portfolio_sgd import Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives.budget_newton import DistinctRows, GramPattern


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2021-01-01", end="2021-12-31").iloc[:, :8]


def test_patterned_newton_matrices_match_scipy(small) -> None:
    form = get_measure("cdar").budget_epigraph(small.to_numpy(), 0.95)
    rng = np.random.default_rng(0)
    d = rng.uniform(0.5, 2.0, form.a_y.shape[0])
    extra = rng.uniform(0.0, 1.0, form.a_v.shape[1])
    rows = DistinctRows(form.a_y)
    assert rows.unique.shape[0] < form.a_y.shape[0]  # the path's rows repeat (both signs)
    np.testing.assert_allclose(rows.gram(d), (form.a_y.T * d) @ form.a_y, rtol=1e-12)
    a_v = sp.csc_matrix(form.a_v)
    direct = (a_v.T @ sp.diags(d) @ a_v + sp.diags(extra)).toarray()
    lu = GramPattern(a_v).factor(d, extra)
    rhs = rng.normal(size=a_v.shape[1])
    np.testing.assert_allclose(direct @ lu.solve(rhs), rhs, atol=1e-9)


@pytest.mark.parametrize("measure", ["cvar", "cdar", "volatility"])
def test_primal_dual_path_keeps_the_barrier_answer(small, measure, monkeypatch) -> None:
    names = list(small.columns)
    groups = {n: ["first"] if i < 3 else ["rest"] for i, n in enumerate(names)}
    mandate = Constraints(groups=groups, linear=["first == 0.25"])
    fast = optimize(small, objective="risk-budgeting", measure=measure, constraints=mandate)
    monkeypatch.setattr(barrier, "USE_PRIMAL_DUAL", False)
    slow = optimize(small, objective="risk-budgeting", measure=measure, constraints=mandate)
    assert np.abs(fast.weights.to_numpy() - slow.weights.to_numpy()).max() <= 1e-9
    assert fast.weights.iloc[:3].sum() == pytest.approx(0.25, abs=1e-12)
    assert fast.converged


def test_drawdown_contributions_meet_the_budgets(small) -> None:
    """The barrier's Newton-step multipliers give the contributions: with no constraints
    they equal the budgets (stationarity), also where many drawdown rows nearly bind."""
    result = optimize(small, objective="risk-budgeting", measure="max-drawdown")
    rc = result.risk_contributions.to_numpy()
    assert np.abs(rc - 1 / small.shape[1]).max() <= 1e-9
    assert result.converged
