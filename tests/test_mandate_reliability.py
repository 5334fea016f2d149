"""Issue 23: no silent wrong answer in the mandate options.

Each test checks a refusal (one domain error naming the problem and the fix) or a number
against an independent computation: group holdings summed by hand from the memberships,
Kish's effective sample size in closed form, the exact solver for a constrained optimum.
"""

from __future__ import annotations

import io
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.constraints.linear import resolve_linear
from portfolio_sgd.constraints.linear_parse import ambiguous_name, needs_quotes, parse_linear
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError, InfeasibleConstraintError, PortfolioSGDWarning
from portfolio_sgd.estimation.bootstrap import auto_block_length


@pytest.fixture(scope="module")
def small(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """60 rows x 5 assets of real returns."""
    return sp500_returns.iloc[-60:, :5]


def _write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


# ------------------------------------------------------------------ quoting rule
@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("Tech", False),
        ("Health Care", False),
        ("BRK.B", False),
        ("Tech-Growth", True),
        ("BRK-B", True),
        ("1", True),
        ("3M", True),
        ("A+B", True),
        ("x/y", True),
    ],
)
def test_which_names_need_quotes(name: str, needs: bool) -> None:
    assert needs_quotes(name) is needs


def test_backquotes_and_double_quotes_name_a_hyphenated_group() -> None:
    for text in ("`Tech-Growth` <= 0.01", '"Tech-Growth" <= 0.01'):
        assert dict(parse_linear(text).coefs) == {"Tech-Growth": 1.0}
    assert ambiguous_name("`Tech` - `Growth` <= 0", ["Tech-Growth"]) is None
    assert ambiguous_name("Tech-Growth <= 0.01", ["Tech", "Tech-Growth"]) == "Tech-Growth"
    assert ambiguous_name("AAPL <= 1", ["AAPL", "1"]) == "1"
    assert ambiguous_name("AAPL <= 1.0", ["AAPL", "1"]) is None


def test_hyphenated_group_label_is_refused_unquoted_and_exact_quoted() -> None:
    tickers = ["A", "B", "C", "D"]
    groups = {"A": "Tech", "B": "Growth", "C": "Tech-Growth", "D": "Tech-Growth"}
    with pytest.raises(ConfigError, match=r"group name 'Tech-Growth'.*`Tech-Growth`"):
        resolve_linear(tickers, Constraints(groups=groups).groups, ["Tech-Growth <= 0.01"])
    part = resolve_linear(tickers, Constraints(groups=groups).groups, ["`Tech-Growth` <= 0.01"])
    assert part is not None
    np.testing.assert_array_equal(part.a_ub, [[0.0, 0.0, 1.0, 1.0]])  # C + D, by hand
    # the difference of two groups is still written, with quotes on each name
    diff = resolve_linear(tickers, Constraints(groups=groups).groups, ["`Tech` - `Growth` <= 0"])
    np.testing.assert_array_equal(diff.a_ub, [[1.0, -1.0, 0.0, 0.0]])


def test_quoted_group_limit_holds_at_the_optimum(small: pd.DataFrame) -> None:
    t = list(small.columns)
    groups = {t[0]: "Tech", t[1]: "Growth", t[2]: "Tech-Growth", t[3]: "Tech-Growth"}
    res = optimize(
        small,
        "min-variance",
        Constraints(groups=groups, linear=["`Tech-Growth` <= 0.01"]),
        steps=3000,
    )
    w = res.weights
    assert w[t[2]] + w[t[3]] <= 0.01 + 1e-6  # the group's holding, summed by hand


def test_ticker_named_like_a_number_must_be_quoted(small: pd.DataFrame) -> None:
    data = small.set_axis(["1", "3M", "C", "D", "E"], axis=1)
    for text, name in (("1 <= 0.2", "'1'"), ("3M <= 0.2", "'3M'")):
        with pytest.raises(ConfigError, match=f"asset name {name}.*quotes"):
            optimize(data, "min-variance", Constraints(linear=[text]), steps=50)
    res = optimize(data, "min-variance", Constraints(linear=["`1` + `3M` <= 0.05"]), steps=3000)
    assert res.weights["1"] + res.weights["3M"] <= 0.05 + 1e-6


