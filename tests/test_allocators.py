"""Allocators (HRP, HERC, NCO, naive baselines) against skfolio, closed forms and cvxpy.

Two real panels: the last 1500 days of the 20-stock sp500 set, and the first 50 stocks of
the 2500-stock US panel (2012-2017). Where no constraint binds, HRP's and HERC's weights
equal skfolio's to 1e-8 on the same linkage and distance (they agree to rounding); with
bounds, the weights are feasible and follow the documented rules.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.allocators import AllocatorSpec, build_tree, distance_matrix
from portfolio_sgd.allocators.bounds import asset_bounds, clamp_split
from portfolio_sgd.allocators.clusters import gap_cluster_count
from portfolio_sgd.allocators.run import sub_weights
from portfolio_sgd.engine.config import EngineConfig
from portfolio_sgd.errors import ConfigError, DataError, InfeasibleConstraintError

skfolio = pytest.importorskip("skfolio")
from skfolio import RiskMeasure  # noqa: E402
from skfolio.cluster import HierarchicalClustering, LinkageMethod  # noqa: E402
from skfolio.distance import (  # noqa: E402
    DistanceCorrelation,
    PearsonDistance,
    SpearmanDistance,
)
from skfolio.optimization import (  # noqa: E402
    HierarchicalEqualRiskContribution,
    HierarchicalRiskParity,
)
from skfolio.seriation import HierarchicalSeriation  # noqa: E402

TOL = 1e-8
LINKAGES = ["single", "average", "complete", "ward"]
SK_DISTANCES = {"pearson": PearsonDistance, "spearman": SpearmanDistance}


@pytest.fixture(scope="module")
def sp500(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """20 stocks, the last 1500 days."""
    return sp500_returns.iloc[-1500:]


@pytest.fixture(scope="module")
def stocks50() -> pd.DataFrame:
    """The first 50 stocks of the bundled 2500-stock panel, daily simple returns."""
    from portfolio_sgd.data.registry import bundled_file

    with bundled_file("us_stocks_huge_adjclose_2012_2017.csv.gz") as path:
        prices = pd.read_csv(path, usecols=range(51), index_col=0, parse_dates=True)
    return prices.pct_change().iloc[1:]


def _sk_clustering(linkage: str) -> HierarchicalClustering:
    return HierarchicalClustering(linkage_method=LinkageMethod(linkage))


def _sk_hrp(linkage: str, distance: str, **kwargs: object) -> HierarchicalRiskParity:
    seriation = HierarchicalSeriation(hierarchical_clustering_estimator=_sk_clustering(linkage))
    return HierarchicalRiskParity(
        distance_estimator=SK_DISTANCES[distance](), seriation_estimator=seriation, **kwargs
    )


def _quiet_fit(estimator: object, returns: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(returns).weights_  # type: ignore[attr-defined]


# ------------------------------------------------------------------------ HRP
HRP_CASES = [("sp500", link, "pearson") for link in LINKAGES] + [
    ("sp500", "ward", "spearman"),
    ("stocks50", "ward", "pearson"),
    ("stocks50", "single", "spearman"),
    ("stocks50", "average", "spearman"),
    ("stocks50", "complete", "pearson"),
]


@pytest.mark.parametrize(("name", "linkage", "distance"), HRP_CASES)
def test_hrp_matches_skfolio(
    request: pytest.FixtureRequest, name: str, linkage: str, distance: str
) -> None:
    panel = request.getfixturevalue(name)
    expected = _quiet_fit(_sk_hrp(linkage, distance), panel)
    result = optimize(panel, "hrp", linkage=linkage, distance=distance)
    assert np.abs(result.weights.to_numpy() - expected).max() < TOL
    assert result.certificate_method == "none (heuristic allocator)"
    assert not result.converged and result.optimality_gap == float("inf")


@pytest.mark.parametrize(
    ("measure", "sk_measure"),
    [("cvar", RiskMeasure.CVAR), ("volatility", RiskMeasure.STANDARD_DEVIATION)],
)
def test_hrp_takes_a_measure_of_the_registry(
    sp500: pd.DataFrame, measure: str, sk_measure: RiskMeasure
) -> None:
    expected = _quiet_fit(_sk_hrp("ward", "pearson", risk_measure=sk_measure), sp500)
    result = optimize(sp500, AllocatorSpec("hrp", measure=measure))
    assert np.abs(result.weights.to_numpy() - expected).max() < TOL
    assert result.to_dict()["allocator"]["measure"] == measure


def test_distance_correlation_matches_skfolio(stocks50: pd.DataFrame) -> None:
    returns = stocks50.iloc[-200:, :12]
    sk = DistanceCorrelation().fit(returns).distance_
    assert np.abs(distance_matrix(returns.to_numpy(), "distance-correlation") - sk).max() < 1e-12
    seriation = HierarchicalSeriation(hierarchical_clustering_estimator=_sk_clustering("ward"))
    expected = _quiet_fit(
        HierarchicalRiskParity(
            distance_estimator=DistanceCorrelation(), seriation_estimator=seriation
        ),
        returns,
    )
    result = optimize(returns, "hrp", distance="distance-correlation")
    assert np.abs(result.weights.to_numpy() - expected).max() < TOL


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 0.08), (0.02, 0.06), (0.03, 1.0)])
def test_hrp_bounds_follow_the_split_rule(sp500: pd.DataFrame, lo: float, hi: float) -> None:
    """Binding bounds: feasible weights, equal to skfolio's clamped bisection."""
    expected = _quiet_fit(_sk_hrp("ward", "pearson", min_weights=lo, max_weights=hi), sp500)
    result = optimize(sp500, "hrp", min_weight=lo, max_weight=hi)
    w = result.weights.to_numpy()
    assert np.abs(w - expected).max() < TOL
    assert w.min() >= lo - 1e-12 and w.max() <= hi + 1e-12 and abs(w.sum() - 1) < 1e-12
    free = optimize(sp500, "hrp").weights.to_numpy()
    assert np.abs(free - w).max() > 1e-3  # the bounds did bind
    statuses = {row["constraint"]: row["status"] for row in result.constraints_report}
    assert "violated" not in statuses.values()


