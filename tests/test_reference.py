"""Tests of the exact reference solvers against independent computations.

References: closed forms (min-variance, equality-constrained mean-variance), scipy
SLSQP (long-only min-variance, Kelly, leverage-capped mean-variance), scipy linprog/HiGHS
(CVaR LP written out here), brute-force CVaR over t, an exactly replicable benchmark,
and the risk-parity fixed point.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy.optimize import linprog, minimize

from portfolio_sgd.constraints import Constraints
from portfolio_sgd.errors import (
    ConfigError,
    DataError,
    InfeasibleConstraintError,
    PortfolioSGDError,
)
from portfolio_sgd.reference.exact import (
    ExactSolution,
    objective_value,
    relative_gap,
    solve_exact,
)

WIDE = Constraints(min_weight=-50.0, max_weight=50.0, long_short=True)


def make_returns(t: int, n: int, seed: int, daily: bool = True) -> np.ndarray:
    """Factor-model returns: a market factor plus idiosyncratic noise."""
    rng = np.random.default_rng(seed)
    scale = 0.01 if daily else 0.05
    market = rng.normal(scale / 20, scale, size=(t, 1))
    beta = rng.uniform(0.5, 1.5, size=n)
    drift = rng.uniform(0.0, scale / 10, size=n)
    return drift + market * beta + rng.normal(0.0, scale, size=(t, n)) * rng.uniform(0.5, 1.5, n)


def pop_cov(r: np.ndarray) -> np.ndarray:
    return np.cov(r, rowvar=False, bias=True)


def slsqp(fun, n: int, bounds, extra=(), x0=None) -> np.ndarray:
    cons = [{"type": "eq", "fun": lambda w: np.sum(w[:n]) - 1.0}, *extra]
    x0 = np.full(n, 1.0 / n) if x0 is None else x0
    res = minimize(
        fun,
        x0,
        method="SLSQP",
        bounds=bounds,
        constraints=cons,
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert res.success, res.message
    return res.x


# ---------------------------------------------------------------------- quadratic cases
def test_min_variance_closed_form():
    r = make_returns(400, 8, seed=0)
    inv = np.linalg.solve(pop_cov(r), np.ones(8))
    w_star = inv / inv.sum()
    sol = solve_exact("min-variance", r, WIDE)
    assert sol.status == "optimal" and sol.solver == "CLARABEL"
    np.testing.assert_allclose(sol.weights, w_star, atol=1e-6)
    assert sol.value == pytest.approx(w_star @ pop_cov(r) @ w_star, rel=1e-9)
    assert sol.value == pytest.approx(np.var(r @ w_star), rel=1e-9)


@pytest.mark.parametrize("lam", [2.0, 20.0])
def test_mean_variance_closed_form(lam):
    r = make_returns(300, 6, seed=1)
    mu, cov = r.mean(axis=0), pop_cov(r)
    # KKT: lam * Sigma w + eta 1 = mu, 1'w = 1.
    kkt = np.block([[lam * cov, np.ones((6, 1))], [np.ones((1, 6)), np.zeros((1, 1))]])
    w_star = np.linalg.solve(kkt, np.append(mu, 1.0))[:6]
    sol = solve_exact("mean-variance", r, WIDE, risk_aversion=lam)
    np.testing.assert_allclose(sol.weights, w_star, atol=1e-6)
    f_star = -mu @ w_star + 0.5 * lam * w_star @ cov @ w_star
    assert abs(sol.value - f_star) <= 1e-10 * max(1.0, abs(f_star))


def test_long_only_min_variance_vs_slsqp():
    r = make_returns(250, 6, seed=2)
    cov = pop_cov(r)
    c = Constraints(max_weight=0.3)
    w_ref = slsqp(lambda w: w @ cov @ w * 1e4, 6, [(0.0, 0.3)] * 6)
    sol = solve_exact("min-variance", r, c)
    assert bool(c.is_feasible(torch.from_numpy(sol.weights), atol=1e-12))
    assert sol.value <= w_ref @ cov @ w_ref * (1 + 1e-8)
    assert relative_gap(w_ref @ cov @ w_ref, sol.value) < 1e-6
    np.testing.assert_allclose(sol.weights, w_ref, atol=1e-4)


def test_leverage_capped_mean_variance_vs_split_slsqp():
    r = make_returns(300, 5, seed=3)
    mu, cov, lam, lev = r.mean(axis=0), pop_cov(r), 5.0, 1.4
    c = Constraints(min_weight=-0.5, max_weight=1.0, long_short=True, max_leverage=lev)

    def f(pq):  # w = p - q with p, q >= 0 and sum(p + q) <= L
        w = pq[:5] - pq[5:]
        return 1e3 * (-mu @ w + 0.5 * lam * w @ cov @ w)

    cons = [
        {"type": "eq", "fun": lambda pq: np.sum(pq[:5] - pq[5:]) - 1.0},
        {"type": "ineq", "fun": lambda pq: lev - np.sum(pq)},
        {"type": "ineq", "fun": lambda pq: pq[:5] - pq[5:] + 0.5},
        {"type": "ineq", "fun": lambda pq: 1.0 - pq[:5] + pq[5:]},
    ]
    x0 = np.concatenate([np.full(5, 0.2), np.zeros(5)])
    res = minimize(
        f,
        x0,
        method="SLSQP",
        bounds=[(0, None)] * 10,
        constraints=cons,
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert res.success
    sol = solve_exact("mean-variance", r, c, risk_aversion=lam)
    assert np.abs(sol.weights).sum() <= lev + 1e-9
    assert abs(sol.value - res.fun / 1e3) <= 1e-8


def test_tracking_recovers_replicable_benchmark():
    r = make_returns(200, 7, seed=4)
    w_true = np.random.default_rng(4).dirichlet(np.ones(7))
    sol = solve_exact("tracking", r, Constraints(), benchmark=r @ w_true)
    np.testing.assert_allclose(sol.weights, w_true, atol=1e-6)
    assert 0.0 <= sol.value < 1e-12


@pytest.mark.parametrize("budgets", [None, [0.4, 0.3, 0.1, 0.1, 0.05, 0.05]])
def test_risk_parity_contributions(budgets):
    r = make_returns(500, 6, seed=5)
    cov = pop_cov(r)
    sol = solve_exact("risk-parity", r, budgets=budgets)
    w = sol.weights
    beta = np.full(6, 1 / 6) if budgets is None else np.asarray(budgets)
    total = w @ cov @ w
    np.testing.assert_allclose(w * (cov @ w) / total, beta, atol=1e-6)
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)
    assert sol.value == pytest.approx(total, rel=1e-12)


# ------------------------------------------------------------------------ CVaR, Kelly
def cvar_bruteforce(losses: np.ndarray, alpha: float) -> float:
    """min over t of the RU function; the minimum sits at one of the losses."""
    vals = [t + np.maximum(losses - t, 0).mean() / (1 - alpha) for t in losses]
    return float(min(vals))


@pytest.mark.parametrize(("t", "alpha"), [(50, 0.9), (37, 0.95), (200, 0.95), (10, 0.5), (7, 0.99)])
def test_cvar_value_vs_bruteforce(t, alpha):
    rng = np.random.default_rng(t)
    r = rng.normal(0, 0.02, size=(t, 4))
    w = rng.dirichlet(np.ones(4), size=5)
    got = objective_value("cvar", r, w, alpha=alpha, return_weight=0.5)
    for k in range(5):
        x = r @ w[k]
        ref = -0.5 * x.mean() + cvar_bruteforce(-x, alpha)
        assert got[k] == pytest.approx(ref, abs=1e-14)
    # Sort-based check: alpha = 0.9, T = 50 -> mean of the 5 worst losses.
    if (t, alpha) == (50, 0.9):
        worst = np.sort(-(r @ w[0]))[-5:]
        assert objective_value("cvar", r, w[0], alpha=alpha) == pytest.approx(worst.mean())


@pytest.mark.parametrize(
    "c",
    [
        Constraints(),
        Constraints(max_weight=0.35),
        Constraints(min_weight=-0.2, long_short=True, max_leverage=1.5),
    ],
)
@pytest.mark.parametrize("lam_r", [0.0, 2.0])
def test_cvar_vs_linprog(c, lam_r):
    t, n, alpha = 150, 5, 0.9
    r = make_returns(t, n, seed=6)
    mu = r.mean(axis=0)
    lo, hi = c.min_weight, c.max_weight
    # Variables [w+ (n), w- (n), t, z (T)]; w = w+ - w-; gross = sum(w+ + w-).
    cost = np.concatenate([-lam_r * mu, lam_r * mu, [1.0], np.full(t, 1 / ((1 - alpha) * t))])
    a_ub = np.hstack([-r, r, -np.ones((t, 1)), -np.eye(t)])  # -x - t - z <= 0
    b_ub = np.zeros(t)
    if c.max_leverage is not None:
        a_ub = np.vstack([a_ub, np.concatenate([np.ones(2 * n), np.zeros(t + 1)])])
        b_ub = np.append(b_ub, c.max_leverage)
    a_box = np.hstack([np.eye(n), -np.eye(n), np.zeros((n, t + 1))])
    a_ub = np.vstack([a_ub, a_box, -a_box])
    b_ub = np.concatenate([b_ub, np.full(n, hi), np.full(n, -lo)])
    a_eq = np.concatenate([np.ones(n), -np.ones(n), np.zeros(t + 1)])[None, :]
    bounds = [(0, None)] * (2 * n) + [(None, None)] + [(0, None)] * t
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert res.status == 0
    sol = solve_exact("cvar", r, c, alpha=alpha, return_weight=lam_r)
    assert sol.value == pytest.approx(res.fun, rel=1e-7, abs=1e-10)
    w_lp = res.x[:n] - res.x[n : 2 * n]
    assert objective_value("cvar", r, w_lp, alpha=alpha, return_weight=lam_r) == pytest.approx(
        res.fun, rel=1e-9
    )
    losses = np.sort(-(r @ sol.weights))
    assert sol.var_level == pytest.approx(losses[int(np.ceil(alpha * t)) - 1], abs=1e-12) or (
        sol.var_level in losses
    )


def test_kelly_vs_slsqp():
    r = make_returns(300, 5, seed=1, daily=False)  # optimum has three interior weights
    c = Constraints(max_weight=0.5)
    w_ref = slsqp(lambda w: -np.mean(np.log1p(r @ w)) * 100, 5, [(0.0, 0.5)] * 5)
    assert np.sum((w_ref > 1e-3) & (w_ref < 0.5 - 1e-3)) == 3
    sol = solve_exact("kelly", r, c)
    assert sol.status in ("optimal", "optimal_inaccurate")
    f_ref = -np.mean(np.log1p(r @ w_ref))
    assert abs(sol.value - f_ref) <= 1e-10
    np.testing.assert_allclose(sol.weights, w_ref, atol=1e-5)


# ------------------------------------------------------------------- evaluation, errors
def test_objective_value_formulas_and_batching():
    r = make_returns(120, 5, seed=8)
    w = np.random.default_rng(8).dirichlet(np.ones(5), size=3)
    b = r[:, 0] * 0.5
    kw = {"risk_aversion": 3.0, "alpha": 0.9, "return_weight": 0.2, "benchmark": b}
    for name in ["mean-variance", "min-variance", "cvar", "kelly", "tracking", "risk-parity"]:
        batch = objective_value(name, r, w, **kw)
        assert batch.shape == (3,)
        rows = [objective_value(name, r, wk, **kw) for wk in w]
        np.testing.assert_allclose(batch, rows, rtol=1e-13)
    x = r @ w[1]
    hand = {
        "mean-variance": -x.mean() + 1.5 * np.var(x),
        "min-variance": np.var(x),
        "kelly": -np.mean(np.log(1 + x)),
        "tracking": np.mean((x - b) ** 2),
    }
    for name, ref in hand.items():
        assert objective_value(name, r, w[1], **kw) == pytest.approx(ref, rel=1e-12)
    crash = r.copy()
    crash[3] = -1.0
    assert objective_value("kelly", crash, w[0]) == np.inf
    assert relative_gap(1.1, 1.0) == pytest.approx(0.1)
    assert relative_gap(-0.9, -1.0) == pytest.approx(0.1)


def test_errors_and_serialisation():
    r = make_returns(60, 4, seed=9)
    with pytest.raises(ConfigError, match="unknown objective"):
        solve_exact("sharpe", r)
    with pytest.raises(ConfigError, match="unknown objective"):
        objective_value("sharpe", r, np.full(4, 0.25))
    with pytest.raises(ConfigError, match="benchmark"):
        solve_exact("tracking", r)
    with pytest.raises(ConfigError, match="alpha"):
        solve_exact("cvar", r, alpha=1.0)
    with pytest.raises(InfeasibleConstraintError):
        solve_exact("min-variance", r, Constraints(max_weight=0.2))
    with pytest.raises(DataError):
        solve_exact("min-variance", np.full((5, 3), np.nan))
    crash = r.copy()
    crash[0] = -1.5  # every fully-invested long-only portfolio loses 150%: log undefined
    with pytest.raises(PortfolioSGDError, match="kelly.*status"):
        solve_exact("kelly", crash)
    sol = solve_exact("min-CVaR", r, alpha=0.9)
    assert isinstance(sol, ExactSolution) and sol.var_level is not None
    d = json.loads(json.dumps(sol.to_dict()))
    assert d["status"] == "optimal" and len(d["weights"]) == 4
    assert d["value"] == pytest.approx(objective_value("cvar", r, sol.weights, alpha=0.9))
