"""The closed-form turnover-capped linear minimisation (constraints/trading/exchange.py)
against HiGHS on the lifted LP, and its use by the QP finish's cold start (no LP)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.constraints.trading.exchange import exchange_minimizer


def _case(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(2, 12))
    lo = np.where(rng.random(n) < 0.3, 0.05 * rng.random(n), 0.0)
    hi = lo + 0.6 * rng.random(n) + 0.05
    p = lo + (hi - lo) * rng.random(n)
    if p.sum() > 1:
        p = p - (p.sum() - 1) / (p.sum() - lo.sum()) * (p - lo)
    else:
        p = p + (1 - p.sum()) / (hi.sum() - p.sum()) * (hi - p)
    c = 0.01 * rng.random(n) * (rng.random() < 0.7)
    delta = None if rng.random() < 0.2 else 0.5 * rng.random()
    return n, lo, hi, p, c, delta


def _lp(g: np.ndarray, n: int, lo, hi, p, c, delta) -> float:  # noqa: ANN001
    eye = np.eye(n)
    a_eq = np.vstack([np.r_[np.ones(n), np.zeros(2 * n)], np.hstack([eye, -eye, eye])])
    a_ub = None if delta is None else np.r_[np.zeros(n), np.ones(2 * n)][None]
    res = linprog(
        np.r_[g, c, c], A_ub=a_ub, b_ub=None if delta is None else [2 * delta],
        A_eq=a_eq, b_eq=np.r_[1.0, p], method="highs",
        bounds=[*zip(lo, hi, strict=True), *[(0, None)] * (2 * n)],
    )  # fmt: skip
    assert res.status == 0
    return float(res.fun)


def test_exchange_matches_the_lp() -> None:
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(120):
        n, lo, hi, p, c, delta = _case(rng)
        if not lo.sum() <= 1 <= hi.sum():
            continue
        g = 0.02 * rng.standard_normal((3, n))
        s = exchange_minimizer(
            torch.tensor(g), *(torch.tensor(a) for a in (p, c, lo, hi)), delta
        ).numpy()
        for k in range(3):
            value = g[k] @ s[k] + c @ np.abs(s[k] - p)
            assert value <= _lp(g[k], n, lo, hi, p, c, delta) + 1e-14
            assert abs(s[k].sum() - 1) <= 1e-14
            assert np.all(s[k] >= lo - 1e-15) and np.all(s[k] <= hi + 1e-15)
            if delta is not None:
                assert 0.5 * np.abs(s[k] - p).sum() <= delta + 1e-14
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("costs", [0.0, 0.002])
def test_turnover_finish_is_exact_without_lp(costs: float, monkeypatch) -> None:
    """Min-variance with turnover <= 0.2 (and costs): the exact finish and its certificate
    run no LP, and agree with cvxpy."""
    cp = pytest.importorskip("cvxpy")
    from scipy import optimize as sopt

    rng = np.random.default_rng(5)
    x = rng.standard_t(5, size=(400, 8)) * 0.01 + 0.004 * rng.standard_normal((400, 1))
    prev = np.r_[0.5, 0.3, 0.2, np.zeros(5)]
    cons = Constraints(previous_weights=prev, max_turnover=0.2, transaction_costs=costs)

    def no_lp(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("an LP ran")

    monkeypatch.setattr(sopt, "linprog", no_lp)
    from portfolio_sgd.measures.kernels import qp_finish

    monkeypatch.setattr(qp_finish, "linprog", no_lp)
    res = optimize(x, "min-variance", cons, seed=0)
    assert res.stop_reason == "exact finish"
    w = cp.Variable(8)
    sig = np.cov(x.T, bias=True)
    obj = cp.quad_form(w, sig) + costs * cp.norm1(w - prev)
    cons_cp = [cp.sum(w) == 1, w >= 0, 0.5 * cp.norm1(w - prev) <= 0.2]
    ref = cp.Problem(cp.Minimize(obj), cons_cp).solve(solver="CLARABEL", tol_gap_rel=1e-12)
    ours = res.weights.to_numpy()
    f = ours @ sig @ ours + costs * np.abs(ours - prev).sum()
    assert f <= ref + 1e-12
    assert res.relative_gap_bound <= 1e-8  # certified: the bound uses the exchange oracle