def test_clamp_split_keeps_each_side_within_its_bound_sums() -> None:
    lower, upper = np.array([0.1, 0.1, 0.0, 0.0]), np.array([0.2, 0.2, 1.0, 1.0])
    left, right = np.array([0, 1]), np.array([2, 3])
    assert clamp_split(0.9, 1.0, left, right, lower, upper) == pytest.approx(0.4)
    assert clamp_split(0.1, 1.0, left, right, lower, upper) == pytest.approx(0.2)
    assert clamp_split(0.3, 1.0, left, right, lower, upper) == pytest.approx(0.3)
    assert clamp_split(0.9, 0.5, left, right, lower, upper) == pytest.approx(0.8)


def test_per_asset_bounds_from_single_asset_rows(sp500: pd.DataFrame) -> None:
    tickers = list(sp500.columns)
    cons = Constraints(max_weight=0.5, linear=["AAPL <= 0.01", "MSFT >= 0.09", "KO == 0.07"])
    lower, upper = asset_bounds(cons, tickers)
    i = {t: k for k, t in enumerate(tickers)}
    assert upper[i["AAPL"]] == pytest.approx(0.01) and lower[i["MSFT"]] == pytest.approx(0.09)
    assert lower[i["KO"]] == pytest.approx(0.07) == upper[i["KO"]]
    w = optimize(sp500, "hrp", cons).weights
    assert w["AAPL"] <= 0.01 + 1e-12 and w["MSFT"] >= 0.09 - 1e-12
    assert w["KO"] == pytest.approx(0.07, abs=1e-12)


