"""Several risk limits at once (limits/several.py), against cvxpy references.

Max-return on sp500 from 2015 under a volatility and a CVaR limit: both binding, only
one binding, and the errors of the API and the CLI's repeatable ``--limit NAME=VALUE``.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import portfolio_sgd as ps
from portfolio_sgd.cli.main import main
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.limits.parse import parse_limit_option, risk_limits_from
from portfolio_sgd.measures.performance import cvar_and_var

cp = pytest.importorskip("cvxpy")


@pytest.fixture(scope="module")
def panel():  # noqa: ANN201
    return load_returns(dataset="sp500", start="2015-01-01")


def _reference(r: np.ndarray, vol: float, cvar: float, solver: str) -> float:
    """``max mu.w`` under both limits (Rockafellar-Uryasev rows, a quadratic cap)."""
    t_rows, n = r.shape
    w, z, u = cp.Variable(n), cp.Variable(), cp.Variable(t_rows)
    sigma = np.cov(r.T, bias=True)
    cons = [cp.sum(w) == 1, w >= 0, u >= 0, u >= -r @ w - z]
    cons.append(z + cp.sum(u) / (0.05 * t_rows) <= cvar)
    if vol is not None:
        cons.append(cp.quad_form(w, cp.psd_wrap(sigma)) <= vol**2 / 252)
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), cons)
    problem.solve(solver=solver)
    return float(problem.value)


def _check(panel, vol: float, cvar: float) -> ps.OptimizationResult:  # noqa: ANN001
    res = ps.optimize(panel, "max-return", limits={"volatility": vol, "cvar": cvar})
    x = panel.to_numpy() @ res.weights.to_numpy()
    assert np.sqrt(252) * x.std() <= vol
    assert float(cvar_and_var(-x, 0.95)[0]) <= cvar
    assert res.converged and res.relative_gap_bound <= 1e-8
    return res


def test_both_limits_binding_match_clarabel(panel) -> None:
    res = _check(panel, 0.18, 0.025)
    ref = _reference(panel.to_numpy(), 0.18, 0.025, "CLARABEL")
    assert -res.objective_value == pytest.approx(ref, rel=1e-6)  # Clarabel's own accuracy


def test_one_limit_binding_is_the_exact_lp(panel) -> None:
    res = _check(panel, 0.2, 0.025)  # the volatility limit does not bind
    ref = _reference(panel.to_numpy(), None, 0.025, "HIGHS")
    assert -res.objective_value == pytest.approx(ref, rel=1e-9)


def test_parsing_and_errors(panel) -> None:
    assert [lim.level for lim in risk_limits_from({"cvar": 0.02})] == [0.02]
    twice = risk_limits_from([("cvar", 0.03), ("cvar", 0.02)])  # the tightest is kept
    assert len(twice) == 1 and twice[0].level == 0.02
    assert parse_limit_option("volatility=0.2").measure == "volatility"
    for bad in ("cvar=abc", "cvar+volatility=0.2", "nope=0.1", "cvar", "cvar=-1"):
        with pytest.raises(ConfigError):
            parse_limit_option(bad)
    with pytest.raises(ConfigError, match="max-return"):
        ps.optimize(panel, "mean-variance", limits={"cvar": 0.03, "volatility": 0.2})
    with pytest.raises(ConfigError, match="does not combine with bootstrap"):
        ps.optimize(panel, "max-return", limits={"cvar": 0.03, "volatility": 0.2}, bootstrap=5)


def test_cli_repeatable_limit_and_one_line_errors() -> None:
    args = ["optimize", "--objective", "max-return", "--start", "2015-01-01", "--format", "json"]
    res = CliRunner().invoke(main, [*args, "--limit", "cvar=0.025", "--limit", "volatility=0.2"])
    assert res.exit_code == 0, res.output
    for bad in ("cvar=abc", "cvar*2=0.1", "foo=0.1"):
        res = CliRunner().invoke(main, [*args, "--limit", bad])
        assert res.exit_code != 0
        assert len([line for line in res.output.splitlines() if line.startswith("Error")]) == 1
