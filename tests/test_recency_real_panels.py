"""Recency weighting (``half_life``) on real panels against the weighted exact QP.

The weighted objective (row t weighs ``c_t``, mean 1) is written out independently here:
``(1/T) sum_t c_t (x_t - m_c)^2`` with ``m_c`` the weighted mean, solved by Clarabel.
"""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.estimation.bootstrap import recency_weights

cp = pytest.importorskip(
    "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)


def _weighted_exact(r: np.ndarray, c: np.ndarray, lam: float | None, hi: float) -> np.ndarray:
    n_rows, n_assets = r.shape
    mean = c @ r / n_rows
    scale = 1e4  # daily returns: scaled for the solver
    fac = np.sqrt(c / n_rows)[:, None] * (r - mean) * np.sqrt(scale)
    w = cp.Variable(n_assets)
    risk = cp.sum_squares(fac @ w)
    goal = risk if lam is None else -scale * mean @ w + 0.5 * lam * risk
    cons = [cp.sum(w) == 1, w >= 0, w <= hi]
    cp.Problem(cp.Minimize(goal), cons).solve(solver="CLARABEL", tol_gap_rel=1e-12)
    return np.asarray(w.value)


def _value(r: np.ndarray, c: np.ndarray, w: np.ndarray, lam: float | None) -> float:
    x = r @ w
    mean = float(c @ x / len(x))
    var = float(c @ (x - mean) ** 2 / len(x))
    return var if lam is None else -mean + 0.5 * lam * var


@pytest.mark.parametrize(
    ("panel", "objective", "lam"),
    [
        ("sp500_returns", "min-variance", None),
        ("etf_mix_returns", "min-variance", None),
        ("sp500_returns", "mean-variance", 300.0),
        ("ff49_returns", "min-variance", None),
    ],
)
def test_half_life_on_real_panels(request, panel, objective, lam) -> None:
    returns = request.getfixturevalue(panel).iloc[-1000:]
    r = returns.to_numpy(dtype=np.float64)
    c = recency_weights(len(r), 126.0)
    hi = 0.3
    res = optimize(
        returns, objective, Constraints(max_weight=hi), risk_aversion=lam, half_life=126.0, seed=0
    )
    exact = _weighted_exact(r, c, lam, hi)
    w = res.weights.to_numpy()
    f, f_star = _value(r, c, w, lam), _value(r, c, exact, lam)
    assert f - f_star <= 1e-4 * abs(f_star)
    assert res.objective_value == pytest.approx(f, rel=1e-8)  # the weighted objective
    assert np.abs(w - exact).max() <= 1e-3
    assert res.converged and f - f_star <= res.optimality_gap + 1e-12