def test_group_caps_are_met_exactly(sp500: pd.DataFrame) -> None:
    """A group cap the bisection cannot see: met by the redistribution, and reported."""
    free = optimize(sp500, "hrp").weights
    staples = ["KO", "PEP", "PG", "WMT"]
    cap = 0.6 * float(free[staples].sum())
    cons = Constraints(max_weight=0.2, linear=[f"{' + '.join(staples)} <= {cap}"])
    result = optimize(sp500, "hrp", cons)
    w = result.weights
    assert float(w[staples].sum()) <= cap + 1e-9 and abs(w.sum() - 1) < 1e-10
    assert w.min() >= -1e-12 and w.max() <= 0.2 + 1e-12
    assert result.to_dict()["allocator"]["redistribution"] in ("relative", "euclidean")
    assert all(row["status"] != "violated" for row in result.constraints_report)


def test_bad_settings_get_one_line(sp500: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="linkage"):
        optimize(sp500, "hrp", linkage="centroid")
    with pytest.raises(ConfigError, match="distance"):
        optimize(sp500, "hrp", distance="kendall")
    with pytest.raises(ConfigError, match="bootstrap"):
        optimize(sp500, "hrp", bootstrap=10)
    with pytest.raises(ConfigError, match="long-only"):
        optimize(sp500, "herc", Constraints(long_short=True, min_weight=-0.1))
    with pytest.raises(ConfigError, match="hrp, herc and nco"):
        optimize(sp500, "min-variance", linkage="ward")
    with pytest.raises(InfeasibleConstraintError, match="max_weight"):
        optimize(sp500, "hrp", max_weight=0.01)
    flat = sp500.copy()
    flat["FLAT"] = 0.0
    with pytest.raises(DataError):
        optimize(flat, "hrp")
    with pytest.raises(DataError):
        optimize(sp500.iloc[:, :1], "hrp")


# ----------------------------------------------------------------------- HERC
@pytest.mark.parametrize(
    ("name", "linkage"),
    [("sp500", link) for link in LINKAGES] + [("stocks50", "ward"), ("stocks50", "single")],
)
def test_herc_matches_skfolio(request: pytest.FixtureRequest, name: str, linkage: str) -> None:
    panel = request.getfixturevalue(name)
    sk = HierarchicalEqualRiskContribution(
        distance_estimator=PearsonDistance(),
        hierarchical_clustering_estimator=_sk_clustering(linkage),
    )
    expected = _quiet_fit(sk, panel)
    result = optimize(panel, "herc", linkage=linkage)
    assert np.abs(result.weights.to_numpy() - expected).max() < TOL
    clusters = result.to_dict()["allocator"]["clusters"]
    assert len(clusters) == sk.hierarchical_clustering_estimator_.n_clusters_


def test_gap_cluster_count_matches_skfolio(stocks50: pd.DataFrame) -> None:
    for linkage in LINKAGES:
        dist = distance_matrix(stocks50.to_numpy(), "spearman")
        sk = _sk_clustering(linkage).fit(dist)
        assert gap_cluster_count(dist, build_tree(dist, linkage)) == sk.n_clusters_


def test_herc_bounds_by_relative_deviation(sp500: pd.DataFrame) -> None:
    """Binding bounds: the feasible weights of least relative deviation (cvxpy, tight)."""
    cp = pytest.importorskip("cvxpy")
    free = optimize(sp500, "herc").weights.to_numpy()
    result = optimize(sp500, "herc", min_weight=0.02, max_weight=0.09)
    w = result.weights.to_numpy()
    assert w.min() >= 0.02 - 1e-12 and w.max() <= 0.09 + 1e-12 and abs(w.sum() - 1) < 1e-12
    x = cp.Variable(free.size)
    problem = cp.Problem(
        cp.Minimize(cp.sum_squares(x / free - 1)), [cp.sum(x) == 1, x >= 0.02, x <= 0.09]
    )
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert np.abs(w - x.value).max() < 1e-7
    assert result.to_dict()["allocator"]["redistribution"] == "relative"
    sk = HierarchicalEqualRiskContribution(min_weights=0.02, max_weights=0.09)
    assert np.abs(w - _quiet_fit(sk, sp500)).max() < 1e-6  # skfolio: Clarabel's defaults


