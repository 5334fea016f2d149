"""EVaR risk budgeting, with and without weight constraints.

References: cvxpy with Clarabel (``min EVaR(y) - b.log y`` over the cone of the weight
constraints, exponential cones) and skfolio's ``RiskBudgeting(risk_measure=EVAR)`` on the
same data. Our Newton solve must reach an objective within 1e-6 relative of Clarabel's (no
worse), weights within 1e-5 of both, and a certified gap below 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives.budget_cone import cone_rows
from portfolio_sgd.objectives.budget_smooth import solve_smooth_mandate

cp = pytest.importorskip("cvxpy", reason="cvxpy's exponential cone is the reference")


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2021-01-01", end="2021-12-31").iloc[:, :10]


def _clarabel(
    r: np.ndarray, g: np.ndarray, b: np.ndarray, alpha: float
) -> tuple[float, np.ndarray]:
    """``min EVaR(y) - b.log y`` s.t. ``G y <= 0`` by Clarabel: ``(value, y)``."""
    n, t_len = r.shape[1], r.shape[0]
    y, s, z, u = cp.Variable(n), cp.Variable(), cp.Variable(nonneg=True), cp.Variable(t_len)
    rows = [cp.constraints.ExpCone(-r @ y - s, z * np.ones(t_len), u), cp.sum(u) <= t_len * z]
    if g.shape[0]:
        rows.append(g @ y <= 0)
    problem = cp.Problem(cp.Minimize(s - z * math.log1p(-alpha) - b @ cp.log(y)), rows)
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return float(problem.value), np.asarray(y.value)


@pytest.mark.parametrize("bounded", [False, True])
def test_evar_budgeting_matches_clarabel(small, bounded) -> None:
    names = list(small.columns)
    caps = Constraints(max_weight={names[0]: 0.05, "*": 1.0}) if bounded else Constraints()
    g, e, _ = cone_rows(caps.bind(names), len(names))
    r = small.to_numpy()
    b = np.linspace(1.0, 2.0, len(names))
    b /= b.sum()
    form = get_measure("evar").budget_smooth(r, 0.95)
    ours = solve_smooth_mandate(form, g, e, b)
    value, y_ref = _clarabel(r, g, b, 0.95)
    assert ours.value <= value + 1e-6 * abs(value)
    assert ours.value - ours.lower <= 1e-9 * max(abs(ours.value), 1.0)
    assert ours.lower <= value + 1e-12  # the certificate holds against Clarabel too
    assert np.abs(ours.y / ours.y.sum() - y_ref / y_ref.sum()).max() <= 1e-5


def test_evar_contributions_meet_the_budgets_without_bounds(small) -> None:
    result = optimize(small, objective="risk-budgeting", measure="evar")
    rc = result.risk_contributions.to_numpy()
    assert np.abs(rc - 1 / small.shape[1]).max() <= 1e-9
    assert result.converged and result.relative_gap_bound <= 1e-9
    w = result.weights.to_numpy()  # Euler: w_i dEVaR/dw_i / EVaR(w), by finite differences
    evar = get_measure("evar")
    x = small.to_numpy()

    def rho(v: np.ndarray) -> float:
        return float(evar.numpy_value((x @ v)[:, None])[0])

    step = 1e-6
    grad = np.array([(rho(w + step * d) - rho(w - step * d)) / (2 * step) for d in np.eye(len(w))])
    assert np.abs(w * grad / rho(w) - 1 / len(w)).max() <= 1e-6


def test_evar_budgeting_matches_skfolio(small) -> None:
    pytest.importorskip("skfolio", reason="skfolio's RiskBudgeting is the reference")
    from skfolio.measures import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    from portfolio_sgd.skfolio import SGDRiskBudgeting

    cap = {small.columns[0]: 0.05}
    ref = RiskBudgeting(
        risk_measure=RiskMeasure.EVAR,
        max_weights=cap,
        solver_params={"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
    ).fit(small)
    ours = SGDRiskBudgeting(risk_measure=RiskMeasure.EVAR, max_weights=cap).fit(small)
    assert np.abs(ours.weights_ - ref.weights_).max() <= 1e-5
    assert ours.weights_[0] == pytest.approx(0.05, abs=1e-9)
