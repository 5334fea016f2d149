"""``SGDRiskBudgeting`` against skfolio's own ``RiskBudgeting`` (Clarabel), and in its tools."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip(
    "skfolio", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)

from skfolio import RiskMeasure  # noqa: E402
from skfolio.model_selection import WalkForward, cross_val_predict  # noqa: E402
from skfolio.optimization import RiskBudgeting  # noqa: E402
from skfolio.portfolio import MultiPeriodPortfolio, Portfolio  # noqa: E402
from sklearn.base import clone  # noqa: E402

from portfolio_sgd import ConfigError, EngineConfig  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.skfolio import SGDRiskBudgeting  # noqa: E402

FAST = EngineConfig(steps=60, tol=None)


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2018-01-01")


@pytest.fixture(scope="module")
def ff49() -> pd.DataFrame:
    return load_returns(dataset="ff49-daily", start="2015-01-01").iloc[:, :25]


def _risk_contributions(returns: pd.DataFrame, w: np.ndarray) -> np.ndarray:
    cov = np.cov(returns.to_numpy(), rowvar=False)
    rc = w * (cov @ w)
    return rc / rc.sum()


@pytest.mark.parametrize("dataset", ["sp500", "ff49"])
def test_weights_match_skfolio_risk_budgeting_with_clarabel(dataset, request) -> None:
    returns = request.getfixturevalue(dataset)
    n = returns.shape[1]
    budget = np.linspace(1.0, 3.0, n)
    ours = SGDRiskBudgeting(risk_budget=budget).fit(returns)
    theirs = RiskBudgeting(risk_budget=budget).fit(returns)
    assert ours.result_.converged
    assert np.abs(ours.weights_ - theirs.weights_).sum() <= 1e-4
    target = budget / budget.sum()
    assert np.abs(_risk_contributions(returns, ours.weights_) - target).max() <= 1e-5


def test_budget_by_asset_name_and_predict_a_portfolio(sp500) -> None:
    names = list(sp500.columns)
    by_name = {name: 2.0 if name == names[0] else 1.0 for name in names}
    model = SGDRiskBudgeting(risk_budget=by_name).fit(sp500)
    as_array = SGDRiskBudgeting(risk_budget=[by_name[n] for n in names]).fit(sp500)
    np.testing.assert_array_equal(model.weights_, as_array.weights_)
    rc = _risk_contributions(sp500, model.weights_)
    assert rc[0] == pytest.approx(2.0 / 21.0, abs=1e-5)
    ptf = model.predict(sp500)
    assert isinstance(ptf, Portfolio) and list(ptf.assets) == names


def test_walk_forward_cross_val_predict_with_warm_starts(sp500) -> None:
    model = SGDRiskBudgeting(warm_start=True, config=FAST)
    pred = cross_val_predict(model, sp500, cv=WalkForward(train_size=252, test_size=63))
    assert isinstance(pred, MultiPeriodPortfolio) and len(pred.portfolios) >= 4
    for ptf in pred.portfolios:
        assert abs(ptf.weights.sum() - 1) < 1e-9 and ptf.weights.min() > 0


UNSUPPORTED = [
    ({"risk_measure": RiskMeasure.EDAR}, "risk_measure"),
    ({"min_weights": -0.1}, "min_weights"),
    ({"groups": [["a"] * 19]}, "groups"),
    ({"min_return": 0.001}, "min_return"),
    ({"transaction_costs": 0.001}, "transaction_costs"),
    ({"risk_budget": [1.0] * 19}, "risk_budget"),
    ({"risk_budget": {"AAPL": 1.0}}, "risk_budget"),
]


@pytest.mark.parametrize(("params", "name"), UNSUPPORTED, ids=[u[1] for u in UNSUPPORTED])
def test_unsupported_parameters_raise_a_one_line_config_error(params, name, sp500) -> None:
    with pytest.raises(ConfigError, match=name) as info:
        SGDRiskBudgeting(config=FAST, **params).fit(sp500)
    assert "\n" not in str(info.value)


def test_negative_budget_is_refused(sp500) -> None:
    with pytest.raises(ConfigError, match="budgets"):
        SGDRiskBudgeting(risk_budget=[-1.0] + [1.0] * 19, config=FAST).fit(sp500)


def test_clone_and_params(sp500) -> None:
    model = SGDRiskBudgeting(risk_budget=[1.0] * 20, config=FAST)
    copy = clone(model)
    assert copy is not model and copy.get_params().keys() == model.get_params().keys()
    before = sp500.copy()
    copy.fit(sp500)
    assert sp500.equals(before)
