"""The split KKT guess of a turnover-limited QP (w = p + u - v) and the critical line's start."""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd.constraints import Constraints
from portfolio_sgd.measures.kernels.qp_active_set import FEAS_TOL, DenseQP, solve_active_set
from portfolio_sgd.measures.kernels.qp_finish import solve_qp_path
from portfolio_sgd.measures.kernels.qp_guess import split_guess


def turnover_qp(n: int, delta: float, seed: int) -> tuple[DenseQP, np.ndarray, np.ndarray]:
    """min w' Sigma w over the simplex (w <= 0.4) with ||w - p||_1 <= 2 delta, in (u, v)."""
    rng = np.random.default_rng(seed)
    r = rng.standard_t(4, size=(300, n)) * 0.01 + rng.normal(0, 0.006, 300)[:, None]
    centred = r - r.mean(axis=0)
    h = 2.0 * centred.T @ centred / 300
    p = np.full(n, 1.0 / n)
    lo, hi = np.zeros(n), np.full(n, 0.4)
    qp = DenseQP(
        np.block([[h, -h], [-h, h]]),
        np.concatenate([h @ p, -(h @ p)]),
        np.concatenate([np.ones(n), -np.ones(n)])[None, :],
        np.zeros(1),
        np.ones((1, 2 * n)) / np.sqrt(2 * n),
        np.array([2.0 * delta / np.sqrt(2 * n)]),
        np.zeros(2 * n),
        np.concatenate([hi - p, p - lo]),
    )
    return qp, h, p


def reference(h: np.ndarray, p: np.ndarray, delta: float) -> np.ndarray:
    cp = pytest.importorskip("cvxpy")
    w = cp.Variable(p.shape[0])
    cons = [cp.sum(w) == 1, w >= 0, w <= 0.4, cp.norm1(w - p) <= 2 * delta]
    cp.Problem(cp.Minimize(0.5 * cp.quad_form(w, h)), cons).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    return np.asarray(w.value)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_guess_is_feasible_and_near_the_optimum(seed: int) -> None:
    n, delta = 20, 0.2
    qp, h, p = turnover_qp(n, delta, seed)
    guess = split_guess(qp)
    assert guess is not None
    assert qp.violation(guess) <= FEAS_TOL
    assert np.all(np.minimum(guess[:n], guess[n:]) == 0.0)  # each asset trades one way
    from_guess = solve_active_set(qp, guess)
    from_p = solve_active_set(qp, np.zeros(2 * n))  # no trade: the previous weights
    assert from_guess.exact and from_p.exact
    assert from_guess.iterations < from_p.iterations
    w = p + from_guess.x[:n] - from_guess.x[n:]
    ref = reference(h, p, delta)
    f, f_ref = 0.5 * w @ h @ w, 0.5 * ref @ h @ ref
    assert f <= f_ref * (1 + 1e-8)
    assert np.max(np.abs(w - ref)) <= 1e-5


def test_split_guess_refuses_odd_or_large_splits() -> None:
    qp, _, _ = turnover_qp(4, 0.1, 0)
    odd = DenseQP(
        qp.p[:7, :7],
        qp.q[:7],
        qp.a_eq[:, :7],
        qp.b_eq,
        qp.a_ub[:, :7],
        qp.b_ub,
        qp.lower[:7],
        qp.upper[:7],
    )
    assert split_guess(odd) is None
    big, _, _ = turnover_qp(101, 0.1, 0)
    assert split_guess(big) is None


def test_critical_line_starts_at_the_lower_start() -> None:
    """A QP solved along the critical line from a far warm start takes the KKT guess."""
    rng = np.random.default_rng(5)
    r = rng.standard_t(4, size=(400, 15)) * 0.01 + 0.0005 * rng.random(15)
    centred = r - r.mean(axis=0)
    sigma = centred.T @ centred / 400
    mu = r.mean(axis=0)
    feasible = Constraints().linear_oracle(15)
    far = np.zeros(15)
    far[int(np.argmax(mu))] = 1.0  # the max-return vertex, far from lam = 50's optimum
    h, g = 50.0 * sigma, -mu
    warm = solve_qp_path([(h, g)], feasible, far, warm=far)
    best = solve_qp_path([(h, g)], feasible, far, warm=far, guess_first=True)
    assert warm is not None and best is not None
    assert warm[1][0].exact and best[1][0].exact
    assert best[1][0].iterations <= warm[1][0].iterations
    assert np.max(np.abs(best[0][0] - warm[0][0])) <= 1e-10
