"""Mandates: per-asset bounds (vector, Series, dict by ticker), a budget other than 1 or a
range, a dollar-neutral book with a gross cap, and max_short / max_long.

Every answer is checked against the exact reference (cvxpy with Clarabel, on the same
constraint set written independently as cvxpy rows): our exact finish must match the
reference objective to 1e-8 relative, and our weights must be feasible to 1e-10.
"""

from __future__ import annotations

import json

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from scipy.optimize import linprog

from portfolio_sgd import optimize
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.constraints.box_kernel import project_box_budget
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError, DataError, InfeasibleConstraintError
from portfolio_sgd.reference.exact import solve_exact

REL = 1e-8
FEAS = 1e-10


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500")


@pytest.fixture(scope="module")
def us100() -> pd.DataFrame:
    returns = load_returns(dataset="us-stocks-2500")
    full = returns.columns[returns.notna().all().to_numpy()]
    return returns.loc[:, full[:100]]


def _independent_rows(w: cp.Variable, lo, hi, budget, gross=None, short=None) -> list:
    """The mandate written directly in cvxpy (not through our constraint parts)."""
    rows = [w >= lo, w <= hi]
    if isinstance(budget, tuple):
        rows += [cp.sum(w) >= budget[0], cp.sum(w) <= budget[1]]
    else:
        rows.append(cp.sum(w) == budget)
    if gross is not None:
        rows.append(cp.norm1(w) <= gross)
    if short is not None:
        rows.append(cp.sum(cp.neg(w)) <= short)
    return rows


def _variance_reference(r: np.ndarray, lam: float | None, rows_of) -> float:
    """min-variance (lam None) or mean-variance ``lam/2 w'Sw - mu.w`` by Clarabel."""
    sigma = np.cov(r, rowvar=False, bias=True)
    mu = r.mean(axis=0)
    w = cp.Variable(r.shape[1])
    risk = cp.quad_form(w, cp.psd_wrap(sigma))
    obj = risk if lam is None else 0.5 * lam * risk - mu @ w
    prob = cp.Problem(cp.Minimize(obj), rows_of(w))
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14)
    return float(prob.value)


def _check(res, cons: Constraints, tickers: list[str], ref: float, ours: float) -> None:
    """Objective within REL of the reference, the finish exact, weights feasible to FEAS."""
    assert res.polished, res.polish
    assert abs(ours - ref) <= REL * max(abs(ref), 1e-12), (ours, ref)
    w = torch.tensor(res.weights.to_numpy())[None]
    worst = max(float(v.max()) for v in cons.bind(tickers).violations(w).values())
    assert worst <= FEAS


def _variance_value(r: np.ndarray, w: np.ndarray, lam: float | None) -> float:
    sigma = np.cov(r, rowvar=False, bias=True)
    risk = float(w @ sigma @ w)
    return risk if lam is None else 0.5 * lam * risk - float(r.mean(axis=0) @ w)


# ------------------------------------------------------------- per-asset bounds
def test_min_variance_bounds_by_ticker_sp500(sp500):
    tickers = [str(c) for c in sp500.columns]
    rng = np.random.default_rng(1)
    hi = pd.Series(rng.uniform(0.04, 0.15, len(tickers)), index=tickers)
    lo = {tickers[0]: 0.03, tickers[7]: 0.06}
    cons = Constraints(min_weight=lo, max_weight=hi)
    res = optimize(sp500, "min-variance", cons, seed=0)
    lo_v = np.array([lo.get(t, 0.0) for t in tickers])
    r = sp500.to_numpy()
    ref = _variance_reference(r, None, lambda w: _independent_rows(w, lo_v, hi.to_numpy(), 1.0))
    _check(res, cons, tickers, ref, _variance_value(r, res.weights.to_numpy(), None))
    assert res.weights[tickers[7]] >= 0.06 - FEAS


