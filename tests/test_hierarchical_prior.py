"""``prior_estimator`` on the allocator estimators, against skfolio's with the same prior.

skfolio's ``HierarchicalRiskParity``, ``HierarchicalEqualRiskContribution`` and
``InverseVolatility`` take a ``prior_estimator``: the tree comes from the prior's return
scenarios (the returns themselves for ``EmpiricalPrior`` and ``BlackLitterman``), the
variance from the prior's covariance. Ours measures the risks on the prior's scenarios
moved to its mean and covariance (:mod:`portfolio_sgd.skfolio.prior_adapter`), which gives
the same variances: the weights agree to 1e-10 on the sp500 panel (last 1500 days) and a
40-stock slice of the US panel.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import optimize
from portfolio_sgd.allocators import AllocatorSpec
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.priors import BlackLitterman as OurBlackLitterman
from portfolio_sgd.priors.report import PriorReport

pytest.importorskip("skfolio")
from skfolio.moments import LedoitWolf  # noqa: E402
from skfolio.optimization import (  # noqa: E402
    HierarchicalEqualRiskContribution,
    HierarchicalRiskParity,
    InverseVolatility,
)
from skfolio.prior import BlackLitterman, EmpiricalPrior  # noqa: E402

from portfolio_sgd.skfolio import (  # noqa: E402
    SGDHierarchicalEqualRiskContribution,
    SGDHierarchicalRiskParity,
    SGDInverseVolatility,
    SGDNestedClustersOptimization,
)

TOL = 1e-10
PAIRS = {
    "hrp": (HierarchicalRiskParity, SGDHierarchicalRiskParity),
    "herc": (HierarchicalEqualRiskContribution, SGDHierarchicalEqualRiskContribution),
    "inverse-volatility": (InverseVolatility, SGDInverseVolatility),
}


@pytest.fixture(scope="module")
def sp500(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """20 stocks, the last 1500 days."""
    return sp500_returns.iloc[-1500:]


@pytest.fixture(scope="module")
def stocks40(us_stocks_50: pd.DataFrame) -> pd.DataFrame:
    """40 stocks of the 2500-stock US panel with a full history, the last 750 days."""
    return us_stocks_50.iloc[:, :40]


def _views(panel: pd.DataFrame) -> list[str]:
    a, b = panel.columns[:2]
    return [f"{a} == 0.001", f"{a} - {b} == 0.0005"]


def _priors(panel: pd.DataFrame) -> dict[str, object]:
    return {
        "black-litterman": BlackLitterman(views=_views(panel)),
        "ledoit-wolf": EmpiricalPrior(covariance_estimator=LedoitWolf()),
        "empirical": EmpiricalPrior(),
    }


def _fit(estimator: object, panel: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(panel).weights_  # type: ignore[attr-defined]


@pytest.mark.parametrize("allocator", list(PAIRS))
@pytest.mark.parametrize("prior", ["black-litterman", "ledoit-wolf", "empirical"])
@pytest.mark.parametrize("panel_name", ["sp500", pytest.param("stocks40", marks=pytest.mark.slow)])
def test_same_weights_as_skfolio_with_the_same_prior(
    allocator: str, prior: str, panel_name: str, request: pytest.FixtureRequest
) -> None:
    panel = request.getfixturevalue(panel_name)
    theirs, ours = PAIRS[allocator]
    expected = _fit(theirs(prior_estimator=_priors(panel)[prior]), panel)
    got = _fit(ours(prior_estimator=_priors(panel)[prior]), panel)
    assert np.abs(got - expected).max() < TOL
    if prior != "empirical":  # the prior matters: without it the weights differ
        assert np.abs(_fit(ours(), panel) - expected).max() > 1e-5


def test_our_black_litterman_through_optimize(sp500: pd.DataFrame) -> None:
    """``optimize(..., "hrp", prior=BlackLitterman(...))`` (ours) gives skfolio's weights
    with its ``BlackLitterman`` of the same views, and puts the prior's report on the result."""
    views = _views(sp500)
    result = optimize(sp500, "hrp", prior=OurBlackLitterman(views=views))
    sk = _fit(HierarchicalRiskParity(prior_estimator=BlackLitterman(views=views)), sp500)
    ours = _fit(SGDHierarchicalRiskParity(prior_estimator=OurBlackLitterman(views=views)), sp500)
    assert np.abs(result.weights.to_numpy() - sk).max() < TOL
    assert np.abs(ours - sk).max() < TOL
    assert isinstance(result.reports.of(PriorReport), PriorReport)


def test_priors_refused_where_not_taken(sp500: pd.DataFrame) -> None:
    """NCO and the other allocators take no prior; skfolio's NCO has none either."""
    prior = OurBlackLitterman(views=_views(sp500))
    with pytest.raises(ConfigError, match="takes no prior"):
        optimize(sp500.iloc[:, :6], AllocatorSpec("nco", inner="inverse-volatility"), prior=prior)
    with pytest.raises(ConfigError, match="takes no prior"):
        optimize(sp500, "equal-weight", prior=prior)
    assert "prior_estimator" not in SGDNestedClustersOptimization().get_params()


def test_a_prior_with_probabilities_is_refused(sp500: pd.DataFrame) -> None:
    """Entropy pooling's scenario probabilities: one clear line."""
    from skfolio.prior import EntropyPooling

    a = sp500.columns[0]
    pooled = EntropyPooling(mean_views=[f"{a} >= 0.001"])
    with pytest.raises(ConfigError, match="scenario probabilities"):
        SGDHierarchicalRiskParity(prior_estimator=pooled).fit(sp500)


def test_cli_views_reach_hrp(tmp_path: object, sp500: pd.DataFrame) -> None:
    """``--objective hrp --views ...``: the API's weights with our BlackLitterman; NCO
    refuses the views in one line."""
    import json

    from click.testing import CliRunner

    from portfolio_sgd.cli import main

    panel = sp500.iloc[-500:, :10]
    path = tmp_path / "r.csv"  # type: ignore[operator]
    panel.to_csv(path)
    views = _views(panel)
    args = ["optimize", "--returns", str(path), "--format", "json", "--objective"]
    out = CliRunner().invoke(main, [*args, "hrp", "--views", views[0], "--views", views[1]])
    assert out.exit_code == 0, out.output
    weights = pd.Series(json.loads(out.stdout)["weights"])
    expected = optimize(panel, "hrp", prior=OurBlackLitterman(views=views)).weights
    assert np.abs(weights[expected.index] - expected).max() < 1e-12
    assert np.abs(expected - optimize(panel, "hrp").weights).max() > 1e-6
    bad = CliRunner().invoke(main, [*args, "nco", "--views", views[0]])
    assert bad.exit_code != 0 and "takes no prior" in bad.output
