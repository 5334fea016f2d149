"""SGDMeanRisk with per-asset min_weights/max_weights (arrays, dicts by asset) and a budget
other than 1, against skfolio's own MeanRisk (cvxpy, Clarabel) on the same data."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("skfolio")

from skfolio import RiskMeasure  # noqa: E402
from skfolio.optimization import MeanRisk, ObjectiveFunction  # noqa: E402

from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.skfolio import SGDMeanRisk  # noqa: E402


@pytest.fixture(scope="module")
def sp500():
    return load_returns(dataset="sp500").iloc[-2000:]


def _variance(returns, w) -> float:
    return float(w @ np.cov(returns.to_numpy(), rowvar=False, bias=True) @ w)


@pytest.mark.parametrize(
    "params",
    [
        {"max_weights": np.linspace(0.05, 0.2, 20)},
        {"min_weights": {"AAPL": 0.05, "KO": 0.04}, "max_weights": {"PG": 0.05, "JNJ": 0.05}},
        {"max_weights": 0.2, "budget": 0.8},
        {"min_weights": -0.2, "max_weights": 0.3, "budget": 0.5, "max_short": 0.3},
    ],
    ids=["array", "dicts", "budget", "short"],
)
def test_min_variance_matches_skfolio(sp500, params) -> None:
    kw = {"risk_measure": RiskMeasure.VARIANCE}
    kw["objective_function"] = ObjectiveFunction.MINIMIZE_RISK
    ours = SGDMeanRisk(**kw, **params).fit(sp500)
    theirs = MeanRisk(**kw, **params).fit(sp500)
    ours_v, theirs_v = _variance(sp500, ours.weights_), _variance(sp500, theirs.weights_)
    assert ours_v <= theirs_v * (1 + 1e-6)  # ours exact; skfolio to Clarabel's tolerance
    assert ours_v == pytest.approx(theirs_v, rel=1e-4)
    budget = params.get("budget", 1.0)
    assert ours.weights_.sum() == pytest.approx(budget, abs=1e-10)
    names = list(sp500.columns)
    for key, sign in (("min_weights", 1), ("max_weights", -1)):
        bound = params.get(key)
        if isinstance(bound, dict):
            for asset, b in bound.items():
                assert sign * (ours.weights_[names.index(asset)] - b) >= -1e-10
        elif bound is not None:
            assert np.all(sign * (ours.weights_ - np.asarray(bound)) >= -1e-10)