def test_herc_takes_cvar(sp500: pd.DataFrame) -> None:
    sk = HierarchicalEqualRiskContribution(risk_measure=RiskMeasure.CVAR)
    result = optimize(sp500, AllocatorSpec("herc", measure="cvar"))
    assert np.abs(result.weights.to_numpy() - _quiet_fit(sk, sp500)).max() < TOL


# ------------------------------------------------------------- naive baselines
def test_equal_weight_and_inverse_volatility(sp500: pd.DataFrame) -> None:
    n = sp500.shape[1]
    assert np.allclose(optimize(sp500, "equal-weight").weights, 1.0 / n, atol=1e-15)
    sigma = sp500.std().to_numpy()
    closed = (1 / sigma) / (1 / sigma).sum()
    w = optimize(sp500, "inverse-volatility").weights.to_numpy()
    assert np.abs(w - closed).max() < 1e-14
    from skfolio.optimization import InverseVolatility

    assert np.abs(w - _quiet_fit(InverseVolatility(), sp500)).max() < TOL
    capped = optimize(sp500, "inverse-volatility", max_weight=0.07).weights
    assert capped.max() <= 0.07 + 1e-12 and abs(capped.sum() - 1) < 1e-12


def test_max_diversification_is_the_maximum(sp500: pd.DataFrame) -> None:
    """The diversification ratio's maximiser (cvxpy: min w'Σw s.t. σ'w = 1, w >= 0)."""
    cp = pytest.importorskip("cvxpy")
    from portfolio_sgd.allocators.naive import diversification_ratio

    result = optimize(sp500, "max-diversification")
    w = result.weights.to_numpy()
    returns = sp500.to_numpy()
    cov, sigma = np.cov(returns, rowvar=False), returns.std(axis=0, ddof=1)
    y = cp.Variable(w.size)
    cp.Problem(cp.Minimize(cp.quad_form(y, cov)), [sigma @ y == 1, y >= 0]).solve(
        solver="CLARABEL", tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14
    )
    best = y.value / y.value.sum()
    assert np.abs(w - best).max() < 1e-6
    assert diversification_ratio(returns, w) >= diversification_ratio(returns, best) - 1e-10


# ------------------------------------------------------------------------ NCO
@pytest.mark.parametrize(
    ("name", "inner", "outer"),
    [
        ("sp500", "hrp", "inverse-volatility"),
        ("stocks50", "inverse-volatility", "equal-weight"),
    ],
)
def test_nco_matches_skfolio_with_exact_estimators(
    request: pytest.FixtureRequest, name: str, inner: str, outer: str
) -> None:
    """Inner and outer allocators with closed forms: skfolio's NCO (cv="ignore") to 1e-8."""
    from skfolio.optimization import EqualWeighted, InverseVolatility, NestedClustersOptimization

    estimators = {
        "inverse-volatility": InverseVolatility(),
        "equal-weight": EqualWeighted(),
        "hrp": HierarchicalRiskParity(),
    }
    sk = NestedClustersOptimization(
        inner_estimator=estimators[inner], outer_estimator=estimators[outer], cv="ignore"
    )
    panel = request.getfixturevalue(name)
    expected = _quiet_fit(sk, panel)
    result = optimize(panel, AllocatorSpec("nco", inner=inner, outer=outer, cv="ignore"))
    assert np.abs(result.weights.to_numpy() - expected).max() < TOL


