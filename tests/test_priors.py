"""Priors: Black-Litterman against skfolio and PyPortfolioOpt (1e-10), the views' parsing
and one-line errors, the scenarios moved to the prior's moments, and ``optimize(prior=)``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.errors import ConfigError, DataError
from portfolio_sgd.priors import BlackLitterman, EntropyPooling, FactorModel, parse_views
from portfolio_sgd.priors.moment_matching import match_moments

VIEWS = ["AAPL == 0.0004", "AAPL - MSFT == 0.0002", "0.5*JPM + 0.5*BAC - XOM == -0.0001"]
CONFIDENCES = [0.4, 0.9, 1.0]


@pytest.fixture(scope="module")
def sp500(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """The last 2000 rows of sp500 (the full panel gives the same checks, slower)."""
    return sp500_returns.iloc[-2000:]


def _skfolio_posterior(returns, **kwargs):  # noqa: ANN001, ANN202
    from skfolio.prior import BlackLitterman as SkBlackLitterman

    model = SkBlackLitterman(**kwargs).fit(returns)
    return model.return_distribution_.mu, model.return_distribution_.covariance


@pytest.mark.parametrize("confidences", [None, CONFIDENCES])
def test_black_litterman_matches_skfolio(sp500: pd.DataFrame, confidences) -> None:  # noqa: ANN001
    ours = BlackLitterman(VIEWS, tau=0.05, view_confidences=confidences).fit(sp500)
    conf = None if confidences is None else np.array(confidences)
    mu, cov = _skfolio_posterior(sp500, views=VIEWS, tau=0.05, view_confidences=conf)
    np.testing.assert_allclose(ours.mean.to_numpy(), mu, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.covariance.to_numpy(), cov, rtol=0, atol=1e-10)


def test_black_litterman_market_prior_matches_skfolio(sp500: pd.DataFrame) -> None:
    from skfolio.moments import EquilibriumMu
    from skfolio.prior import EmpiricalPrior

    caps = pd.Series(np.arange(1.0, 21.0), index=sp500.columns)
    ours = BlackLitterman(
        VIEWS[:2], tau=0.1, market_weights=caps, risk_aversion=2.5, risk_free_rate=1e-4
    ).fit(sp500)
    prior = EmpiricalPrior(
        mu_estimator=EquilibriumMu(risk_aversion=2.5, weights=(caps / caps.sum()).to_numpy())
    )
    mu, cov = _skfolio_posterior(
        sp500, views=VIEWS[:2], tau=0.1, prior_estimator=prior, risk_free_rate=1e-4
    )
    np.testing.assert_allclose(ours.mean.to_numpy(), mu, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.covariance.to_numpy(), cov, rtol=0, atol=1e-10)


def test_black_litterman_matches_pypfopt(sp500: pd.DataFrame) -> None:
    from pypfopt import black_litterman as bl

    caps = pd.Series(np.linspace(1.0, 3.0, 20), index=sp500.columns)
    ours = BlackLitterman(
        VIEWS,
        tau=0.05,
        view_confidences=CONFIDENCES[:2] + [0.7],
        market_weights=caps,
        risk_aversion=3.0,
    ).fit(sp500)
    sigma = sp500.cov()
    pi = bl.market_implied_prior_returns(caps, 3.0, sigma, risk_free_rate=0.0)
    parsed = parse_views(VIEWS, list(sp500.columns))
    model = bl.BlackLittermanModel(
        sigma,
        pi=pi,
        P=parsed.picking,
        Q=parsed.targets,
        omega="idzorek",
        view_confidences=CONFIDENCES[:2] + [0.7],
        tau=0.05,
    )
    np.testing.assert_allclose(ours.details["prior_mean"].to_numpy(), pi.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.mean.to_numpy(), model.bl_returns().to_numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.covariance.to_numpy(), model.bl_cov().to_numpy(), atol=1e-10)


def test_views_with_full_confidence_hold_exactly(sp500: pd.DataFrame) -> None:
    ours = BlackLitterman(VIEWS, view_confidences=[1.0, 1.0, 1.0]).fit(sp500)
    parsed = parse_views(VIEWS, list(sp500.columns))
    np.testing.assert_allclose(parsed.picking @ ours.mean.to_numpy(), parsed.targets, atol=1e-12)


def test_scenarios_carry_the_posterior_moments(sp500: pd.DataFrame) -> None:
    ours = BlackLitterman(VIEWS[:1]).fit(sp500)
    moved = ours.returns.to_numpy()
    centred = moved - moved.mean(axis=0)
    np.testing.assert_allclose(moved.mean(axis=0), ours.mean.to_numpy(), atol=1e-15)
    np.testing.assert_allclose(
        centred.T @ centred / len(moved), ours.covariance.to_numpy(), atol=1e-15
    )


def test_too_few_rows_for_the_moments_is_one_line(sp500: pd.DataFrame) -> None:
    short = sp500.iloc[:10]
    with pytest.raises(DataError, match="not positive definite"):
        match_moments(short, np.zeros(20), np.eye(20))


@pytest.mark.parametrize(
    ("views", "confidences", "message"),
    [
        (["AAPX == 0.001"], None, r"unknown ticker 'AAPX' \(did you mean 'AAPL'\?\)"),
        (["AAPL <= 0.001"], None, "equalities"),
        (["AAPL * MSFT == 0.001"], None, "non-linear"),
        (["AAPL == exp(0.1)"], None, "constraint 'AAPL == exp"),
        (["AAPL == 0.001"], [0.0], r"confidence 0.0 is not in \(0, 1\]"),
        (["AAPL == 0.001"], [1.5], r"not in \(0, 1\]"),
        (["AAPL == 0.001"], [0.5, 0.5], "2 view confidences for 1 views"),
        (["AAPL == 0.001", "AAPL == 0.002"], [1.0, 1.0], "redundant or contradictory"),
        ([], None, "give a list of view strings"),
    ],
)
def test_bad_views_are_one_line_errors(sp500, views, confidences, message) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match=message) as info:
        BlackLitterman(views, view_confidences=confidences).fit(sp500)
    assert "\n" not in str(info.value)


def test_views_file(sp500: pd.DataFrame, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "views.csv"
    path.write_text('view,confidence\nAAPL == 0.0004,0.4\n"AAPL - MSFT == 0.0002",0.9\n')
    from_file = BlackLitterman(path).fit(sp500)
    given = BlackLitterman(VIEWS[:2], view_confidences=CONFIDENCES[:2]).fit(sp500)
    np.testing.assert_array_equal(from_file.mean.to_numpy(), given.mean.to_numpy())
    path.write_text("view,confidence\nAAPL == 0.0004,high\n")
    with pytest.raises(DataError, match="line 2: confidence is not a number"):
        BlackLitterman(path).fit(sp500)
    path.write_text("opinion\nAAPL == 0.0004\n")
    with pytest.raises(DataError, match="needs a 'view' column"):
        BlackLitterman(path).fit(sp500)


def test_optimize_uses_the_posterior(sp500: pd.DataFrame) -> None:
    """Mean-variance under the prior = the cvxpy QP on the posterior mean and covariance."""
    import cvxpy as cp

    from portfolio_sgd import optimize
    from portfolio_sgd.priors.report import PriorReport

    prior = BlackLitterman(VIEWS, view_confidences=CONFIDENCES)
    result = optimize(sp500, "mean-variance", prior=prior, risk_aversion=50.0, seed=0)
    report = result.reports.of(PriorReport)
    mu, sigma = report.fitted.mean.to_numpy(), report.fitted.covariance.to_numpy()
    w = cp.Variable(len(mu))
    problem = cp.Problem(
        cp.Maximize(mu @ w - 25.0 * cp.quad_form(w, sigma)), [w >= 0, cp.sum(w) == 1]
    )
    problem.solve(solver=cp.CLARABEL)
    assert result.converged
    np.testing.assert_allclose(result.weights.to_numpy(), w.value, atol=2e-4)
    assert result.to_dict()["prior"] == "BlackLitterman"


EP_CASES = [
    {"mean_views": ["AAPL == 0.0015", "JPM >= 0.0012", "BAC - MSFT <= -0.0002"]},
    {"mean_views": ["AAPL == 0.0015"], "variance_views": ["BAC == 4 * prior(BAC)"]},
    {
        "mean_views": ["JPM <= 0.8 * prior(JPM)"],
        "variance_views": ["BAC == 2 * prior(BAC)"],
        "correlation_views": ["(BAC, JPM) == 0.6", "(AAPL, MSFT) >= 0.5"],
    },
    {"cvar_views": ["GE == 0.07"]},
    {"value_at_risk_views": ["XOM == 0.03"], "mean_views": ["XOM == 0.0"]},
]


@pytest.mark.parametrize("views", EP_CASES)
def test_entropy_pooling_matches_skfolio(sp500: pd.DataFrame, views: dict) -> None:
    from skfolio.prior import EntropyPooling as SkEntropyPooling

    ours = EntropyPooling(**views).fit(sp500)
    theirs = SkEntropyPooling(**views).fit(sp500)
    np.testing.assert_allclose(
        ours.probabilities, theirs.return_distribution_.sample_weight, rtol=0, atol=1e-6
    )
    assert ours.details["effective_number_of_scenarios"] == pytest.approx(
        theirs.effective_number_of_scenarios_, rel=1e-5
    )


def test_entropy_pooling_matches_skfolio_on_etfs(etf_mix_returns: pd.DataFrame) -> None:
    from skfolio.prior import EntropyPooling as SkEntropyPooling

    views = {
        "mean_views": ["SPY == 0.0008", "GLD - SPY >= 0.0001"],
        "cvar_views": ["QQQ == 0.03"],
        "variance_views": ["GLD == 1.5 * prior(GLD)"],
    }
    ours = EntropyPooling(**views).fit(etf_mix_returns)
    theirs = SkEntropyPooling(**views).fit(etf_mix_returns)
    np.testing.assert_allclose(
        ours.probabilities, theirs.return_distribution_.sample_weight, rtol=0, atol=1e-6
    )


def test_entropy_pooling_meets_its_views(sp500: pd.DataFrame) -> None:
    """Means exactly; volatility and two CVaR views at their targets (the CVaR views not
    in column order: skfolio 1.12 pairs them with the assets in column order)."""
    from portfolio_sgd.priors.cvar_views import weighted_cvar

    x = sp500.iloc[-600:]
    pooled = EntropyPooling(
        mean_views=["MSFT == 0.001"],
        volatility_views=["KO == 0.02"],
        cvar_views=["GE == 0.07", "AAPL == 0.08"],
    ).fit(x)
    p = pooled.probabilities
    assert p.sum() == pytest.approx(1.0) and (p > 0).all()
    assert p @ x["MSFT"].to_numpy() == pytest.approx(0.001, abs=1e-9)
    ko = x["KO"].to_numpy()
    assert np.sqrt(p @ (ko - p @ ko) ** 2) == pytest.approx(0.02, rel=1e-4)
    assert weighted_cvar(x["GE"].to_numpy(), p, 0.95) == pytest.approx(0.07, abs=1e-5)
    assert weighted_cvar(x["AAPL"].to_numpy(), p, 0.95) == pytest.approx(0.08, abs=1e-5)
    assert pooled.effective_sample_size == pytest.approx(1.0 / (p @ p))


@pytest.mark.parametrize(
    ("views", "message"),
    [
        ({"mean_views": ["APPL == 0.001"]}, "unknown ticker 'APPL'"),
        ({"mean_views": ["AAPL == 0.5"]}, "beyond every scenario"),
        ({"mean_views": ["AAPL == 0.01", "AAPL == 0.02"]}, "cannot all be met"),
        ({"correlation_views": ["AAPL ~ MSFT == 0.5"]}, "write it as"),
        ({"correlation_views": ["(AAPL, MSFT) == 1.5"]}, r"lies in \[-1, 1\]"),
        ({"cvar_views": ["AAPL == 5.0"]}, "below the worst realised loss"),
        ({"cvar_views": ["AAPL + GE == 0.05"]}, "name one asset"),
        ({"volatility_views": ["AAPL - GE == 0.05"]}, "name one asset"),
        ({"mean_views": ["AAPL == sqrt(2)"]}, "constraint 'AAPL == sqrt"),
    ],
)
def test_bad_entropy_views_are_one_line(sp500: pd.DataFrame, views: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        EntropyPooling(**views).fit(sp500)
    assert "\n" not in str(info.value)


def test_optimize_weights_scenarios_by_their_probabilities(sp500: pd.DataFrame) -> None:
    """Mean-variance under pooled probabilities = the cvxpy QP on the p-weighted moments."""
    import cvxpy as cp

    from portfolio_sgd import optimize

    panel = sp500.iloc[-600:, :8]
    prior = EntropyPooling(mean_views=["AAPL == 0.002", "BAC == 0.0015"])
    result = optimize(panel, "mean-variance", prior=prior, risk_aversion=50.0, seed=0)
    p = prior.fit(panel).probabilities
    x = panel.to_numpy()
    mu = p @ x
    sigma = (x - mu).T @ ((x - mu) * p[:, None])
    w = cp.Variable(len(mu))
    objective = cp.Maximize(mu @ w - 25.0 * cp.quad_form(w, cp.psd_wrap(sigma)))
    cp.Problem(objective, [w >= 0, cp.sum(w) == 1]).solve(solver=cp.CLARABEL)
    assert result.converged
    np.testing.assert_allclose(result.weights.to_numpy(), w.value, atol=2e-4)
    assert result.to_dict()["prior_effective_sample_size"] == pytest.approx(1.0 / (p @ p))


def test_factor_model_against_least_squares_and_skfolio(sp500: pd.DataFrame) -> None:
    """Loadings = numpy's lstsq per asset; moments = skfolio's TimeSeriesFactorModel
    (LinearRegression loadings) on the bundled Fama-French 3 factors."""
    from skfolio.prior import LoadingMatrixRegression, TimeSeriesFactorModel
    from sklearn.linear_model import LinearRegression

    from portfolio_sgd.data import load_dataset

    ours = FactorModel().fit(sp500)
    factors = load_dataset("ff3-factors-daily")[["Mkt-RF", "SMB", "HML"]].loc[sp500.index]
    f = factors.to_numpy()
    design = np.column_stack([np.ones(len(f)), f])
    for ticker in ("AAPL", "XOM"):
        coef = np.linalg.lstsq(design, sp500[ticker].to_numpy(), rcond=None)[0]
        np.testing.assert_allclose(ours.details["loadings"].loc[ticker], coef[1:], atol=1e-12)
        assert ours.details["intercepts"][ticker] == pytest.approx(coef[0], abs=1e-14)
    regression = LoadingMatrixRegression(linear_regressor=LinearRegression())
    model = TimeSeriesFactorModel(loading_matrix_estimator=regression).fit(sp500, factors=factors)
    dist = model.return_distribution_
    np.testing.assert_allclose(ours.mean.to_numpy(), dist.mu, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.covariance.to_numpy(), dist.covariance, rtol=0, atol=1e-14)


def test_factor_model_errors(sp500: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="unknown factor set 'ff9'"):
        FactorModel("ff9").fit(sp500)
    later = pd.DataFrame({"F": [0.01, -0.01] * 50}, index=pd.date_range("2030-01-01", periods=100))
    with pytest.raises(DataError, match="the factors cover 0 of the 2000 dates"):
        FactorModel(later).fit(sp500)


def test_cli_views_and_priors(tmp_path) -> None:  # noqa: ANN001
    """``optimize --views/--prior`` (short panel), and its one-line errors."""
    from click.testing import CliRunner

    from portfolio_sgd.cli.main import main

    base = ["optimize", "--start", "2020-01-01", "--objective", "min-variance", "-q"]
    runner = CliRunner()
    out = runner.invoke(main, [*base, "--views", "AAPL == 0.0004", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert '"prior": "BlackLitterman"' in out.output
    views = tmp_path / "ep.csv"
    views.write_text('view,kind\nJPM == 0.001,mean\n"(JPM, BAC) == 0.6",correlation\n')
    out = runner.invoke(main, [*base, "--prior", "entropy-pooling", "--views", str(views)])
    assert out.exit_code == 0, out.output
    assert "prior EntropyPooling, effective sample" in out.output
    for args, message in [
        (["--views", "AAPX == 0.1"], "unknown ticker 'AAPX'"),
        (["--prior", "factor", "--views", "AAPL == 0.1"], "takes no --views"),
        (["--prior", "entropy-pooling"], "needs --views"),
        (["--views", "AAPL >> 0.1"], "constraint 'AAPL >> 0.1'"),
    ]:
        out = runner.invoke(main, [*base, *args])
        assert out.exit_code == 1 and message in out.output, out.output
