"""Max-ratio ``(mu.w - rf) / rho(w)`` over any measure: Sharpe and CVaR ratios.

References: cvxpy's Charnes-Cooper programs (``y = k w``: min ``rho(y)`` s.t.
``(mu - rf).y = 1``, ``y`` in the cone of the constraint set; the best ratio is
``1 / rho(y*)``) and skfolio's ``MeanRisk(objective_function=MAXIMIZE_RATIO)``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd import ConfigError, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.data import load_returns
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.objectives.composition import compose
from portfolio_sgd.results import RatioReport

cp = pytest.importorskip("cvxpy", reason="cvxpy is the independent reference")

RF = 1e-4


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2019-01-01")


@pytest.fixture(scope="module")
def us50(us_stocks_50) -> pd.DataFrame:
    return us_stocks_50


def charnes_cooper(returns: pd.DataFrame, measure: str, rf: float, cap: float = 1.0) -> float:
    """The best long-only ratio (budget 1, weights <= cap) by cvxpy's Charnes-Cooper program."""
    r = returns.to_numpy()
    t_len, n = r.shape
    y = cp.Variable(n, nonneg=True)
    k = cp.sum(y)
    cons = [(r.mean(axis=0) - rf) @ y == 1, y <= cap * k]
    if measure == "volatility":
        centred = (r - r.mean(axis=0)) / math.sqrt(t_len)
        risk = cp.norm(centred @ y)
        solver = cp.CLARABEL
    else:
        t = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        cons.append(z >= -r @ y - t)
        risk = t + cp.sum(z) / (0.05 * t_len)
        solver = cp.HIGHS
    cp.Problem(cp.Minimize(risk), cons).solve(solver=solver)
    return 1.0 / float(risk.value)


def _report(result) -> RatioReport:
    report = result.reports.of(RatioReport)
    assert report is not None
    return report


@pytest.mark.parametrize("measure", ["volatility", "cvar"])
def test_ratio_matches_charnes_cooper_and_is_certified(sp500, measure) -> None:
    result = optimize(sp500, compose("max-ratio", measure), risk_free_rate=RF, seed=0)
    report = _report(result)
    best = charnes_cooper(sp500, measure, RF)
    assert report.ratio == pytest.approx(best, rel=1e-6)
    assert report.upper_bound >= best * (1 - 1e-7)  # a valid bound
    assert result.converged and result.relative_gap_bound <= 1e-5
    assert result.objective_value == pytest.approx(-report.ratio)
    w = result.weights.to_numpy()
    assert w.sum() == pytest.approx(1.0) and w.min() >= -1e-12


def test_sharpe_with_bounds_and_on_fifty_us_stocks(sp500, us50) -> None:
    capped = optimize(sp500, "max-sharpe", max_weight=0.2, risk_free_rate=RF, seed=0)
    assert capped.weights.max() <= 0.2 + 1e-9
    assert _report(capped).ratio == pytest.approx(
        charnes_cooper(sp500, "volatility", RF, 0.2), rel=1e-6
    )
    wide = optimize(us50, "max-ratio", seed=0)
    assert _report(wide).ratio == pytest.approx(charnes_cooper(us50, "volatility", 0.0), rel=1e-6)
    assert wide.converged


def test_skfolio_maximize_ratio_matches(sp500) -> None:
    pytest.importorskip("skfolio")
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    from portfolio_sgd.skfolio import SGDMeanRisk

    r = sp500.to_numpy()
    for member, measure in [
        (RiskMeasure.STANDARD_DEVIATION, "volatility"),
        (RiskMeasure.CVAR, "cvar"),
    ]:
        params = {
            "objective_function": ObjectiveFunction.MAXIMIZE_RATIO,
            "risk_measure": member,
            "risk_free_rate": RF,
        }
        theirs = MeanRisk(**params).fit(sp500).weights_
        ours = SGDMeanRisk(**params).fit(sp500).weights_
        ratio = compose("max-ratio", measure, risk_free_rate=RF).impl.ratio
        assert ratio(r, ours)[0] >= ratio(r, theirs)[0] * (1 - 1e-4), member


def test_no_portfolio_above_the_risk_free_rate_is_one_line(sp500) -> None:
    with pytest.raises(ConfigError, match="risk-free rate") as info:
        optimize(sp500, "max-ratio", risk_free_rate=0.05)
    assert "\n" not in str(info.value)


def test_names_compose_and_refusals() -> None:
    assert ObjectiveSpec("max-sharpe").impl.risk.name == "volatility"
    spec = compose("max-ratio", "cvar", risk_free_rate=RF)
    assert (spec.objective.value, spec.measure, spec.risk_free_rate) == ("max-ratio", "cvar", RF)
    assert "risk_free_rate" in spec.to_dict()
    assert "risk_free_rate" not in ObjectiveSpec("min-variance").to_dict()
    with pytest.raises(ConfigError, match="applies to max-ratio"):
        ObjectiveSpec("min-variance", risk_free_rate=0.01)
    with pytest.raises(ConfigError, match="does not combine"):
        optimize(np.random.default_rng(0).normal(size=(300, 4)), "max-ratio", max_cvar=0.1)


def test_cli_max_ratio_over_cvar(sp500) -> None:
    args = ["optimize", "--objective", "max-ratio", "--measure", "cvar", "--start", "2019-01-01"]
    args += ["--risk-free-rate", str(RF), "--format", "json", "--quiet"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output[out.output.index("{") :])
    assert payload["max_ratio"]["measure"] == "cvar"
    assert payload["max_ratio"]["ratio"] == pytest.approx(
        charnes_cooper(sp500, "cvar", RF), rel=1e-6
    )
    assert payload["converged"] is True
