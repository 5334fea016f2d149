"""Max-return under a CVaR limit, finished exactly by the capped tail LP (limits/exact.py).

Reference: the complete capped Rockafellar-Uryasev LP (scipy HiGHS, one slack per
scenario, no window), and its finite-difference slope for the multiplier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.performance import cvar_and_var

ALPHA = 0.95


def capped_lp(r: np.ndarray, kappa: float) -> tuple[np.ndarray, float]:
    """``max mu.w s.t. CVaR <= kappa`` on the simplex: (weights, mu.w*)."""
    t_len, n = r.shape
    m = (1 - ALPHA) * t_len
    cost = np.concatenate([-r.mean(axis=0), [0.0], np.zeros(t_len)])
    tail = np.hstack([-r, -np.ones((t_len, 1)), -np.eye(t_len)])
    cap = np.concatenate([np.zeros(n), [1.0], np.full(t_len, 1.0 / m)])
    res = linprog(
        cost,
        A_ub=np.vstack([tail, cap]),
        b_ub=np.concatenate([np.zeros(t_len), [kappa]]),
        A_eq=np.concatenate([np.ones(n), [0.0], np.zeros(t_len)])[None, :],
        b_eq=[1.0],
        bounds=[(0, 1)] * n + [(None, None)] + [(0, None)] * t_len,
    )
    assert res.status == 0
    return res.x[:n], -float(res.fun)


def cvar(r: np.ndarray, w: np.ndarray) -> float:
    return float(cvar_and_var(-(r @ w)[:, None], ALPHA)[0][0])


def midway(r: np.ndarray) -> float:
    n = r.shape[1]
    single = max(cvar(r, np.eye(n)[i]) for i in range(n))
    return 0.5 * (cvar(r, np.full(n, 1.0 / n)) + single)


@pytest.fixture(scope="module", params=["sp500", "ff49-daily"])
def panel(request) -> pd.DataFrame:
    data = load_returns(dataset=request.param, start="2019-01-01")
    return data.iloc[:, :25]


def test_capped_max_return_is_the_full_lp_optimum(panel) -> None:
    r = panel.to_numpy()
    kappa = midway(r)
    res = optimize(panel, "max-return", max_cvar=kappa)
    reference, best = capped_lp(r, kappa)
    w = res.weights.to_numpy()
    assert res.stop_reason == "risk limit: exact finish" and res.converged
    # the whole-data capped LP's bound is f - nu * slack: zero up to rounding
    assert "exact capped tail LP" in res.certificate_method
    assert 0.0 <= res.optimality_gap <= 1e-14
    assert cvar(r, w) <= kappa * (1 + 1e-12) and w.min() >= 0 and abs(w.sum() - 1) < 1e-12
    assert r.mean(axis=0) @ w >= best - 1e-12 * abs(best)
    assert np.abs(w - reference).sum() < 1e-6
    # the reported multiplier is the optimum's slope d(mu.w*) / d kappa
    h = 1e-5 * kappa
    slope = (capped_lp(r, kappa + h)[1] - capped_lp(r, kappa - h)[1]) / (2 * h)
    assert res.risk_limit.multiplier == pytest.approx(slope, rel=1e-3)


def test_without_the_exact_finish_the_lagrangian_search_runs(panel) -> None:
    r = panel.to_numpy()
    kappa = midway(r)
    res = optimize(panel, "max-return", max_cvar=kappa, config=EngineConfig(cvar_polish=False))
    assert res.stop_reason != "risk limit: exact finish"
    assert "Lagrangian" in res.certificate_method
    assert cvar(r, res.weights.to_numpy()) <= kappa * (1 + 1e-12)