def test_nco_min_variance_beats_skfolio_clarabel(sp500: pd.DataFrame) -> None:
    """Default inner/outer min-variance: skfolio's weights to its solver's accuracy (Clarabel
    stops near 1e-7), and each of our inner portfolios has a variance no larger."""
    from skfolio.optimization import MeanRisk, NestedClustersOptimization

    tight = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
    sk = NestedClustersOptimization(
        inner_estimator=MeanRisk(solver_params=tight),
        outer_estimator=MeanRisk(solver_params=tight),
        cv="ignore",
    )
    expected = _quiet_fit(sk, sp500)
    result = optimize(sp500, AllocatorSpec("nco", cv="ignore"))
    w = result.weights
    assert np.abs(w.to_numpy() - expected).max() < 1e-6
    cov = sp500.cov()
    for est in sk.inner_estimators_:
        names = list(est.feature_names_in_)
        ours = sub_weights(sp500[names], "min-variance", EngineConfig())
        theirs = est.weights_
        sigma = cov.loc[names, names].to_numpy()
        assert ours @ sigma @ ours <= theirs @ sigma @ theirs + 1e-16


def test_nco_under_a_cap_is_feasible(sp500: pd.DataFrame) -> None:
    result = optimize(sp500, "nco", max_weight=0.1)
    w = result.weights.to_numpy()
    assert w.min() >= -1e-12 and w.max() <= 0.1 + 1e-10 and abs(w.sum() - 1) < 1e-10
    assert result.to_dict()["allocator"]["redistribution"] == "euclidean"


@pytest.mark.slow
def test_nco_inner_takes_any_measure_and_bounds(sp500: pd.DataFrame) -> None:
    """Inner min-CVaR (engine, certified), outer min-variance, under a cap: feasible."""
    spec = AllocatorSpec("nco", inner="cvar", n_clusters=3)
    result = optimize(sp500.iloc[-300:], spec, max_weight=0.12)
    w = result.weights.to_numpy()
    assert w.min() >= -1e-12 and w.max() <= 0.12 + 1e-10 and abs(w.sum() - 1) < 1e-10
    assert len(result.to_dict()["allocator"]["clusters"]) == 3


# ------------------------------------------------------------------------ CLI
def _cli(args: list[str]) -> object:
    from click.testing import CliRunner

    from portfolio_sgd.cli import main

    return CliRunner().invoke(main, args)


def test_cli_names_match_the_registry() -> None:
    from portfolio_sgd.allocators import allocator_names
    from portfolio_sgd.cli.allocator_options import ALLOCATOR_NAMES

    assert list(ALLOCATOR_NAMES) == allocator_names()


def test_cli_allocates_with_a_dendrogram(tmp_path: object, sp500: pd.DataFrame) -> None:
    import json
    from pathlib import Path

    plot = Path(str(tmp_path)) / "tree.png"
    returns = Path(str(tmp_path)) / "returns.csv"
    sp500.to_csv(returns)
    args = ["optimize", "--returns", str(returns), "--objective", "herc", "--linkage", "average"]
    args += ["--measure", "cvar", "--alpha", "0.9"]
    out = _cli([*args, "--max-weight", "0.1", "--format", "json", "--plot", str(plot)])
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    payload = json.loads(out.stdout)  # type: ignore[attr-defined]
    assert payload["certificate_method"] == "none (heuristic allocator)"
    assert max(payload["weights"].values()) <= 0.1 + 1e-12
    assert plot.read_bytes()[:4] == b"\x89PNG"
    spec = AllocatorSpec("herc", linkage="average", measure="cvar", alpha=0.9)
    expected = optimize(sp500, spec, max_weight=0.1).weights
    assert np.abs(pd.Series(payload["weights"])[expected.index] - expected).max() < 1e-12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--objective", "hrp", "--error-bars"], "does not take --error-bars"),
        (["--objective", "hrp", "--compare-exact"], "does not take --compare-exact"),
        (["--objective", "min-variance", "--linkage", "ward"], "--linkage applies"),
        (["--objective", "equal-weight", "--plot", "x.png"], "--plot draws the tree"),
        (["--objective", "hrp", "--linkage", "centroid"], "centroid"),
    ],
)
def test_cli_refuses_in_one_line(args: list[str], message: str) -> None:
    out = _cli(["optimize", "--quiet", *args])
    assert out.exit_code != 0 and message in out.output  # type: ignore[attr-defined]