def test_mean_variance_array_bounds_us100(us100):
    n = us100.shape[1]
    rng = np.random.default_rng(2)
    lo = np.where(rng.random(n) < 0.1, 0.005, 0.0)
    hi = rng.uniform(0.02, 0.06, n)
    cons = Constraints(min_weight=lo, max_weight=hi)
    res = optimize(us100, "mean-variance", cons, risk_aversion=5.0, seed=0)
    r = us100.to_numpy()
    ref = _variance_reference(r, 5.0, lambda w: _independent_rows(w, lo, hi, 1.0))
    ours = _variance_value(r, res.weights.to_numpy(), 5.0)
    _check(res, cons, [str(c) for c in us100.columns], ref, ours)


def test_cvar_bounds_sp500(sp500):
    returns = sp500.iloc[-500:]
    tickers = [str(c) for c in returns.columns]
    hi = {t: 0.12 for t in tickers[:10]} | {"*": 0.25}
    cons = Constraints(min_weight={tickers[3]: 0.05}, max_weight=hi)
    res = optimize(returns, "cvar", cons, alpha=0.95, seed=0, steps=50)
    ref = solve_exact("cvar", returns.to_numpy(), cons.bind(tickers), alpha=0.95)
    _check(res, cons, tickers, ref.value, res.objective_value)


@pytest.mark.parametrize(
    ("cons", "return_weight"),
    [
        (Constraints(max_weight=0.2, budget=0.8), 0.0),
        (
            Constraints(
                min_weight=-0.2, max_weight=0.2, long_short=True, budget=0.0, max_leverage=2.0
            ),
            100.0,  # homogeneous: a large return weight, else w = 0 is optimal
        ),
        (Constraints(min_weight=-0.1, max_weight=0.3, long_short=True, max_short=0.2), 0.5),
    ],
    ids=["budget-0.8", "neutral", "max-short"],
)
def test_cvar_mandates_sp500(sp500, cons, return_weight):
    returns = sp500.iloc[-500:]
    tickers = [str(c) for c in returns.columns]
    kw = {"alpha": 0.95, "return_weight": return_weight}
    res = optimize(returns, "cvar", cons, seed=0, steps=50, **kw)
    ref = solve_exact("cvar", returns.to_numpy(), cons.bind(tickers), **kw)
    _check(res, cons, tickers, ref.value, res.objective_value)


# ------------------------------------------------------------------ budgets
def test_budget_below_one_is_cash(sp500):
    cons = Constraints(max_weight=0.2, budget=0.8)
    res = optimize(sp500, "min-variance", cons, seed=0)
    r = sp500.to_numpy()
    n = r.shape[1]
    ref = _variance_reference(r, None, lambda w: _independent_rows(w, 0.0, 0.2 * np.ones(n), 0.8))
    _check(res, cons, list(sp500.columns), ref, _variance_value(r, res.weights.to_numpy(), None))
    assert res.weights.sum() == pytest.approx(0.8, abs=FEAS)
    cash = [row for row in res.constraints_report if row["constraint"].startswith("cash")]
    assert cash and cash[0]["value"] == pytest.approx(0.2, abs=FEAS)


def test_budget_range_mean_variance(us100):
    cons = Constraints(max_weight=0.05, budget=(0.8, 0.95))
    res = optimize(us100, "mean-variance", cons, risk_aversion=3.0, seed=0)
    r = us100.to_numpy()
    n = r.shape[1]
    rows = lambda w: _independent_rows(w, 0.0, 0.05 * np.ones(n), (0.8, 0.95))  # noqa: E731
    ref = _variance_reference(r, 3.0, rows)
    ours = _variance_value(r, res.weights.to_numpy(), 3.0)
    _check(res, cons, [str(c) for c in us100.columns], ref, ours)
    assert 0.8 - FEAS <= res.weights.sum() <= 0.95 + FEAS