def test_cli_hyphenated_group_says_how_to_quote(tmp_path) -> None:
    groups = _write(tmp_path / "g.csv", "asset,group\nAAPL,Tech\nMSFT,Growth\nAMD,Tech-Growth\n")
    out = CliRunner().invoke(
        main,
        [
            "optimize",
            "--groups",
            groups,
            "--constraint",
            "Tech-Growth <= 0.01",
            "--steps",
            "20",
            "--dataset",
            "sp500",
            "--tickers",
            "AAPL,MSFT,AMD,JPM",
        ],
    )
    assert out.exit_code == 1, out.output
    assert "Error:" in out.output and "`Tech-Growth`" in out.output
    assert "Traceback" not in out.output


# ------------------------------------------------------------------ group members
def test_misspelt_group_member_is_refused_with_a_suggestion() -> None:
    c = Constraints(groups={"APPL": "Tech", "B": "Tech"}, linear=["Tech <= 0.5"])
    with pytest.raises(ConfigError, match="member 'APPL'.*did you mean AAPL"):
        c.bind(["AAPL", "B", "C"]).validate(3)


def test_absent_members_are_allowed_explicitly_and_counted() -> None:
    c = Constraints(
        groups={"ZZZ": "Tech", "YYY": "Tech", "B": "Tech"},
        linear=["Tech <= 0.5"],
        allow_absent_members=True,
    ).bind(["A", "B", "C"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        part = c.linear_part(3)
    assert [str(w.message) for w in seen if w.category is PortfolioSGDWarning] == [
        "groups: 2 of 3 members are not in the returns and are ignored (ZZZ, YYY)"
    ]
    np.testing.assert_array_equal(part.a_ub, [[0.0, 1.0, 0.0]])  # only B is in Tech here
    assert Constraints.from_dict(c.to_dict()).allow_absent_members is True


def test_cli_absent_members_flag(tmp_path) -> None:
    groups = _write(tmp_path / "g.csv", "asset,group\nAPPL,Tech\nMSFT,Tech\n")
    args = [
        "optimize",
        "--groups",
        groups,
        "--constraint",
        "Tech <= 0.3",
        "--steps",
        "20",
        "--dataset",
        "sp500",
        "--tickers",
        "AAPL,MSFT,AMD,JPM",
    ]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1 and "did you mean AAPL?" in refused.output
    allowed = CliRunner().invoke(main, [*args, "--allow-absent-members", "--format", "json"])
    assert allowed.exit_code == 0, allowed.output
    assert "warning: groups: 1 of 2 members are not in the returns" in allowed.stderr


# ------------------------------------------------------------------ leverage + linear
def test_linear_rows_with_a_leverage_cap_are_checked_not_a_traceback(small) -> None:
    t = list(small.columns)
    ok = Constraints(
        min_weight=-0.5,
        max_weight=1.0,
        long_short=True,
        max_leverage=1.6,
        linear=[f"{t[0]} + {t[1]} <= 0.4"],
    )
    res = optimize(small, "min-variance", ok, steps=3000)
    w = res.weights.to_numpy()
    assert w[0] + w[1] <= 0.4 + 1e-6 and np.abs(w).sum() <= 1.6 + 1e-6
    bad = Constraints(
        min_weight=-0.5,
        long_short=True,
        max_leverage=1.2,
        linear=[f"{t[0]} >= 0.9", f"{t[1]} <= -0.2"],
    )
    # w0 >= 0.9, w1 <= -0.2 and sum = 1 need gross leverage >= 1.4 > 1.2
    with pytest.raises(InfeasibleConstraintError, match="leverage cap"):
        bad.bind(t).validate(5)


def test_cli_groups_with_max_leverage(tmp_path) -> None:
    groups = _write(tmp_path / "g.csv", "asset,group\nAAPL,Tech\nMSFT,Tech\n")
    out = CliRunner().invoke(
        main,
        [
            "optimize",
            "--objective",
            "min-variance",
            "--groups",
            groups,
            "--constraint",
            "Tech <= 0.3",
            "--long-short",
            "--min-weight",
            "-0.2",
            "--max-leverage",
            "1.5",
            "--dataset",
            "sp500",
            "--tickers",
            "AAPL,MSFT,AMD,JPM",
            "--steps",
            "50",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    w = json.loads(out.stdout)["weights"]
    assert w["AAPL"] + w["MSFT"] <= 0.3 + 1e-6


# ------------------------------------------------------------------ bootstrap block length
def test_block_length_must_leave_ten_blocks(small) -> None:
    with pytest.raises(ConfigError, match=r"block length 7 .*<= rows / 10 \(here <= 6\)"):
        optimize(small, "min-variance", bootstrap=5, block_length=7, steps=20)
    res = optimize(small, "min-variance", bootstrap=20, block_length=6, steps=300)
    assert res.error_bars.block_length == 6.0
    assert res.error_bars.weights_se.max() > 0  # bars did not collapse
    assert res.to_dict()["block_length"] == 6.0


def test_cli_block_length_larger_than_rows_is_one_error_line() -> None:
    out = CliRunner().invoke(
        main,
        [
            "optimize",
            "--objective",
            "min-variance",
            "--start",
            "2022-01-01",
            "--error-bars",
            "--bootstrap",
            "5",
            "--block-length",
            "100000",
            "--steps",
            "20",
        ],
    )
    assert out.exit_code == 1
    assert out.output.count("Error:") == 1 and "blocks" in out.output


def test_automatic_block_length_leaves_ten_blocks() -> None:
    x = np.r_[np.full(20, 0.05), np.full(20, 0.001)]  # strongly clustered squares: rho ~ 1
    assert auto_block_length(x) == pytest.approx(4.0)  # T / 10, below sqrt(40) = 6.3


# ------------------------------------------------------------------ effective sample size
def _kish(n: int, h: float) -> float:
    """Closed form of (sum q^k)^2 / sum q^2k over k < n, q = 2^(-1/h)."""
    q = 2.0 ** (-1.0 / h)
    return (1 - q**n) * (1 + q) / ((1 - q) * (1 + q**n))


def test_tiny_half_life_is_refused(small) -> None:
    with pytest.raises(ConfigError, match=r"effective sample size .* of 60 rows.*30 rows"):
        optimize(small, "min-variance", half_life=1e-6, steps=20)


def test_effective_sample_size_is_reported(small) -> None:
    res = optimize(small, "min-variance", half_life=60.0, steps=200)
    assert res.effective_sample_size == pytest.approx(_kish(60, 60.0), rel=1e-10)
    assert res.to_dict()["effective_sample_size"] == pytest.approx(_kish(60, 60.0), rel=1e-10)
    assert res.to_dict()["half_life"] == 60.0
    plain = optimize(small, "min-variance", steps=50)
    assert plain.to_dict()["effective_sample_size"] == 60.0


def test_refusal_names_the_smallest_half_life(small) -> None:
    with pytest.raises(ConfigError, match="at least") as err:
        optimize(small, "min-variance", half_life=5.0, steps=20)
    least = float(str(err.value).rsplit("at least ", 1)[1].split()[0])
    assert _kish(60, least) >= 30 > _kish(60, least * 0.99)


def test_cli_text_output_states_the_effective_sample() -> None:
    out = CliRunner().invoke(
        main,
        [
            "optimize",
            "--objective",
            "min-variance",
            "--start",
            "2021-01-01",
            "--half-life",
            "100",
            "--steps",
            "50",
        ],
    )
    assert out.exit_code == 0, out.output
    line = next(x for x in out.stdout.splitlines() if x.startswith("sample size"))
    rows = int(line.split()[2])
    assert f"effective {_kish(rows, 100.0):.1f}" in line and math.isfinite(rows)


# ------------------------------------------------------------------ input files
@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("--budgets", "ticker,budget\nAAPL,1\nMSFT,1\nAMD,1\nJPM,1\nAAPL,3\n"),
        ("--costs", "ticker,bps\nAAPL,5\nAAPL,10\n"),
        ("--previous-weights", "ticker,weight\nAAPL,0.5\nAAPL,0.5\n"),
        ("--groups", "asset,group\nAAPL,Tech\nAAPL,Tech\n"),
        ("--groups", "asset,Tech\nAAPL,1\nAAPL,0\n"),
    ],
)
def test_duplicate_rows_are_refused_in_every_input_file(tmp_path, option: str, text: str) -> None:
    path = _write(tmp_path / "in.csv", text)
    args = ["optimize", "--dataset", "sp500", "--tickers", "AAPL,MSFT,AMD,JPM", "--steps", "20"]
    if option == "--budgets":
        args += ["--objective", "risk-parity"]
    if option == "--groups":
        args += ["--constraint", "Tech <= 0.5"]
    out = CliRunner().invoke(main, [*args, option, path])
    assert out.exit_code == 1, out.output
    assert out.output.count("Error:") == 1
    assert "twice" in out.output or "repeats" in out.output


def test_cost_bps_without_holdings_says_it_trades_from_cash() -> None:
    args = [
        "optimize",
        "--dataset",
        "sp500",
        "--tickers",
        "AAPL,MSFT,AMD,JPM",
        "--start",
        "2020-01-01",
        "--format",
        "json",
    ]
    plain = CliRunner().invoke(main, args)
    costly = CliRunner().invoke(main, [*args, "--cost-bps", "10"])
    assert costly.exit_code == 0, costly.output
    assert "trading from cash" in costly.stderr and "does not change the weights" in costly.stderr
    # the claim on stderr, checked: a uniform cost from cash leaves the weights unchanged
    assert json.loads(plain.stdout)["converged"] and json.loads(costly.stdout)["converged"]
    w0 = pd.Series(json.loads(plain.stdout)["weights"])
    w1 = pd.Series(json.loads(costly.stdout)["weights"])
    np.testing.assert_allclose(w1, w0, atol=1e-3)


# ------------------------------------------------------------------ messages for CLI users
TICKERS6 = ["--dataset", "sp500", "--tickers", "AAPL,MSFT,AMD,JPM,XOM,KO", "--start", "2020-01-01"]


def _one_error(args: list[str]) -> str:
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 1, out.output
    assert out.output.count("Error:") == 1 and "Traceback" not in out.output
    return out.output


def test_risk_study_takes_group_constraints(tmp_path) -> None:
    groups = _write(tmp_path / "g.csv", "asset,group\nAAPL,Tech\nMSFT,Tech\n")
    out = CliRunner().invoke(
        main,
        [
            "risk",
            *TICKERS6,
            "--groups",
            groups,
            "--constraint",
            "Tech <= 0.3",
            "--seeds",
            "2",
            "--batch-sizes",
            "8,16",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "bind" not in out.output


def test_cardinality_with_costs_names_the_options_not_the_api(tmp_path) -> None:
    costs = _write(tmp_path / "c.csv", "ticker,bps\nAAPL,5\n")
    text = _one_error(["optimize", *TICKERS6, "--costs", costs, "--max-assets", "2"])
    assert "max_assets/min_position do not combine" in text and "DataFrame" not in text


def test_binding_limit_with_cardinality_is_refused_in_cli_terms() -> None:
    text = _one_error(
        [
            "optimize",
            *TICKERS6,
            "--objective",
            "max-return",
            "--max-volatility",
            "0.3",
            "--max-assets",
            "2",
        ]
    )
    assert "--max-volatility" in text and "optimize_many" not in text


def test_volatility_limit_in_percent_is_flagged() -> None:
    out = CliRunner().invoke(
        main, ["optimize", *TICKERS6, "--objective", "max-return", "--max-volatility", "18"]
    )
    assert out.exit_code == 0, out.output
    text = out.stderr
    assert text.count("warning:") == 1 and "for 18% write --max-volatility 0.18" in text
    data = load_returns(
        dataset="sp500", tickers=["AAPL", "MSFT", "AMD", "JPM", "XOM", "KO"], start="2020-01-01"
    )
    top = float((data.std(ddof=0) * np.sqrt(252)).max())  # long-only: no portfolio above
    assert f"at most {top:.4g}" in text


def test_unbindable_volatility_limit_warns() -> None:
    args = [
        "optimize",
        *TICKERS6,
        "--objective",
        "max-return",
        "--max-volatility",
        "0.9",
        "--format",
        "json",
    ]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "warning: --max-volatility 0.9 is above" in out.stderr and "cannot bind" in out.stderr
    assert "limits are fractions" not in out.stderr


# ------------------------------------------------------------------ CSV output
def _returns_file(tmp_path, small: pd.DataFrame, names: list[str]) -> str:
    path = tmp_path / "returns.csv"
    small.set_axis(names, axis=1).rename_axis("Date").to_csv(path)
    return str(path)


def test_csv_escapes_formula_tickers_but_not_numbers(tmp_path, small) -> None:
    names = ["=HYPERLINK(1)", "+X", "@Y", "-Z", "PLAIN"]
    path = _returns_file(tmp_path, small, names)
    out = CliRunner().invoke(
        main, ["optimize", "--returns", path, "--objective", "min-variance", "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    frame = pd.read_csv(io.StringIO(out.stdout), index_col=0, keep_default_na=False)
    assert list(frame.index) == ["'=HYPERLINK(1)", "'+X", "'@Y", "'-Z", "PLAIN"]
    assert frame["weight"].dtype == np.float64  # numbers untouched (negative ones too)
    assert not any(line.startswith(("=", "+", "@")) for line in out.stdout.splitlines())


def test_csv_carries_the_error_bars(tmp_path, small) -> None:
    path = _returns_file(tmp_path, small, ["A", "B", "C", "D", "E"])
    args = [
        "optimize",
        "--returns",
        path,
        "--objective",
        "min-variance",
        "--error-bars",
        "--bootstrap",
        "8",
        "--block-length",
        "1",
        "--seed",
        "3",
    ]
    csv = CliRunner().invoke(main, [*args, "--format", "csv"])
    js = CliRunner().invoke(main, [*args, "--format", "json"])
    assert csv.exit_code == 0 and js.exit_code == 0, csv.output + js.output
    frame = pd.read_csv(io.StringIO(csv.stdout), index_col="ticker")
    payload = json.loads(js.stdout)
    for column, key in (
        ("weight_se", "weights_se"),
        ("weight_5pct", "weights_lo"),
        ("weight_95pct", "weights_hi"),
        ("p_held", "p_held"),
    ):
        np.testing.assert_allclose(frame[column], pd.Series(payload[key])[frame.index], rtol=1e-8)
    assert frame["weight_se"].max() > 0


# ------------------------------------------------------------------ frontier
def test_frontier_strict_exits_3_and_names_the_points() -> None:
    # 5 steps and no exact finish (which would solve these QPs outright): not certified
    args = ["frontier", *TICKERS6, "--points", "3", "--steps", "5", "--no-cvar-polish"]
    args += ["--format", "json"]
    loose = CliRunner().invoke(main, args)
    strict = CliRunner().invoke(main, [*args, "--strict"])
    assert loose.exit_code == 0 and strict.exit_code == 3, strict.output
    flags = [p["converged"] for p in json.loads(strict.stdout)["points"]]
    bad = [str(k) for k, ok in enumerate(flags) if not ok]
    assert bad and f"(point {', '.join(bad)})" in strict.stderr


# ------------------------------------------------------------------ backtest cost horizon
def _reference_trade(window: pd.DataFrame, held: np.ndarray, cost: float) -> np.ndarray:
    """min Var[x] (population) + cost * sum|w - p| over the long-only simplex (cvxpy)."""
    import cvxpy as cp

    r = window.to_numpy()
    centred = (r - r.mean(axis=0)) / np.sqrt(len(r))
    w = cp.Variable(r.shape[1])
    scale = 1e4  # well-scaled for the solver; the argmin is unchanged
    goal = scale * (cp.sum_squares(centred @ w) + cost * cp.norm1(w - held))
    cp.Problem(cp.Minimize(goal), [cp.sum(w) == 1, w >= 0]).solve(solver="CLARABEL")
    return np.asarray(w.value)


@pytest.mark.parametrize(("spec", "horizon"), [("", 21.0), (":horizon=5", 5.0)])
def test_trading_cost_is_amortised_over_the_horizon(sp500_returns, spec: str, horizon) -> None:
    from portfolio_sgd.backtest.inputs import with_cost_horizon
    from portfolio_sgd.backtest.strategies import parse_strategy

    window = sp500_returns.iloc[-252:, :6]
    held = np.array([0.4, 0.3, 0.1, 0.1, 0.05, 0.05])
    s = with_cost_horizon(parse_strategy(f"exact:min-variance:cost=10{spec}"), 21)
    assert s.cost_horizon == horizon
    w = s.decide(window, held).weights
    np.testing.assert_allclose(w, _reference_trade(window, held, 1e-3 / horizon), atol=2e-4)


def test_cost_aware_sgd_strategy_trades_and_reports_its_horizon(sp500_returns) -> None:
    from portfolio_sgd.backtest import run_backtest

    data = sp500_returns.loc["2019-01-01":"2020-12-31"].iloc[:, :8]
    specs = ["sgd:min-variance:cost=10", "sgd:min-variance:cost=10:horizon=1"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = run_backtest(data, specs, lookback=126, rebalance_every=21)
    rb = res.rebalances
    amortised = rb.loc[rb["strategy"] == specs[0], "turnover"].iloc[1:]
    daily = rb.loc[rb["strategy"] == specs[1], "turnover"].iloc[1:]
    assert amortised.mean() > 1e-3  # it trades
    assert (daily < 1e-6).all()  # unamortised, 10 bps outweighs a day's variance
    idle = [str(w.message) for w in seen if w.category is PortfolioSGDWarning]
    assert len(idle) == 1 and specs[1] in idle[0] and "never traded" in idle[0]
    assert res.config["cost_horizons"] == {specs[0]: 21.0, specs[1]: 1.0}


# ------------------------------------------------------------------ frontier order, --split runs
def test_frontier_points_come_in_risk_order(small, monkeypatch) -> None:
    """Runs that come back out of order (as slices of --split runs can) are sorted."""
    import dataclasses

    from portfolio_sgd.engine.config import EngineConfig
    from portfolio_sgd.solvers import frontier as frontier_module
    from portfolio_sgd.solvers import frontier_points

    real = frontier_points.solve_batch
    calls = []

    def shuffled(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(1)
        if len(calls) < 2:  # the calibration pilot: untouched
            return out
        flip = list(range(len(out.weights)))[::-1]
        return dataclasses.replace(
            out,
            weights=out.weights.iloc[flip].reset_index(drop=True),
            runs=out.runs.iloc[flip].reset_index(drop=True),
        )

    monkeypatch.setattr(frontier_points, "solve_batch", shuffled)
    sgd = EngineConfig(precondition=False, cvar_polish=False)  # the batched SGD path
    res = frontier_module.efficient_frontier(small, points=4, config=sgd)
    x = small.to_numpy() @ res.weights.to_numpy().T
    risk = np.sqrt(252) * x.std(axis=0)  # recomputed from the reported weights
    np.testing.assert_allclose(res.risk, risk, rtol=1e-12)
    assert (np.diff(risk) >= 0).all() and len(calls) >= 2
    assert np.ptp(risk) > 0.05  # still a frontier, not one portfolio
    assert (np.diff(res.risk_aversion) <= 0).all()  # lambda falls as risk rises


def test_other_ranks_print_errors_but_not_warnings() -> None:
    from portfolio_sgd.__main__ import ErrorsOnly

    sink = io.StringIO()
    stream = ErrorsOnly(sink)
    stream.write("warning: 1 of 3 points not certified (point 2)\ninfo: sp500: 60 rows\n")
    stream.write("Error: boom")
    stream.write("\nwrote out.csv\n")
    assert sink.getvalue() == "Error: boom\n"


def test_capped_frontier_spreads_its_points(sp500_returns) -> None:
    """--points 5 --max-weight 0.3 must give five distinct portfolios across the risk range."""
    from portfolio_sgd.solvers.frontier import efficient_frontier

    data = sp500_returns.iloc[-1000:, :10]
    res = efficient_frontier(data, points=5, constraints=Constraints(max_weight=0.3))
    w = res.weights.to_numpy()
    x = data.to_numpy() @ w.T
    risk = np.sqrt(252) * x.std(axis=0)
    gaps = np.diff(risk)
    assert (gaps > 0.05 * (risk[-1] - risk[0])).all(), risk  # evenly spread, none repeated
    pairwise = np.abs(w[:, None, :] - w[None, :, :]).sum(axis=2) + np.eye(5)
    assert pairwise.min() > 1e-2
    assert w.max() <= 0.3 + 1e-9