# ------------------------------------------------------------ skfolio estimators
def test_estimators_match_skfolio_with_per_asset_bounds(sp500: pd.DataFrame) -> None:
    from sklearn.base import clone

    from portfolio_sgd.skfolio import (
        SGDHierarchicalEqualRiskContribution,
        SGDHierarchicalRiskParity,
    )

    upper = np.linspace(0.04, 0.2, sp500.shape[1])
    lower = {"AAPL": 0.03, "AMD": 0.02}
    sk = HierarchicalRiskParity(min_weights=lower, max_weights=upper)
    ours = clone(SGDHierarchicalRiskParity(min_weights=lower, max_weights=upper)).fit(sp500)
    assert np.abs(ours.weights_ - _quiet_fit(sk, sp500)).max() < TOL
    assert np.all(ours.weights_ <= upper + 1e-12) and ours.weights_[0] >= 0.03 - 1e-12
    assert ours.predict(sp500).weights.shape == (sp500.shape[1],)
    herc = SGDHierarchicalEqualRiskContribution(linkage_method=LinkageMethod.COMPLETE)
    sk_herc = HierarchicalEqualRiskContribution(
        hierarchical_clustering_estimator=_sk_clustering("complete")
    )
    assert np.abs(herc.fit(sp500).weights_ - _quiet_fit(sk_herc, sp500)).max() < TOL


def test_nco_and_naive_estimators(sp500: pd.DataFrame) -> None:
    from skfolio.optimization import EqualWeighted, InverseVolatility, NestedClustersOptimization

    from portfolio_sgd.skfolio import (
        SGDEqualWeighted,
        SGDInverseVolatility,
        SGDNestedClustersOptimization,
    )

    nco = SGDNestedClustersOptimization(
        inner="inverse-volatility", outer="equal-weight", cv="ignore"
    )
    sk = NestedClustersOptimization(
        inner_estimator=InverseVolatility(), outer_estimator=EqualWeighted(), cv="ignore"
    )
    assert np.abs(nco.fit(sp500).weights_ - _quiet_fit(sk, sp500)).max() < TOL
    inv = SGDInverseVolatility().fit(sp500).weights_
    assert np.abs(inv - _quiet_fit(InverseVolatility(), sp500)).max() < TOL
    tech = {"AAPL": "tech", "MSFT": "tech", "AMD": "tech"}
    capped = SGDEqualWeighted(max_weights=0.1, groups=tech, linear_constraints=["tech <= 0.06"])
    w = pd.Series(capped.fit(sp500).weights_, index=sp500.columns)
    assert w[list(tech)].sum() <= 0.06 + 1e-10 and abs(w.sum() - 1) < 1e-10
    assert w.max() <= 0.1 + 1e-12 and w.min() >= -1e-12
    assert all(row["status"] != "violated" for row in capped.result_.constraints_report)


def test_herc_estimator_vector_bounds_by_relative_deviation(sp500: pd.DataFrame) -> None:
    """Per-asset caps (single-asset rows) take the relative-deviation kernel too, as skfolio."""
    from portfolio_sgd.skfolio import SGDHierarchicalEqualRiskContribution

    upper = np.linspace(0.03, 0.12, sp500.shape[1])
    tight = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
    sk = HierarchicalEqualRiskContribution(min_weights=0.01, max_weights=upper, solver_params=tight)
    ours = SGDHierarchicalEqualRiskContribution(min_weights=0.01, max_weights=upper).fit(sp500)
    assert np.abs(ours.weights_ - _quiet_fit(sk, sp500)).max() < 1e-7
    assert np.all(ours.weights_ <= upper + 1e-12) and ours.weights_.min() >= 0.01 - 1e-12
    assert ours.result_.to_dict()["allocator"]["redistribution"] == "relative"