def test_market_neutral_gross_two(sp500):
    cons = Constraints(
        min_weight=-0.3, max_weight=0.3, long_short=True, budget=0.0, max_leverage=2.0
    )
    res = optimize(sp500, "mean-variance", cons, risk_aversion=2.0, seed=0)
    r = sp500.to_numpy()
    n = r.shape[1]
    rows = lambda w: _independent_rows(w, -0.3 * np.ones(n), 0.3 * np.ones(n), 0.0, 2.0)  # noqa: E731
    ref = _variance_reference(r, 2.0, rows)
    _check(res, cons, list(sp500.columns), ref, _variance_value(r, res.weights.to_numpy(), 2.0))
    w = res.weights.to_numpy()
    assert abs(w.sum()) <= FEAS and np.abs(w).sum() <= 2.0 + FEAS


def test_max_short_us100(us100):
    n = us100.shape[1]
    cons = Constraints(min_weight=-0.05, max_weight=0.1, long_short=True, max_short=0.2)
    res = optimize(us100, "mean-variance", cons, risk_aversion=5.0, seed=0)
    r = us100.to_numpy()
    rows = lambda w: _independent_rows(  # noqa: E731
        w, -0.05 * np.ones(n), 0.1 * np.ones(n), 1.0, short=0.2
    )
    ref = _variance_reference(r, 5.0, rows)
    ours = _variance_value(r, res.weights.to_numpy(), 5.0)
    _check(res, cons, [str(c) for c in us100.columns], ref, ours)
    assert np.maximum(-res.weights.to_numpy(), 0).sum() <= 0.2 + FEAS


# ------------------------------------------------------- kernel and oracle
@pytest.mark.parametrize("case", ["fixed", "range", "capped"])
def test_projection_matches_cvxpy(case):
    rng = np.random.default_rng(3)
    n = 25
    lo = rng.uniform(-0.2, 0.02, n)
    hi = lo + rng.uniform(0.05, 0.4, n)
    budget = {"fixed": (0.5, 0.5), "range": (0.3, 0.6), "capped": (0.2, 0.2)}[case]
    cap = 2.0 if case == "capped" else None
    v = rng.normal(0, 0.4, (4, n))
    w = project_box_budget(torch.tensor(v), torch.tensor(lo), torch.tensor(hi), budget, cap)
    again = project_box_budget(w, torch.tensor(lo), torch.tensor(hi), budget, cap)
    torch.testing.assert_close(again, w, atol=1e-12, rtol=0)
    for k in range(4):
        x = cp.Variable(n)
        rows = [x >= lo, x <= hi, cp.sum(x) >= budget[0], cp.sum(x) <= budget[1]]
        rows += [cp.norm1(x) <= cap] if cap else []
        prob = cp.Problem(cp.Minimize(cp.sum_squares(x - v[k])), rows)
        prob.solve(solver="CLARABEL")
        ours = float(((w[k].numpy() - v[k]) ** 2).sum())
        assert ours <= prob.value + 1e-8  # never worse than the reference ...
        wk = w[k].numpy()
        assert (wk >= lo - 1e-12).all() and (wk <= hi + 1e-12).all()  # ... and feasible
        assert budget[0] - 1e-12 <= wk.sum() <= budget[1] + 1e-12
        assert cap is None or np.abs(wk).sum() <= cap + 1e-12


