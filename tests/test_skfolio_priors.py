"""``SGDMeanRisk(prior_estimator=...)`` with our priors and skfolio's, against skfolio's
``MeanRisk`` with the same prior (the same QP on the posterior moments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("skfolio")

from skfolio.optimization import MeanRisk, ObjectiveFunction  # noqa: E402
from skfolio.prior import BlackLitterman as SkBlackLitterman  # noqa: E402
from skfolio.prior import EntropyPooling as SkEntropyPooling  # noqa: E402

from portfolio_sgd.priors import BlackLitterman, EntropyPooling  # noqa: E402
from portfolio_sgd.skfolio import SGDMeanRisk  # noqa: E402

VIEWS = ["AAPL == 0.0008", "AAPL - MSFT == 0.0002"]


@pytest.fixture(scope="module")
def panel(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    return sp500_returns.iloc[-750:, :13]


def _utility(prior, **kwargs) -> np.ndarray:  # noqa: ANN001
    return MeanRisk(
        objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
        risk_aversion=20.0,
        prior_estimator=prior,
        **kwargs,
    )


@pytest.mark.parametrize("ours", [BlackLitterman(VIEWS), SkBlackLitterman(views=VIEWS)])
def test_black_litterman_prior_estimator_matches_meanrisk(panel: pd.DataFrame, ours) -> None:  # noqa: ANN001
    sgd = _sgd(ours).fit(panel)
    reference = _utility(SkBlackLitterman(views=VIEWS)).fit(panel)
    np.testing.assert_allclose(sgd.weights_, reference.weights_, atol=5e-4)
    assert sgd.result_.converged


def test_entropy_pooling_prior_estimator_matches_meanrisk(panel: pd.DataFrame) -> None:
    views = ["AAPL == 0.002", "JPM >= 0.001"]
    sgd = _sgd(EntropyPooling(mean_views=views)).fit(panel)
    theirs = _sgd(SkEntropyPooling(mean_views=views)).fit(panel)
    reference = _utility(SkEntropyPooling(mean_views=views)).fit(panel)
    np.testing.assert_allclose(sgd.weights_, reference.weights_, atol=5e-4)
    np.testing.assert_allclose(theirs.weights_, sgd.weights_, atol=1e-6)
    assert sgd.result_.to_dict()["prior"] == "EntropyPooling"


def _sgd(prior) -> SGDMeanRisk:  # noqa: ANN001
    return SGDMeanRisk(
        objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
        risk_aversion=20.0,
        prior_estimator=prior,
        seed=0,
    )
