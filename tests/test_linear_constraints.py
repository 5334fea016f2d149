"""Group and linear constraints: parsing, memberships, projections, feasibility, accuracy.

References: hand-made parse results; cvxpy + Clarabel exact projections and exact
optima (:func:`portfolio_sgd.reference.exact.solve_exact`); scipy HiGHS for feasibility.
"""

from __future__ import annotations

import json

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.cli import main
from portfolio_sgd.constraints.groups import normalize_groups, read_groups
from portfolio_sgd.constraints.linear_parse import parse_linear
from portfolio_sgd.errors import (
    ConfigError,
    DataError,
    InfeasibleConstraintError,
    PortfolioSGDWarning,
)
from portfolio_sgd.reference.exact import objective_value, solve_exact

SECTORS = "data/sp500_sectors.csv"


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("text", "coefs", "sense", "rhs"),
    [
        ("Tech <= 0.3", {"Tech": 1.0}, "<=", 0.3),
        ("Bond >= 0.2", {"Bond": -1.0}, "<=", -0.2),
        ("Equity <= 2 * Bond", {"Equity": 1.0, "Bond": -2.0}, "<=", 0.0),
        ("AAPL + MSFT <= 0.15", {"AAPL": 1.0, "MSFT": 1.0}, "<=", 0.15),
        ("Energy == 0.05", {"Energy": 1.0}, "==", 0.05),
        ("0.5 * (AAPL + MSFT) >= XOM - 1%", {"AAPL": -0.5, "MSFT": -0.5, "XOM": 1.0}, "<=", 0.01),
        ("Health Care <= 0.3", {"Health Care": 1.0}, "<=", 0.3),
        ('"BRK-B" / 2 = 0.1', {"BRK-B": 0.5}, "==", 0.1),
    ],
)
def test_parse_good(text: str, coefs: dict, sense: str, rhs: float) -> None:
    parsed = parse_linear(text)
    assert dict(parsed.coefs) == pytest.approx(coefs)
    assert parsed.sense == sense and parsed.rhs == pytest.approx(rhs)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Tech <= 0.3x", "'x' at position 11"),
        ("Tech < 0.3", "'<'"),
        ("Tech * AAPL <= 1", "'AAPL'"),
        ("Tech 0.3 <= 1", "'0.3'"),
        ("Tech <= 0.3 )", "')' at position 12"),
        ("Tech # 1", "'#' at position 5"),
        ("Tech", "missing comparison"),
        ("1 <= 2", "names no asset"),
    ],
)
def test_parse_error_names_the_token(text: str, token: str) -> None:
    with pytest.raises(ConfigError, match="constraint") as err:
        parse_linear(text)
    assert token in str(err.value)


