"""Warm starts of the exact QP finish in walk-forwards (issue 25, item 4).

Each window's active set starts from the previous answer; the answers must be those of
cold starts (objective within 1e-10, weights against cvxpy's) and the starts must pay
(fewer active-set iterations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.backtest.strategies import parse_strategy
from portfolio_sgd.measures.kernels.qp_active_set import DenseQP
from portfolio_sgd.measures.kernels.qp_warm import WarmStart, solve_warm, warm_start


@pytest.mark.parametrize("spec", ["sgd:min-variance", "sgd:mean-variance:lambda=5"])
def test_warm_walk_forward_matches_cold(sp500_short: pd.DataFrame, spec: str) -> None:
    warm_s = parse_strategy(spec, warm_start=True)
    cold_s = parse_strategy(spec, warm_start=False)
    warm = run_backtest(sp500_short, [warm_s], lookback=120, rebalance_every=21)
    cold = run_backtest(sp500_short, [cold_s], lookback=120, rebalance_every=21, warm_start=False)
    fw = warm.rebalances["objective_value"].to_numpy()
    fc = cold.rebalances["objective_value"].to_numpy()
    assert len(fw) >= 15
    assert np.max(np.abs(fw - fc) / np.abs(fc)) <= 1e-10
    assert (warm.rebalances["stop_reason"] == "exact finish").all()
    assert warm_s.qp_start.warm == len(fw) - 1 and warm_s.qp_start.cold == 1
    assert cold_s.qp_start.warm == 0  # a cold walk holds no state
    w_w = warm.weights["weight"].to_numpy()
    w_c = cold.weights["weight"].to_numpy()
    assert np.max(np.abs(w_w - w_c)) <= 1e-8


def _box_qp(sigma: np.ndarray) -> DenseQP:
    n = sigma.shape[0]
    return DenseQP(
        2.0 * sigma, np.zeros(n), np.ones((1, n)), np.ones(1),
        np.zeros((0, n)), np.zeros(0), np.zeros(n), np.full(n, 0.3),
    )  # fmt: skip


def test_solve_warm_pays_and_agrees_with_cvxpy() -> None:
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(3)
    x = rng.standard_t(4, size=(300, 12)) * 0.01
    sig1, sig2 = np.cov(x[:250].T, bias=True), np.cov(x[50:].T, bias=True)
    qp1, qp2 = _box_qp(sig1), _box_qp(sig2)
    first, _ = solve_warm(qp1, None, lambda: np.r_[np.full(3, 0.3), 0.1, np.zeros(8)])
    cold, used_cold = solve_warm(qp2, None, lambda: np.r_[np.full(3, 0.3), 0.1, np.zeros(8)])
    warm, used_warm = solve_warm(qp2, first.x, lambda: None)
    assert used_warm and not used_cold and warm.exact and cold.exact
    assert warm.iterations < cold.iterations
    w = cp.Variable(12)
    cp.Problem(cp.Minimize(cp.quad_form(w, sig2)), [cp.sum(w) == 1, w >= 0, w <= 0.3]).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    assert np.max(np.abs(warm.x - w.value)) <= 1e-6
    assert abs(warm.x @ sig2 @ warm.x - cold.x @ sig2 @ cold.x) <= 1e-10 * (cold.x @ sig2 @ cold.x)


def test_infeasible_previous_answer_falls_back_to_cold() -> None:
    qp = _box_qp(np.eye(4))
    sol, used = solve_warm(
        qp, np.array([1.0, 0.0, 0.0, 0.0]), lambda: np.array([0.3, 0.3, 0.3, 0.1])
    )
    assert not used and sol.exact and np.allclose(sol.x, 0.25)


def test_held_state_is_scoped() -> None:
    from portfolio_sgd.measures.kernels.qp_warm import current_warm_start

    state = WarmStart()
    with warm_start(state):
        assert current_warm_start() is state
    assert current_warm_start() is None
