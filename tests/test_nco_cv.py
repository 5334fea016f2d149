"""NCO's cross-validation (skfolio's ``cv``) against skfolio's NestedClustersOptimization.

skfolio feeds the outer estimator the clusters' out-of-sample returns (``cross_val_predict``
over ``cv``, default 5-fold ``KFold``). With closed-form inner and outer estimators
(inverse volatility) our NCO equals skfolio's to 1e-8 for the default, an int, a
scikit-learn splitter, skfolio's ``WalkForward`` and ``"ignore"``. With min-variance inside and outside, the
reference is skfolio's NCO run on an exact min-variance estimator (the long-only minimum
variance by non-negative least squares, :func:`exact_min_variance`): Clarabel's default
and even tight settings stop ~1e-7 away, the exact reference agrees to 1e-8.

Two real panels: the last 1500 days of the 20-stock sp500 set, and 50 stocks of the
2500-stock US panel (the last 750 days).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import scipy.optimize

from portfolio_sgd import optimize
from portfolio_sgd.allocators import AllocatorSpec
from portfolio_sgd.errors import ConfigError

pytest.importorskip("skfolio")
from skfolio.model_selection import WalkForward  # noqa: E402
from skfolio.optimization import (  # noqa: E402
    BaseOptimization,
    InverseVolatility,
    MeanRisk,
    NestedClustersOptimization,
)
from sklearn.model_selection import KFold, TimeSeriesSplit  # noqa: E402

TOL = 1e-8


def exact_min_variance(returns: np.ndarray) -> np.ndarray:
    """The long-only, fully invested minimum variance (N,), exactly.

    ``w = v / 1'v`` with ``v = argmin_{v >= 0} v' S v - 2 1'v`` (the same KKT system up
    to scale), i.e. ``min ||L' v - L^{-1} 1||`` over ``v >= 0`` with ``S = L L'``: scipy's
    Lawson-Hanson NNLS, which ends on the exact active set.
    """
    cov = np.cov(returns, rowvar=False)
    low = np.linalg.cholesky(cov)
    target = scipy.linalg.solve_triangular(low, np.ones(len(cov)), lower=True)
    v, _ = scipy.optimize.nnls(low.T, target, maxiter=50 * len(cov))
    return v / v.sum()


class ExactMinVariance(BaseOptimization):
    """skfolio estimator: :func:`exact_min_variance` (the reference of MeanRisk())."""

    def fit(self, X, y=None, **fit_params):  # noqa: N803, ANN001, ANN201
        self.weights_ = exact_min_variance(np.asarray(X, dtype=float))
        return self


@pytest.fixture(scope="module")
def sp500(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """20 stocks, the last 1500 days."""
    return sp500_returns.iloc[-1500:]


@pytest.fixture(scope="module")
def stocks50(us_stocks_50: pd.DataFrame) -> pd.DataFrame:
    """50 stocks of the 2500-stock US panel with a full history, the last 750 days."""
    return us_stocks_50


@pytest.fixture(scope="module")
def small(sp500: pd.DataFrame) -> pd.DataFrame:
    """12 of the sp500 stocks, the last 600 days (a quick case)."""
    return sp500.iloc[-600:, :12]


def _sk_weights(panel: pd.DataFrame, inner: object, outer: object, cv: object) -> np.ndarray:
    sk = NestedClustersOptimization(inner_estimator=inner, outer_estimator=outer, cv=cv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.fit(panel).weights_


CV_CASES = [None, 3, "ignore", "splitter"]


@pytest.mark.parametrize(
    ("panel_name", "cv"),
    [("sp500", cv) for cv in CV_CASES]
    + [("sp500", "walk-forward")]
    + [pytest.param("stocks50", cv, marks=pytest.mark.slow) for cv in CV_CASES],
)
def test_closed_form_estimators_match_skfolio(
    panel_name: str, cv: object, request: pytest.FixtureRequest
) -> None:
    """Inverse volatility inside and outside: skfolio's weights to 1e-8, for each cv."""
    panel = request.getfixturevalue(panel_name)
    splitters = {"splitter": TimeSeriesSplit(4), "walk-forward": WalkForward(500, 100)}
    sk_cv = splitters.get(cv, cv) if isinstance(cv, str) else cv
    spec = AllocatorSpec("nco", inner="inverse-volatility", outer="inverse-volatility", cv=sk_cv)
    ours = optimize(panel, spec).weights.to_numpy()
    sk = _sk_weights(panel, InverseVolatility(), InverseVolatility(), sk_cv)
    assert np.abs(ours - sk).max() < TOL


