"""The frontier and the backtest under risk limits (``--limit NAME=VALUE``), against cvxpy.

Each frontier point is the maximum return within its own risk (the frontier's axis) and
every limit: an independent cvxpy model (Clarabel, tightened) of the same problem gives the
same return within 1e-6 relative, and every point meets each limit in float64. A backtest
window under limits is the cvxpy LP's maximum return on that window. Panels: sp500 slices.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

cp = pytest.importorskip("cvxpy")

from portfolio_sgd import frontier_under_limits  # noqa: E402
from portfolio_sgd.backtest import parse_strategies, run_backtest  # noqa: E402
from portfolio_sgd.cli.main import main  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.errors import ConfigError, InfeasibleConstraintError  # noqa: E402
from portfolio_sgd.measures.limit import RiskLimit  # noqa: E402
from portfolio_sgd.measures.registry import get_measure  # noqa: E402

ALPHA = 0.95
TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
TICKERS = "AAPL,MSFT,JPM,XOM,PG,JNJ"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return load_returns(dataset="sp500").iloc[-250:, :10]


def _cvxpy_max_return(r: np.ndarray, caps: dict[str, float]) -> float:
    """``max mu.w`` long-only, fully invested, within each cap (volatility annualised,
    daily CVaR at ALPHA by Rockafellar-Uryasev, daily mean absolute deviation)."""
    t_len, n = r.shape
    w, z = cp.Variable(n, nonneg=True), cp.Variable()
    x = r @ w
    rows = [cp.sum(w) == 1]
    if "volatility" in caps:
        rows.append(math.sqrt(252 / t_len) * cp.norm(x - cp.sum(x) / t_len) <= caps["volatility"])
    if "cvar" in caps:
        rows.append(z + cp.sum(cp.pos(-x - z)) / ((1 - ALPHA) * t_len) <= caps["cvar"])
    if "mean-absolute-deviation" in caps:
        rows.append(
            cp.sum(cp.abs(x - cp.sum(x) / t_len)) / t_len <= caps["mean-absolute-deviation"]
        )
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), rows)
    problem.solve(solver=cp.CLARABEL, **TIGHT)
    return float(problem.value)


@pytest.mark.parametrize(
    ("objective", "limits"),
    [
        ("mean-variance", {"cvar": 0.02}),
        pytest.param("cvar", {"volatility": 0.2}, marks=pytest.mark.slow),
    ],
)
def test_points_match_cvxpy(panel: pd.DataFrame, objective: str, limits: dict) -> None:
    front = frontier_under_limits(panel, objective, 4, limits=limits)
    r = panel.to_numpy()
    axis = "volatility" if objective == "mean-variance" else "cvar"
    assert front.converged.all()
    for k in range(1, 4):  # the first point is the frontier's own minimum-risk end
        w = front.weights.iloc[k].to_numpy()
        ours = float(r.mean(axis=0) @ w)
        ref = _cvxpy_max_return(r, {**limits, axis: float(front.risk[k])})
        assert abs(ours - ref) <= 1e-6 * abs(ref)
    for k, reports in enumerate(front.limit_reports):
        (report,) = reports
        risk = get_measure(report.measure).stated_value(
            r @ front.weights.iloc[k].to_numpy()[:, None]
        )
        assert risk[0] <= report.limit == limits[report.measure]
    assert front.limit_reports[-1][0].binds  # the maximum-return end under the limit
    assert np.all(np.diff(front.risk) > 0) and np.all(np.diff(front.returns) >= -1e-12)
    assert front.to_dict()["points"][-1]["limits"][0]["measure"] == next(iter(limits))


def test_impossible_limit_is_one_line(panel: pd.DataFrame) -> None:
    with pytest.raises(InfeasibleConstraintError, match=r"cvar <= 0\.0001"):
        frontier_under_limits(panel, "mean-variance", 3, limits={"cvar": 0.0001})


def test_without_limits_is_the_frontier(panel: pd.DataFrame) -> None:
    front = frontier_under_limits(panel, "mean-variance", 3)
    assert not hasattr(front, "limit_reports") and len(front.risk) == 3


def test_frontier_cli_limits_and_a_bad_limit() -> None:
    base = ["frontier", "--dataset", "sp500", "--tickers", TICKERS, "--start", "2022-01-01"]
    base += ["--end", "2022-12-31", "--points", "3"]
    ok = CliRunner().invoke(main, [*base, "--limit", "cvar=0.03"])
    assert ok.exit_code == 0, ok.output
    assert "risk limits (every point within each):" in ok.output and "binds" in ok.output
    bad = CliRunner().invoke(main, [*base, "--limit", "cvar=0.0001"])
    assert (
        bad.exit_code == 1 and "no portfolio is within every limit (cvar <= 0.0001)" in bad.output
    )
    unknown = CliRunner().invoke(main, [*base, "--limit", "foo=0.1"])
    assert unknown.exit_code != 0 and "'foo'" in unknown.output


@pytest.fixture(scope="module")
def walk() -> pd.DataFrame:
    return load_returns(dataset="sp500").iloc[-330:, :8]


def test_backtest_windows_match_cvxpy(walk: pd.DataFrame) -> None:
    limits = {"cvar": 0.025, "mean-absolute-deviation": 0.01}
    result = run_backtest(
        walk,
        ["sgd:max-return", "equal-weight"],
        lookback=250,
        rebalance_every=40,
        limits=limits,
        benchmark=walk.mean(axis=1).rename("bench"),  # reported only, never a limit's input
    )
    rows = result.rebalances.reset_index(drop=True)
    mine = rows.index[rows["strategy"] == "sgd:max-return"]
    assert len(mine) == 2 and rows.loc[mine, "limits"].str.contains("cvar").all()
    wide = result.weights_at("sgd:max-return")
    for k, t in enumerate((250, 290)):
        r = walk.iloc[t - 250 : t].to_numpy()
        w = wide.iloc[k].reindex(walk.columns).to_numpy()
        ref = _cvxpy_max_return(r, limits)
        assert abs(float(r.mean(axis=0) @ w) - ref) <= 1e-6 * abs(ref)
        for name, level in limits.items():
            assert get_measure(name).stated_value((r @ w)[:, None], ALPHA)[0] <= level


def test_backtest_refuses_exact_and_names_the_window(walk: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="apply to sgd: strategies"):
        parse_strategies("exact:min-variance", limits=(RiskLimit("cvar", 0.02),))
    with pytest.raises(ConfigError, match=r"at the rebalance of .*CVaR <= 0.001"):
        run_backtest(
            walk,
            ["sgd:max-return"],
            lookback=250,
            rebalance_every=40,
            limits={"cvar": 0.001, "mean-absolute-deviation": 0.01},
        )


def test_backtest_cli_bad_limit() -> None:
    args = ["backtest", "--dataset", "sp500", "--tickers", TICKERS, "--benchmark", "none"]
    bad = CliRunner().invoke(main, [*args, "--strategies", "sgd:max-return", "--limit", "cvar"])
    assert bad.exit_code != 0 and "--limit takes NAME=VALUE" in bad.output


def test_axis_without_limit_form_is_refused(panel: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="'variance' has no limit form"):
        frontier_under_limits(panel, "utility", 3, measure="variance", limits={"cvar": 0.02})
