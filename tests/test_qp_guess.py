"""The KKT guess that starts the exact QP finish (issue 25, item 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.kernels.qp_active_set import FEAS_TOL, DenseQP, solve_active_set
from portfolio_sgd.measures.kernels.qp_guess import kkt_guess

RNG = np.random.default_rng(3)


def long_only_qp(n: int, t: int, caps: bool) -> DenseQP:
    r = RNG.standard_t(4, size=(t, n)) * 0.01 + RNG.normal(0, 0.006, t)[:, None]
    centred = r - r.mean(axis=0)
    sigma = centred.T @ centred / t
    a_ub = np.zeros((2 if caps else 0, n))
    if caps:
        a_ub[0, : n // 3], a_ub[1, n // 3 : n // 2] = 1.0, 1.0
    b_ub = np.array([0.2, 0.15])[: a_ub.shape[0]]
    return DenseQP(
        2.0 * sigma,
        -0.01 * r.mean(axis=0),
        np.ones((1, n)),
        np.ones(1),
        a_ub,
        b_ub,
        np.zeros(n),
        np.full(n, 0.3),
    )


def cvxpy_reference(qp: DenseQP) -> np.ndarray:
    """The same QP by cvxpy + Clarabel at tight tolerances."""
    cp = pytest.importorskip("cvxpy")
    x = cp.Variable(qp.n)
    cons = [qp.a_eq @ x == qp.b_eq, x >= qp.lower, x <= qp.upper]
    if qp.a_ub.shape[0]:
        cons.append(qp.a_ub @ x <= qp.b_ub)
    objective = 0.5 * cp.quad_form(x, cp.psd_wrap(qp.p)) + qp.q @ x
    cp.Problem(cp.Minimize(objective), cons).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    return np.asarray(x.value)


@pytest.mark.parametrize(("n", "t", "caps"), [(12, 400, False), (12, 400, True), (30, 60, True)])
def test_guess_is_feasible_and_the_active_set_from_it_is_the_optimum(n, t, caps) -> None:
    qp = long_only_qp(n, t, caps)
    guess = kkt_guess(qp)
    assert guess is not None and qp.violation(guess) <= FEAS_TOL
    sol = solve_active_set(qp, guess)
    assert sol.exact
    ref = cvxpy_reference(qp)
    f = lambda x: 0.5 * x @ qp.p @ x + qp.q @ x  # noqa: E731
    assert f(sol.x) <= f(ref) + 1e-12
    np.testing.assert_allclose(sol.x, ref, atol=1e-6)


def test_singular_kkt_system_gives_no_guess() -> None:
    """The split ``w = p + u - v`` of trading terms: ``P = [[H, -H], [-H, H]]`` is singular."""
    qp = long_only_qp(6, 200, False)
    h = qp.p
    p = np.block([[h, -h], [-h, h]])
    split = DenseQP(
        p,
        np.zeros(12),
        np.hstack([np.ones((1, 6)), -np.ones((1, 6))]),
        np.zeros(1),
        np.ones((1, 12)),
        np.array([0.4]),
        np.zeros(12),
        np.full(12, 0.3),
    )
    guess = kkt_guess(split)
    assert guess is None or split.violation(guess) <= FEAS_TOL


def test_sector_caps_guess_is_the_optimum_on_sp500() -> None:
    """Counted: sp500 min-variance with three sector caps (the everyday benchmark's row).
    A row made an equality frees the variables fixed before it, so the guess is the
    optimum's working set: 1 active-set iteration (5 when the fixes were kept), the answer
    Clarabel's."""
    returns = load_returns(dataset="sp500")
    r, tickers = returns.to_numpy(dtype=np.float64), [str(c) for c in returns.columns]
    rows = [
        line.split(",", 1)
        for line in (Path(__file__).resolve().parents[1] / "data" / "sp500_sectors.csv")
        .read_text()
        .splitlines()
    ]
    sector = {a: s.strip() for a, s in rows[1:]}
    caps = {"Health Care": 0.15, "Consumer Staples": 0.2, "Information Technology": 0.1}
    a_ub = np.array([[float(sector.get(t) == s) for t in tickers] for s in caps])
    n = r.shape[1]
    centred = r - r.mean(axis=0)
    qp = DenseQP(
        2.0 * centred.T @ centred / r.shape[0],
        np.zeros(n),
        np.ones((1, n)),
        np.ones(1),
        a_ub / np.linalg.norm(a_ub, axis=1)[:, None],
        np.array(list(caps.values())) / np.linalg.norm(a_ub, axis=1),
        np.zeros(n),
        np.ones(n),
    )
    sol = solve_active_set(qp, kkt_guess(qp))
    assert sol.exact and sol.iterations == 1
    np.testing.assert_allclose(sol.x, cvxpy_reference(qp), atol=1e-6)