def test_cv_changes_the_weights(sp500: pd.DataFrame) -> None:
    """The default (5-fold) differs from in-sample: the outer problem sees other returns."""
    inner = {"inner": "inverse-volatility", "outer": "inverse-volatility"}
    folded = optimize(sp500, AllocatorSpec("nco", **inner)).weights
    ignored = optimize(sp500, AllocatorSpec("nco", cv="ignore", **inner)).weights
    assert (folded - ignored).abs().max() > 1e-5


@pytest.mark.parametrize(
    ("panel_name", "cv"),
    [
        ("small", None),
        ("small", "ignore"),
        pytest.param("sp500", None, marks=pytest.mark.slow),
        pytest.param("sp500", "ignore", marks=pytest.mark.slow),
        pytest.param("stocks50", None, marks=pytest.mark.slow),
    ],
)
def test_min_variance_matches_exact_reference(
    panel_name: str, cv: object, request: pytest.FixtureRequest
) -> None:
    """MeanRisk() inside and out: the exact reference to 1e-8; Clarabel's tight settings
    stay within 1e-5 (their accuracy, not ours)."""
    panel = request.getfixturevalue(panel_name)
    ours = optimize(panel, AllocatorSpec("nco", cv=cv)).weights.to_numpy()
    exact = _sk_weights(panel, ExactMinVariance(), ExactMinVariance(), cv)
    assert np.abs(ours - exact).max() < TOL
    tight = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
    clarabel = _sk_weights(panel, MeanRisk(solver_params=tight), MeanRisk(solver_params=tight), cv)
    assert np.abs(ours - clarabel).max() < 1e-5
    assert np.abs(exact - clarabel).max() > np.abs(exact - ours).max()


def test_exact_reference_is_the_minimum_variance(sp500: pd.DataFrame) -> None:
    """The reference's KKT conditions hold: equal marginal variance on the support,
    no smaller one off it."""
    w = exact_min_variance(sp500.to_numpy())
    grad = np.cov(sp500.to_numpy(), rowvar=False) @ w
    support = w > 0
    lam = grad[support].mean()
    assert np.abs(grad[support] - lam).max() < 1e-12 * abs(lam) * 1e3
    assert np.all(grad[~support] >= lam * (1 - 1e-9))
    assert abs(w.sum() - 1) < 1e-14 and w.min() >= 0


def test_estimator_takes_cv(sp500: pd.DataFrame) -> None:
    """SGDNestedClustersOptimization(cv=...) is skfolio's, default included."""
    from portfolio_sgd.skfolio import SGDNestedClustersOptimization

    kwargs = {"inner": "inverse-volatility", "outer": "inverse-volatility"}
    for cv in (None, KFold(4)):
        ours = SGDNestedClustersOptimization(cv=cv, **kwargs).fit(sp500).weights_
        sk = _sk_weights(sp500, InverseVolatility(), InverseVolatility(), cv)
        assert np.abs(ours - sk).max() < TOL


@pytest.mark.parametrize(
    ("cv", "message"),
    [
        (1, "at least 2 folds"),
        ("kfold", "cv must be"),
        (KFold(3, shuffle=True, random_state=0), "must not shuffle"),
    ],
)
def test_bad_cv_is_one_clear_error(sp500: pd.DataFrame, cv: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        optimize(sp500.iloc[:, :6], AllocatorSpec("nco", cv=cv, inner="inverse-volatility"))


def test_cli_nco_cv(tmp_path: object, sp500: pd.DataFrame) -> None:
    """``--nco-cv 3`` and ``--nco-cv ignore`` give the API's weights; a bad value is refused."""
    import json

    from click.testing import CliRunner

    from portfolio_sgd.cli import main

    panel = sp500.iloc[-400:, :8]
    path = tmp_path / "r.csv"  # type: ignore[operator]
    panel.to_csv(path)
    base = ["optimize", "--returns", str(path), "--objective", "nco", "--inner"]
    base += ["inverse-volatility", "--outer", "inverse-volatility", "--format", "json"]
    for value, cv in (("3", 3), ("ignore", "ignore")):
        out = CliRunner().invoke(main, [*base, "--nco-cv", value])
        assert out.exit_code == 0, out.output
        weights = pd.Series(json.loads(out.stdout)["weights"])
        spec = AllocatorSpec("nco", inner="inverse-volatility", outer="inverse-volatility", cv=cv)
        expected = optimize(panel, spec).weights
        assert np.abs(weights[expected.index].to_numpy() - expected.to_numpy()).max() < 1e-12
    bad = CliRunner().invoke(main, [*base, "--nco-cv", "many"])
    assert bad.exit_code != 0 and "--nco-cv" in bad.output
