"""Risk budgeting by any convex, positively homogeneous measure: CVaR risk parity.

Reference: cvxpy's ``min_{y > 0} CVaR(y) - b.log y`` (Clarabel, exponential cones), then
``w = y / sum(y)``; and skfolio's ``RiskBudgeting(risk_measure=CVAR)``. Over variance and
volatility the answers are today's risk parity, unchanged.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd import ConfigError, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.objectives.composition import compose

cp = pytest.importorskip("cvxpy", reason="cvxpy is the independent reference")


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2019-01-01")


@pytest.fixture(scope="module")
def us50(us_stocks_50) -> pd.DataFrame:
    return us_stocks_50


def cvxpy_budgeting(returns: pd.DataFrame, budgets: np.ndarray, alpha: float = 0.95):
    """``(w, F*)`` of ``min_{y > 0} CVaR(y) - b.log y`` by cvxpy."""
    r = returns.to_numpy()
    t_len, n = r.shape
    y, t = cp.Variable(n), cp.Variable()
    z = cp.Variable(t_len, nonneg=True)
    objective = t + cp.sum(z) / ((1 - alpha) * t_len) - budgets @ cp.log(y)
    problem = cp.Problem(cp.Minimize(objective), [z >= -r @ y - t])
    problem.solve(solver=cp.CLARABEL)
    return y.value / y.value.sum(), float(problem.value)


def _check(result, returns: pd.DataFrame, budgets: np.ndarray, euler_tol: float) -> None:
    """Ours against cvxpy: the objective, the weights, the contributions and the certificate.

    The reported contributions use the certifying subgradient (they equal the budgets).
    CVaR has a kink at the optimum (scenarios tied at the VaR), where the measure's own
    decomposition (the tie-spread tail mean) is one subgradient among many: it agrees to
    ``euler_tol``.
    """
    w_ref, f_ref = cvxpy_budgeting(returns, budgets)
    assert result.objective_value <= f_ref + 1e-7 * abs(f_ref)
    assert result.objective_value == pytest.approx(f_ref, rel=1e-6)
    w = result.weights.to_numpy()
    np.testing.assert_allclose(w, w_ref, atol=1e-4)
    assert result.converged and result.optimality_gap <= 1e-8
    assert np.abs(result.risk_contributions.to_numpy() - budgets).max() <= 1e-5
    risk, euler = get_measure("cvar").contributions(returns.to_numpy(), w)
    assert np.abs(euler / risk - budgets).max() <= euler_tol


def test_cvar_risk_parity_matches_cvxpy(sp500) -> None:
    n = sp500.shape[1]
    result = optimize(sp500, compose("risk-budgeting", "cvar"))
    assert result.objective == "measured-risk-budgeting" and result.spec.measure == "cvar"
    _check(result, sp500, np.full(n, 1.0 / n), 1e-4)


def test_cvar_budgets_on_fifty_us_stocks(us50) -> None:
    b = np.linspace(1.0, 3.0, us50.shape[1])
    result = optimize(us50, ObjectiveSpec("risk-budgeting", measure="cvar", budgets=tuple(b)))
    _check(result, us50, b / b.sum(), 2e-3)


def test_variance_and_volatility_keep_todays_risk_parity(sp500) -> None:
    today = optimize(sp500, "risk-parity").weights.to_numpy()
    for spec in ["risk-budgeting", compose("risk-budgeting", "volatility")]:
        result = optimize(sp500, spec)
        assert result.objective == "risk-parity"
        assert np.abs(result.weights.to_numpy() - today).max() == 0.0


def test_skfolio_risk_budgeting_cvar_matches(sp500) -> None:
    pytest.importorskip("skfolio")
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    from portfolio_sgd.skfolio import SGDRiskBudgeting

    b = np.linspace(1.0, 3.0, sp500.shape[1])
    theirs = RiskBudgeting(risk_measure=RiskMeasure.CVAR, risk_budget=b).fit(sp500)
    ours = SGDRiskBudgeting(risk_measure=RiskMeasure.CVAR, risk_budget=b).fit(sp500)
    np.testing.assert_allclose(ours.weights_, theirs.weights_, atol=1e-4)
    assert ours.result_.converged
    with pytest.raises(ConfigError, match="risk_measure") as info:
        SGDRiskBudgeting(risk_measure=RiskMeasure.EDAR).fit(sp500)
    assert "\n" not in str(info.value)


def test_refusals_are_one_line(sp500) -> None:
    with pytest.raises(ConfigError, match="no LP form") as info:
        optimize(sp500, compose("risk-budgeting", "gini-mean-difference"), max_weight=0.2)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="does not combine"):
        optimize(sp500, compose("risk-budgeting", "cvar"), bootstrap=4)


def test_cli_cvar_budgets_file(tmp_path, sp500) -> None:
    tickers = list(sp500.columns)
    path = tmp_path / "budgets.csv"
    path.write_text(
        "ticker,budget\n" + "".join(f"{t},{1 + i % 3}\n" for i, t in enumerate(tickers))
    )
    args = [
        "optimize",
        "--objective",
        "risk-budgeting",
        "--measure",
        "cvar",
        "--budgets",
        str(path),
    ]
    args += ["--start", "2019-01-01", "--format", "json", "--quiet"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output[out.output.index("{") :])
    beta = np.array([1 + i % 3 for i in range(len(tickers))], dtype=float)
    rc = np.array([payload["risk_contributions"][t] for t in tickers])
    assert np.abs(rc - beta / beta.sum()).max() <= 1e-5 and payload["converged"] is True