def test_linear_oracle_with_vector_bounds_matches_linprog():
    rng = np.random.default_rng(4)
    n = 12
    lo = rng.uniform(0, 0.03, n)
    hi = lo + rng.uniform(0.05, 0.3, n)
    oracle = Constraints(min_weight=lo, max_weight=hi, budget=0.9).linear_oracle(n)
    c = rng.normal(size=(5, n))
    s = oracle.minimize(torch.tensor(c)).numpy()
    for k in range(5):
        res = linprog(c[k], A_eq=np.ones((1, n)), b_eq=[0.9], bounds=list(zip(lo, hi, strict=True)))
        assert c[k] @ s[k] == pytest.approx(res.fun, abs=1e-12)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"min_weight": {"NOPE": 0.1}}, DataError, "unknown ticker(s) not in the returns: NOPE"),
        (
            {"max_weight": [0.5, 0.5, 0.05, 0.5], "min_weight": 0.1},
            InfeasibleConstraintError,
            "min_weight 0.1 > max_weight 0.05 (asset 2)",
        ),
        (
            {"min_weight": [0.3, 0.3, 0.3, 0.0]},
            InfeasibleConstraintError,
            "sum of min_weight = 0.9 > 0.8",
        ),
        (
            {"max_weight": [0.1, 0.2, 0.1, 0.1]},
            InfeasibleConstraintError,
            "the sum of max_weight = 0.5 < 1",
        ),
        ({"min_weight": [0.1, np.nan, 0.0, 0.0]}, ConfigError, "min_weight contains NaN"),
        (
            {"min_weight": -0.5, "long_short": True, "budget": 0.0, "max_leverage": -1},
            InfeasibleConstraintError,
            "max_leverage must be a number >= 0",
        ),
        (
            {"min_weight": [0.3, -0.1, 0.3, 0.0], "long_short": True, "max_long": 0.5},
            InfeasibleConstraintError,
            "exposure caps",
        ),
        ({"budget": (0.9, 0.8)}, ConfigError, "lo > hi"),
        ({"max_long": 0.7}, InfeasibleConstraintError, "max_long 0.7 < the budget 1"),
    ],
)
def test_bad_mandates_are_one_line_errors(kwargs, error, fragment):
    tickers = ["A", "B", "C", "D"]
    budget = {"budget": 0.8} if "budget" not in kwargs and "min_weight" in kwargs else {}
    with pytest.raises(error, match="^[^\n]*$") as info:
        Constraints(**{**budget, **kwargs}).bind(tickers).validate(4)
    assert fragment in str(info.value)


def test_to_dict_round_trip():
    cons = Constraints(
        min_weight={"A": 0.1, "*": 0.01}, max_weight=[0.5, 0.4, 0.3], budget=(0.8, 1.0)
    )
    again = Constraints.from_dict(cons.to_dict())
    assert again == cons
    assert again.bind(["A", "B", "C"]).min_weight == (0.1, 0.01, 0.01)


# ---------------------------------------------------------------------- CLI
def _cli(tmp_path, text: str, *extra: str):
    path = tmp_path / "bounds.csv"
    path.write_text(text)
    args = ["optimize", "--objective", "min-variance", "--dataset", "sp500", "--steps", "20"]
    return CliRunner().invoke(main, [*args, "--bounds", str(path), "--format", "json", *extra])


def test_cli_bounds_file(tmp_path):
    out = _cli(tmp_path, "ticker,min,max\nAAPL,0.05,0.1\nJNJ,,0.04\n", "--max-weight", "0.3")
    assert out.exit_code == 0, out.output
    weights = json.loads(out.stdout[out.stdout.index("{") :])["weights"]
    assert 0.05 - FEAS <= weights["AAPL"] <= 0.1 + FEAS
    assert weights["JNJ"] <= 0.04 + FEAS
    assert max(weights.values()) <= 0.3 + FEAS


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("AAPL,0.2,0.1\n", "min 0.2 > max 0.1 for AAPL"),
        ("AAPL,nan,0.1\n", "bound is NaN"),
        ("ZZZZ,0,0.1\n", "unknown ticker(s) not in the returns: ZZZZ"),
        ("AAPL,0.1\n", "expected ticker,min,max"),
        ("AAPL,x,0.1\n", "'x' is not a number"),
    ],
)
def test_cli_bad_bounds_file(tmp_path, text, fragment):
    out = _cli(tmp_path, text)
    assert out.exit_code != 0
    errors = [line for line in out.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and fragment in errors[0], out.output
