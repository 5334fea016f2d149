"""The optimality certificate bounds the true suboptimality, checked against exact solvers.

References are independent of the code under test: scipy ``linprog`` (with a different
formulation of the leverage cap) and cvxpy for the LMO, Clarabel via
:func:`portfolio_sgd.reference.exact.solve_exact` for ``f*``, numpy
:func:`~portfolio_sgd.reference.exact.objective_value` for ``f(w)`` and finite differences of it
for the gradient, and a hand-written full-T dual LP for the CVaR bound.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.certificate import (
    ACCURACY_BAR,
    CVAR_ACCURACY_BAR,
    CvarOptions,
    FeasibleSet,
    accuracy_bar,
    linear_minimizer,
    optimality_gap,
    polytope_minimizer,
    smooth_terms,
)
from portfolio_sgd.errors import (
    ConfigError,
    DataError,
    InfeasibleConstraintError,
    PortfolioSGDError,
)
from portfolio_sgd.objectives import ObjectiveSpec
from portfolio_sgd.reference.exact import objective_value, solve_exact
from tests.conftest import ETF_MIX

OBJECTIVES = ("mean-variance", "min-variance", "kelly", "tracking", "cvar")


# ----------------------------------------------------------------------------- LMO
def _reference_lmo_value(c: np.ndarray, lo: float, hi: float, lev: float | None) -> float:
    """``min c.w`` by linprog over (w, t) with ``-t <= w <= t``, ``sum t <= L``."""
    n = c.size
    if lev is None:
        res = linprog(c, A_eq=np.ones((1, n)), b_eq=[1.0], bounds=[(lo, hi)] * n, method="highs")
        return float(res.fun)
    eye = np.eye(n)
    a_ub = np.block([[eye, -eye], [-eye, -eye], [np.zeros((1, n)), np.ones((1, n))]])
    b_ub = np.concatenate([np.zeros(2 * n), [lev]])
    a_eq = np.concatenate([np.ones(n), np.zeros(n)])[None, :]
    bounds = [(lo, hi)] * n + [(0, None)] * n
    res = linprog(
        np.concatenate([c, np.zeros(n)]),
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
    )
    return float(res.fun)


@st.composite
def _lmo_case(draw: st.DrawFn) -> tuple[np.ndarray, float, float, float | None]:
    n = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**31 - 1))
    kind = draw(st.sampled_from(["simplex", "box", "long-short", "leverage"]))
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(3, n))
    if draw(st.booleans()):  # ties
        c = np.round(c, 1)
    lev = None
    if kind == "simplex":
        lo, hi = 0.0, float(draw(st.sampled_from([1.0, 1.5])))
    elif kind == "box":
        lo = float(draw(st.floats(0.0, 0.9))) / n
        hi = max(float(draw(st.floats(1.0, 3.0))) / n, lo)
    else:
        lo = -float(draw(st.floats(0.0, 1.0)))
        hi = max(float(draw(st.floats(1.0, 3.0))) / n, lo)
        if kind == "leverage":
            lev = 1.0 + float(draw(st.floats(0.0, 2.0)))
    return c, lo, hi, lev


@settings(max_examples=40, deadline=None)
@given(_lmo_case())
def test_lmo_matches_linprog(case: tuple[np.ndarray, float, float, float | None]) -> None:
    c, lo, hi, lev = case
    s = linear_minimizer(torch.from_numpy(c).to(torch.float32), lo, hi, lev).numpy()
    assert s.dtype == np.float64 and s.shape == c.shape
    c32 = c.astype(np.float32).astype(np.float64)  # the LMO saw float32 costs
    for k in range(c.shape[0]):
        assert abs(s[k].sum() - 1.0) <= 1e-9
        assert np.all(s[k] >= lo - 1e-9) and np.all(s[k] <= hi + 1e-9)
        if lev is not None:
            assert np.abs(s[k]).sum() <= lev + 1e-9
        best = _reference_lmo_value(c32[k], lo, hi, lev)
        assert c32[k] @ s[k] <= best + 1e-9 * (1 + np.abs(c32[k]).sum())


def test_lmo_simplex_picks_the_cheapest_vertex() -> None:
    c = torch.tensor([[0.3, -0.2, 0.5], [1.0, 2.0, 0.0]])
    s = linear_minimizer(c)
    assert torch.equal(s, torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64))


def test_polytope_extension_matches_cvxpy() -> None:
    cp = pytest.importorskip(
        "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
    )
    rng = np.random.default_rng(3)
    n = 8
    a_ub = np.zeros((2, n))
    a_ub[0, :3], a_ub[1, 3:6] = 1.0, 1.0  # two group caps
    b_ub = np.array([0.3, 0.4])
    fset = FeasibleSet(n, lo=-0.2, hi=0.6, leverage=1.8, a_ub=a_ub, b_ub=b_ub)
    c = rng.normal(size=(4, n))
    s = polytope_minimizer(torch.from_numpy(c), fset.polytope()).numpy()
    for k in range(4):
        w = cp.Variable(n)
        cons = [cp.sum(w) == 1, w >= -0.2, w <= 0.6, cp.norm1(w) <= 1.8, a_ub @ w <= b_ub]
        ref = cp.Problem(cp.Minimize(c[k] @ w), cons).solve(solver="CLARABEL")
        assert c[k] @ s[k] == pytest.approx(ref, abs=1e-7)
        assert np.all(a_ub @ s[k] <= b_ub + 1e-9) and np.abs(s[k]).sum() <= 1.8 + 1e-9


def test_infeasible_sets_and_bad_objectives_raise_domain_errors() -> None:
    with pytest.raises(InfeasibleConstraintError):
        linear_minimizer(torch.zeros(4, 3), lo=0.0, hi=0.2)
    with pytest.raises(ConfigError):
        optimality_gap("sharpe", np.zeros((5, 2)), np.array([0.5, 0.5]))
    with pytest.raises(DataError, match="zero variance"):
        optimality_gap("risk-parity", np.zeros((5, 2)), np.array([0.5, 0.5]))
    with pytest.raises(PortfolioSGDError):
        optimality_gap("tracking", np.zeros((5, 2)), np.array([0.5, 0.5]))
    assert accuracy_bar("mean-cvar") == CVAR_ACCURACY_BAR and accuracy_bar("kelly") == ACCURACY_BAR


# ------------------------------------------------------------------ smooth gradients
@pytest.mark.parametrize("objective", ["mean-variance", "min-variance", "kelly", "tracking"])
def test_exact_gradient_matches_finite_differences(objective: str) -> None:
    rng = np.random.default_rng(1)
    r = rng.normal(0.0005, 0.01, size=(400, 5))
    b = r[:, 0] * 0.5 + rng.normal(0, 0.002, 400)
    w = rng.dirichlet(np.ones(5))
    kw = dict(risk_aversion=7.0, benchmark=b)
    value, grad, _ = smooth_terms(
        ObjectiveSpec(objective, risk_aversion=7.0).impl,
        torch.from_numpy(r).to(torch.float32),
        torch.from_numpy(w)[None, :],
        torch.from_numpy(r.astype(np.float32).astype(np.float64).mean(0)),
        risk_aversion=torch.tensor([7.0], dtype=torch.float64),
        benchmark=torch.from_numpy(b),
        chunk_rows=37,
    )
    r32 = r.astype(np.float32).astype(np.float64)  # the data the certificate saw
    assert float(value[0]) == pytest.approx(objective_value(objective, r32, w, **kw), rel=1e-12)
    h = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        fd = (
            objective_value(objective, r32, w + e, **kw)
            - objective_value(objective, r32, w - e, **kw)
        ) / (2 * h)
        assert float(grad[0, i]) == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_kelly_outside_its_domain_has_an_infinite_gap() -> None:
    r = np.array([[0.5, -1.5], [0.1, 0.2], [0.0, 0.1]])
    cert = optimality_gap("kelly", r, np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert math.isinf(cert.gap[0]) and not cert.converged[0]
    assert math.isfinite(cert.gap[1])


# ------------------------------------------------------------------ real panels
def _benchmark(returns: pd.DataFrame) -> np.ndarray:
    """A deterministic benchmark that is not a portfolio of the assets."""
    base = returns.iloc[:, ::3].mean(axis=1).to_numpy()
    return base + 1e-3 * np.sin(np.arange(len(returns)) / 7.0)


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    from portfolio_sgd.data import load_returns

    return {
        "sp500": load_returns(dataset="sp500"),
        "ff49": load_returns(dataset="ff49-daily", start="2015-01-01"),
        "etf21": load_returns(dataset="us-etfs", tickers=ETF_MIX),
    }


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("panel", ["sp500", "ff49", "etf21"])
def test_bound_holds_and_certifies_optimum_and_sgd(
    panels: dict[str, pd.DataFrame], panel: str, objective: str
) -> None:
    returns = panels[panel]
    r = returns.to_numpy()
    n = r.shape[1]
    bench = _benchmark(returns) if objective == "tracking" else None
    exact = solve_exact(objective, r, benchmark=bench)
    sgd = optimize(returns, objective=objective, seed=0, device="cpu", benchmark=bench)
    early = optimize(returns, objective=objective, seed=0, device="cpu", steps=20, benchmark=bench)
    rng = np.random.default_rng(0)
    perturbed = (
        Constraints().project(torch.from_numpy(exact.weights + 0.02 * rng.normal(size=n))).numpy()
    )
    points = np.stack(
        [
            exact.weights,
            sgd.weights.to_numpy(),
            early.weights.to_numpy(),
            np.full(n, 1 / n),
            perturbed,
        ]
    )
    cert = optimality_gap(objective, returns, points, benchmark=bench)
    values = objective_value(objective, r, points, benchmark=bench)
    np.testing.assert_allclose(cert.value, values, rtol=1e-11, atol=1e-15)
    true_gap = values - exact.value
    tiny = 1e-12 * abs(exact.value)
    assert np.all(true_gap <= cert.gap + tiny), (true_gap, cert.gap)
    assert np.all(cert.violation <= 1e-9)
    assert cert.converged[0], f"{panel}/{objective}: at the exact optimum {cert.relative[0]:.2e}"
    assert cert.converged[1], (
        f"{panel}/{objective}: default SGD relative bound {cert.relative[1]:.2e} > {cert.bar}"
        f" (true relative gap {true_gap[1] / cert.scale[1]:.2e})"
    )


# ------------------------------------------------------------------------------ CVaR
def _full_dual_lp(r: np.ndarray, alpha: float, return_weight: float) -> float:
    """``max_{q in Q} min_i (-lam_r mu - R^T q)_i`` over all T scenarios (simplex C)."""
    t_len, n = r.shape
    cap = 1.0 / ((1.0 - alpha) * t_len)
    cost = np.concatenate([np.zeros(t_len), [-1.0]])  # minimise -zeta
    a_ub = np.hstack([r.T, np.ones((n, 1))])  # zeta + (R^T q)_i <= -lam_r mu_i
    b_ub = -return_weight * r.mean(axis=0)
    a_eq = np.concatenate([np.ones(t_len), [0.0]])[None, :]
    bounds = [(0.0, cap)] * t_len + [(None, None)]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert res.status == 0
    return -float(res.fun)


@pytest.fixture(scope="module")
def small_cvar_case(panels: dict[str, pd.DataFrame]) -> dict[str, object]:
    r = panels["sp500"].to_numpy()[-500:]
    kw = dict(alpha=0.9, return_weight=2.0)
    exact = solve_exact("cvar", r, **kw)
    rng = np.random.default_rng(5)
    points = np.vstack([exact.weights, rng.dirichlet(np.ones(r.shape[1]), size=4)])
    return dict(r=r, kw=kw, exact=exact, points=points)


def test_cvar_bound_against_the_full_dual_lp(small_cvar_case: dict[str, object]) -> None:
    r, kw, exact, points = (small_cvar_case[k] for k in ("r", "kw", "exact", "points"))
    full = _full_dual_lp(r, **kw)
    assert full == pytest.approx(exact.value, rel=1e-8)  # strong duality: the reference
    cert = optimality_gap("cvar", r, points, **kw)
    assert cert.method == "cvar-dual-lp"
    assert np.all(cert.lower_bound <= full + 1e-12 * abs(full))
    assert cert.lower_bound[0] == pytest.approx(full, rel=1e-9)
    assert cert.relative[0] <= 1e-6
    true_gap = objective_value("cvar", r, points, **kw) - exact.value
    assert np.all(true_gap <= cert.gap + 1e-12 * abs(exact.value))


def _subgradient_fw_gap(r: np.ndarray, w: np.ndarray, alpha: float, return_weight: float) -> float:
    """The Frank-Wolfe gap of the exact CVaR dual point at ``w`` (simplex), by hand."""
    losses = -(r @ w)
    m = (1.0 - alpha) * r.shape[0]
    order = np.argsort(-losses, kind="stable")
    q = np.zeros(r.shape[0])
    q[order[: math.floor(m)]] = 1.0 / m
    q[order[math.floor(m)]] = (m - math.floor(m)) / m
    g = -return_weight * r.mean(axis=0) - r.T @ q
    return float(g @ w - g.min())


def test_cvar_window_and_fallback_stay_valid(small_cvar_case: dict[str, object]) -> None:
    r, kw, exact, points = (small_cvar_case[k] for k in ("r", "kw", "exact", "points"))
    true_gap = objective_value("cvar", r, points, **kw) - exact.value
    n = r.shape[1]
    window = optimality_gap(
        "cvar", r, points, cvar_options=CvarOptions(max_lp_entries=40 * n), **kw
    )
    assert window.method == "cvar-dual-lp-window"
    assert np.all(true_gap <= window.gap + 1e-12 * abs(exact.value))
    assert window.relative[0] <= 1e-6  # 40 rows around the VaR hold all its ties
    fallback = optimality_gap("cvar", r, points, cvar_options=CvarOptions(max_lp_entries=1), **kw)
    assert fallback.method.startswith("cvar-subgradient-fw")
    assert np.all(true_gap <= fallback.gap + 1e-12 * abs(exact.value))
    by_hand = [_subgradient_fw_gap(r, w, **kw) for w in points]
    np.testing.assert_allclose(fallback.gap, by_hand, rtol=1e-9, atol=1e-13)
    assert np.all(window.gap <= fallback.gap * (1 + 1e-9) + 1e-15)


CONSTRAINT_SETS = {
    "box": dict(min_weight=0.01, max_weight=0.15),
    "long-short": dict(min_weight=-0.2, max_weight=0.5, long_short=True, max_leverage=1.6),
}


@pytest.mark.parametrize("objective", ["cvar", "mean-variance"])
@pytest.mark.parametrize("label", sorted(CONSTRAINT_SETS))
def test_bound_under_bounds_and_leverage(
    small_cvar_case: dict[str, object], objective: str, label: str
) -> None:
    r = small_cvar_case["r"]
    kw = small_cvar_case["kw"] if objective == "cvar" else {"risk_aversion": 5.0}
    cons = Constraints(**CONSTRAINT_SETS[label])
    exact = solve_exact(objective, r, cons, **kw)
    rng = np.random.default_rng(2)
    noise = torch.from_numpy(exact.weights + 0.05 * rng.normal(size=(4, r.shape[1])))
    points = np.vstack([exact.weights, cons.project(noise).numpy()])
    lev = cons.max_leverage if cons.long_short else None
    cert = optimality_gap(
        objective, r, points, lo=cons.min_weight, hi=cons.max_weight, leverage=lev, **kw
    )
    true_gap = objective_value(objective, r, points, **kw) - exact.value
    assert np.all(true_gap <= cert.gap + 1e-12 * abs(exact.value))
    assert cert.relative[0] <= (1e-6 if objective == "cvar" else ACCURACY_BAR)


def test_float32_chunks_give_the_float64_certificate(panels: dict[str, pd.DataFrame]) -> None:
    r32 = torch.from_numpy(panels["ff49"].to_numpy().astype(np.float32))
    w = np.full(r32.shape[1], 1.0 / r32.shape[1])
    for objective in ("cvar", "mean-variance"):
        small = optimality_gap(objective, r32, w, chunk_rows=97)
        whole = optimality_gap(objective, r32.to(torch.float64), w, chunk_rows=10**7)
        np.testing.assert_allclose(small.value, whole.value, rtol=1e-12)
        np.testing.assert_allclose(small.gap, whole.gap, rtol=1e-9)


def test_relative_gap_uses_abs_value_or_the_loss_scale() -> None:
    rng = np.random.default_rng(4)
    r = rng.normal(0.0005, 0.01, size=(300, 4))
    w = np.full(4, 0.25)
    # a risk aversion that makes f(w) = -mu.w + lam/2 Var nearly 0
    x = r @ w
    lam = 2 * x.mean() / x.var()
    cert = optimality_gap("mean-variance", r, w, risk_aversion=lam)
    loss_scale = np.abs(-x + 0.5 * lam * (x - x.mean()) ** 2).mean()
    assert abs(cert.value[0]) < 1e-2 * loss_scale
    assert cert.scale[0] == pytest.approx(1e-2 * loss_scale, rel=1e-10)
    assert cert.relative[0] == pytest.approx(cert.gap[0] / cert.scale[0], rel=1e-12)