# ------------------------------------------------------------------ groups
def test_group_formats_agree(tmp_path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("asset,group\nA,Tech\nB,Tech\nC,Energy\nC,Value\n")
    wide = tmp_path / "wide.csv"
    wide.write_text("asset,Tech,Energy,Value\nA,1,,\nB,1,0,\nC,,1,1\n")
    mapping = {"A": "Tech", "B": ["Tech"], "C": {"Energy": 1.0, "Value": 1.0}}
    frame = pd.DataFrame(
        {"Tech": [1, 1, 0], "Energy": [0, 0, 1], "Value": [0, 0, 1]}, index=["A", "B", "C"]
    )
    forms = [normalize_groups(g) for g in (read_groups(long), read_groups(wide), mapping, frame)]
    as_sets = [{(a, frozenset(p)) for a, p in f} for f in forms]
    assert all(s == as_sets[0] for s in as_sets)


def test_fractional_groups_and_bad_files(tmp_path) -> None:
    wide = tmp_path / "frac.csv"
    wide.write_text("asset,Tech,Comm\nGOOG,0.6,0.4\nMSFT,1,\n")
    assert read_groups(wide) == {"GOOG": {"Tech": 0.6, "Comm": 0.4}, "MSFT": {"Tech": 1.0}}
    bad = tmp_path / "bad.csv"
    bad.write_text("asset,Tech,Comm\nGOOG,0.6,x\n")
    with pytest.raises(DataError, match="'x' of 'GOOG' in 'Comm'"):
        read_groups(bad)
    with pytest.raises(ConfigError, match="also an asset"):
        normalize_groups({"A": "B", "B": "Tech"})


def test_unknown_name_and_empty_group() -> None:
    c = Constraints(groups={"A": "Tech"}, linear=["Tehc <= 0.5"]).bind(["A", "B", "C"])
    with pytest.raises(ConfigError, match="unknown name 'Tehc'.*did you mean 'Tech'"):
        c.validate(3)
    c = Constraints(groups={"Z": "Tech"}, linear=["Tech <= 0.5"]).bind(["A", "B", "C"])
    with pytest.raises(ConfigError, match="member 'Z' is not an asset"):  # issue 23
        c.validate(3)
    c = Constraints(groups={"Z": "Tech"}, linear=["Tech <= 0.5"], allow_absent_members=True).bind(
        ["A", "B", "C"]
    )
    with (
        pytest.warns(PortfolioSGDWarning),
        pytest.raises(ConfigError, match="group 'Tech' has no member"),
    ):
        c.validate(3)


def test_record_is_hashable_and_round_trips_json() -> None:
    frame = pd.DataFrame({"Tech": [0.6, 1.0]}, index=["GOOG", "MSFT"])
    c = Constraints(groups=frame, linear=["Tech <= 0.5"], A_ub=[[1.0, -1.0]], b_ub=[0.1])
    again = Constraints.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c and hash(again) == hash(c)


# ------------------------------------------------------------------ projections
def _exact_projection(v: np.ndarray, c: Constraints) -> np.ndarray:
    w = cp.Variable(v.shape[0])
    problem = cp.Problem(cp.Minimize(cp.sum_squares(w - v)), c.cvxpy(cp, w))
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return np.asarray(w.value)


def _random_set(rng: np.random.Generator, n: int, general: bool) -> Constraints:
    tickers = [f"a{i}" for i in range(n)]
    labels = rng.integers(0, 3, size=n)
    groups = {t: f"G{g}" for t, g in zip(tickers, labels, strict=True) if g < 2}
    linear = [f"G0 <= {rng.uniform(0.1, 0.5):.3f}", f"G1 >= {rng.uniform(0.05, 0.3):.3f}"]
    if general:
        linear += ["a0 + 2 * a1 <= G1", "a2 - a3 >= -0.05"]
    hi = float(rng.choice([1.0, 0.3]))
    return Constraints(max_weight=hi, groups=groups, linear=linear).bind(tickers)


@pytest.mark.parametrize("general", [False, True])
def test_projection_matches_cvxpy(general: bool) -> None:
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(12):
        n = int(rng.integers(6, 20))
        c = _random_set(rng, n, general)
        try:
            c.validate(n)
        except (InfeasibleConstraintError, ConfigError):
            continue
        v = rng.normal(scale=0.3, size=(3, n))
        ours = c.project(torch.from_numpy(v)).numpy()
        for k in range(3):
            exact = _exact_projection(v[k], c)
            dist, ref = np.sum((ours[k] - v[k]) ** 2), np.sum((exact - v[k]) ** 2)
            assert dist <= ref * (1 + 1e-7) + 1e-12
            assert np.abs(ours[k] - exact).max() < 1e-5
        assert bool(c.is_feasible(torch.from_numpy(ours), atol=1e-9).all())
        checked += 1
    assert checked >= 6


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(4, 25),
    scale=st.sampled_from([0.01, 1.0, 10.0]),
    general=st.booleans(),
)
def test_every_projected_point_is_feasible(seed: int, n: int, scale: float, general: bool) -> None:
    rng = np.random.default_rng(seed)
    c = _random_set(rng, n, general)
    try:
        c.validate(n)
    except (InfeasibleConstraintError, ConfigError):
        return
    v = torch.from_numpy(rng.normal(scale=scale, size=(4, n)))
    w = c.project(v)
    viols = c.violations(w)
    assert max(float(x.max()) for x in viols.values()) <= 1e-9


def test_infeasible_set_names_the_conflict() -> None:
    groups = {"A": "Tech", "B": "Tech", "C": "Energy", "D": "Energy"}
    linear = ["A <= 0.4", "Tech >= 0.7", "Energy >= 0.5", "D <= 0.3"]
    c = Constraints(groups=groups, linear=linear)
    returns = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (300, 4)), columns=list("ABCD"))
    with pytest.raises(InfeasibleConstraintError) as err:
        optimize(returns, "min-variance", c)
    message = str(err.value)
    assert "'Tech >= 0.7'" in message and "'Energy >= 0.5'" in message
    assert "A <= 0.4" not in message and "D <= 0.3" not in message


def test_certificate_counts_linear_rows() -> None:
    c = Constraints(groups={"A": "Tech", "B": "Tech"}, linear=["Tech <= 0.5"]).bind(list("ABC"))
    fset = c.linear_oracle(3)
    assert float(fset.violation(torch.tensor([[0.4, 0.4, 0.2]]))[0]) == pytest.approx(0.3)
    s = fset.minimize(torch.tensor([-1.0, -2.0, 0.0], dtype=torch.float64))
    assert s.numpy() == pytest.approx([0.0, 0.5, 0.5], abs=1e-9)


