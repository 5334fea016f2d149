"""The exact CVaR finish (``measures/kernels/cvar_polish.py``): the tail-scenario LP with cutting planes.

References: the complete Rockafellar-Uryasev LP written out here for scipy's HiGHS (one
``u_t`` per scenario, no windows), and cvxpy + Clarabel (``solve_exact``) for bounds and
the leverage-capped long-short set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.optimize import linprog

from portfolio_sgd import Constraints, EngineConfig, optimize, optimize_many
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.kernels.cvar_polish import PolishOptions, polish_cvar
from portfolio_sgd.measures.performance import cvar_and_var
from portfolio_sgd.reference.exact import solve_exact

FAST = EngineConfig(steps=100, tol=None)  # a rough SGD start: the finish does the rest


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2018-01-01")


def full_lp(r: np.ndarray, alpha: float, lam_r: float, hi: float = 1.0) -> np.ndarray:
    """The complete RU LP over ``{sum w = 1, 0 <= w <= hi}``: variables ``[w, t, u (T)]``."""
    t_len, n = r.shape
    m = (1 - alpha) * t_len
    cost = np.concatenate([-lam_r * r.mean(axis=0), [1.0], np.full(t_len, 1.0 / m)])
    a_ub = np.hstack([-r, -np.ones((t_len, 1)), -np.eye(t_len)])
    a_eq = np.concatenate([np.ones(n), [0.0], np.zeros(t_len)])[None, :]
    bounds = [(0, hi)] * n + [(None, None)] + [(0, None)] * t_len
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(t_len), A_eq=a_eq, b_eq=[1.0], bounds=bounds)
    assert res.status == 0
    return res.x[:n]


def value(r: np.ndarray, w: np.ndarray, alpha: float, lam_r: float) -> float:
    x = r @ w
    return float(-lam_r * x.mean() + cvar_and_var(-x[:, None], alpha)[0][0])


@pytest.mark.parametrize("lam_r, hi", [(0.0, 1.0), (3.0, 0.25)])
def test_polish_from_equal_weights_is_the_full_lp_optimum(sp500, lam_r, hi) -> None:
    r = sp500.to_numpy()[:600]
    n = r.shape[1]
    feasible = Constraints(max_weight=hi).linear_oracle(n)
    start = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    data = torch.from_numpy(r.copy())
    w, rows = polish_cvar(data, data.mean(0), start, feasible, 0.9, torch.tensor([lam_r]))
    reference = full_lp(r, 0.9, lam_r, hi)
    assert rows[0].exact and rows[0].rounds >= 2  # the first window missed scenarios
    assert value(r, w[0].numpy(), 0.9, lam_r) <= value(r, reference, 0.9, lam_r) + 1e-12
    assert np.abs(w[0].numpy() - reference).sum() < 1e-7
    assert abs(rows[0].lp_value - value(r, reference, 0.9, lam_r)) < 1e-12


def test_polish_reads_float32_data_exactly_enough(sp500) -> None:
    r32 = sp500.to_numpy()[:800].astype(np.float32)
    r = r32.astype(np.float64)  # the problem the float32 data defines
    n = r.shape[1]
    start = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    data = torch.from_numpy(r32)
    feasible = Constraints().linear_oracle(n)
    w, rows = polish_cvar(data, data.double().mean(0), start, feasible, 0.95, torch.zeros(1))
    reference = full_lp(r, 0.95, 0.0)
    assert rows[0].exact
    assert np.abs(w[0].numpy() - reference).sum() < 1e-7


def test_a_round_budget_never_makes_the_start_worse(sp500) -> None:
    r = sp500.to_numpy()[:600]
    n = r.shape[1]
    start = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    data = torch.from_numpy(r.copy())
    feasible = Constraints().linear_oracle(n)
    opts = PolishOptions(max_rounds=1, trust=1e-3)
    w, rows = polish_cvar(data, data.mean(0), start, feasible, 0.9, torch.zeros(1), opts)
    assert not rows[0].exact and rows[0].status.startswith("inexact")
    assert value(r, w[0].numpy(), 0.9, 0.0) <= value(r, start[0].numpy(), 0.9, 0.0) + 1e-15


def test_default_cvar_run_is_finished_exactly_and_certified(sp500) -> None:
    result = optimize(sp500, "cvar", config=FAST)
    exact = solve_exact("cvar", sp500.to_numpy())
    assert result.polished and result.polish.startswith("exact (1/1")
    assert np.abs(result.weights.to_numpy() - exact.weights).sum() < 1e-6
    assert result.converged and result.relative_gap_bound < 1e-8
    assert result.to_dict()["polished"] is True
    off = optimize(sp500, "cvar", config=EngineConfig(steps=100, tol=None, cvar_polish=False))
    assert off.polish == "off" and not off.polished
    assert off.objective_value > result.objective_value + 1e-7  # 100 steps are not enough


def test_long_short_with_a_leverage_cap_is_finished_exactly(sp500) -> None:
    cons = Constraints(min_weight=-0.3, max_weight=0.6, long_short=True, max_leverage=1.5)
    result = optimize(sp500, "cvar", cons, FAST, return_weight=2.0)
    exact = solve_exact("cvar", sp500.to_numpy(), cons, return_weight=2.0)
    assert result.polished
    assert np.abs(result.weights.to_numpy() - exact.weights).sum() < 1e-5
    assert result.objective_value <= exact.value + 1e-10


def test_batched_runs_with_per_run_return_weights_are_each_exact(sp500) -> None:
    lams = [0.0, 1.0, 5.0]
    batch = optimize_many(sp500, "cvar", config=FAST, risk_aversions=lams)
    assert batch.runs["polished"].all() and batch.runs["converged"].all()
    for k, lam in enumerate(lams):
        exact = solve_exact("cvar", sp500.to_numpy(), return_weight=lam)
        assert np.abs(batch.weights.iloc[k].to_numpy() - exact.weights).sum() < 1e-6


def test_objectives_without_an_exact_finish_are_not_polished(sp500) -> None:
    kelly = optimize(sp500, "kelly", config=EngineConfig(steps=20, tol=None))
    assert kelly.polish == "none" and not kelly.polished