# ------------------------------------------------------------------ accuracy
def _gap(objective: str, returns: pd.DataFrame, c: Constraints) -> tuple[float, dict]:
    result = optimize(returns, objective, c, seed=0)
    exact = solve_exact(objective, returns, c)
    value = objective_value(objective, returns.to_numpy(), result.weights.to_numpy())
    bound = c.bind(list(returns.columns))
    w = torch.tensor(result.weights.to_numpy())[None, :]
    assert bool(bound.is_feasible(w, atol=1e-9)[0])
    return (value - exact.value) / abs(exact.value), result.to_dict()


@pytest.mark.parametrize(
    ("panel", "objective", "make"),
    [
        (
            "sp500_returns",
            "min-variance",
            lambda cols: (
                read_groups(SECTORS),
                ["Health Care <= 0.15", "Consumer Staples <= 0.25", "Energy >= 0.1"],
            ),
        ),
        (
            "sp500_returns",
            "cvar",
            lambda cols: (
                read_groups(SECTORS),
                ["Information Technology >= 0.1", "Consumer Staples <= 0.3"],
            ),
        ),
        (
            "ff49_returns",
            "min-variance",
            lambda cols: ({c: f"S{i % 5}" for i, c in enumerate(cols)}, ["S0 <= 0.1", "S1 >= 0.3"]),
        ),
        (
            "etf_mix_returns",
            "mean-variance",
            lambda cols: (
                {c: "Bond" for c in ("TLT", "AGG", "IEF", "LQD")}
                | {"SPY": "Equity", "QQQ": "Equity"},
                ["Bond <= 0.5", "Equity >= 0.2", "GLD + GDX <= 0.1"],
            ),
        ),
    ],
)
def test_reaches_exact_optimum(panel: str, objective: str, make, request) -> None:
    returns = request.getfixturevalue(panel).iloc[-1500:]
    if panel == "ff49_returns":
        returns = returns.iloc[:, :20]
    groups, linear = make(list(returns.columns))
    gap, payload = _gap(objective, returns, Constraints(groups=groups, linear=linear))
    assert gap <= (1e-3 if objective == "cvar" else 1e-4), gap
    report = payload["constraints_report"]
    assert [r["constraint"] for r in report[-len(linear) :]] == linear
    assert all(r["status"] in ("active", "slack") for r in report)


# ------------------------------------------------------------------ CLI
def test_cli_groups_and_constraints() -> None:
    args = ["optimize", "--objective", "min-variance", "--groups", SECTORS]
    args += ["--constraint", "Health Care <= 0.2", "--constraint", "Energy >= 0.15"]
    out = CliRunner().invoke(main, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    status = {r["constraint"]: r for r in payload["constraints_report"]}
    assert status["Health Care <= 0.2"]["status"] == "active"
    assert status["Energy >= 0.15"]["value"] >= 0.15 - 1e-9
    health = sum(payload["weights"][t] for t in ("JNJ", "LLY", "MRK", "PFE", "UNH"))
    assert health <= 0.2 + 1e-9
    table = CliRunner().invoke(main, args)
    assert "Health Care <= 0.2" in table.stdout and "active" in table.stdout
    bad = CliRunner().invoke(main, ["optimize", "--constraint", "Tech <= 0.2"])
    assert bad.exit_code == 1 and "unknown name 'Tech'" in bad.output


def test_group_kernel_in_a_diagonal_metric() -> None:
    """The preconditioned engine projects group limits in its metric: check against cvxpy."""
    rng = np.random.default_rng(5)
    c = _random_set(rng, 12, general=False)
    c.validate(12)
    assert c.allows_metric_projection
    assert not _random_set(rng, 12, general=True).allows_metric_projection
    d = torch.from_numpy(rng.uniform(0.2, 5.0, 12))
    v = rng.normal(scale=0.3, size=(2, 12))
    ours = c.metric_projector(12, d)(torch.from_numpy(v)).numpy()
    for k in range(2):
        w = cp.Variable(12)
        objective = cp.Minimize(cp.sum(cp.multiply(d.numpy(), cp.square(w - v[k]))))
        cp.Problem(objective, c.cvxpy(cp, w)).solve(solver="CLARABEL", tol_gap_rel=1e-12)
        assert np.abs(ours[k] - w.value).max() < 1e-5
    assert bool(c.is_feasible(torch.from_numpy(ours), atol=1e-9).all())


def test_long_groups_file_with_a_half_filled_row_is_refused(tmp_path) -> None:
    from portfolio_sgd.constraints.groups import read_groups
    from portfolio_sgd.errors import DataError

    path = tmp_path / "groups.csv"
    path.write_text("asset,group\nAAPL,Tech\nMSFT\n")
    with pytest.raises(DataError, match="row 3 needs both an asset and a group") as info:
        read_groups(path)
    assert "\n" not in str(info.value)
