"""The critical line's tangent (``dw/dt`` on a working set) and the volatility limit it
aims: checked against exact re-solves and cvxpy + Clarabel."""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.kernels.qp_finish import covariance_of
from portfolio_sgd.measures.kernels.qp_line import CriticalLine
from portfolio_sgd.reference.exact import solve_exact

cp = pytest.importorskip("cvxpy")


def _model(sigma: np.ndarray, mu: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    return lam * sigma, -mu


def _clarabel(sigma: np.ndarray, mu: np.ndarray, t: float) -> np.ndarray:
    w = cp.Variable(mu.shape[0])
    obj = 0.5 * cp.quad_form(w, cp.psd_wrap(sigma)) - t * mu @ w
    cp.Problem(cp.Minimize(obj), [cp.sum(w) == 1, w >= 0]).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    return np.asarray(w.value)


@pytest.fixture(scope="module")
def line() -> CriticalLine:
    r = load_returns(dataset="sp500", start="2019-01-01").iloc[:, :12].to_numpy()
    sigma, mu = covariance_of(r)
    out = CriticalLine(_model, sigma, mu, Constraints().linear_oracle(12))
    out.add(*out.solve_at(0.05, np.full(12, 1.0 / 12)))
    return out


def test_tangent_is_the_slope_of_the_exact_optimum(line: CriticalLine) -> None:
    d = line.tangent(0)
    h = 1e-4
    t, w = line.solve_at(line.t[0] + h, line.w[0])
    line_copy = CriticalLine(_model, line.sigma, line.mu, line.feasible)
    line_copy.add(t, w)
    assert line_copy.pattern[0] == line.pattern[0]  # same critical line: affine there
    assert np.abs(w - (line.w[0] + h * d)).max() < 1e-12
    assert np.abs(w - _clarabel(line.sigma, line.mu, t)).max() < 1e-6
    assert abs(d.sum()) < 1e-12  # the budget row holds along the line


def test_prediction_hits_the_variance_on_its_line(line: CriticalLine) -> None:
    v = line.var[0] * 1.001
    t = line.predict(0, v, True)
    assert t is not None and t > line.t[0]
    w = line.w[0] + (t - line.t[0]) * line.tangent(0)
    assert w @ line.sigma @ w == pytest.approx(v, rel=1e-12)


def test_volatility_cap_on_sp500_takes_few_qps_and_is_exact() -> None:
    returns = load_returns(dataset="sp500").iloc[:, :20]
    r = returns.to_numpy()
    vol = round(1.3 * float(np.sqrt(252.0 * solve_exact("min-variance", r).value)), 2)
    res = optimize(returns, "max-return", max_volatility=vol, seed=0)
    ref = solve_exact("max-return", r, max_volatility=vol)
    value = float(-r.mean(axis=0) @ res.weights.to_numpy())
    assert value <= ref.value + 1e-8 * abs(ref.value)
    assert res.converged and res.relative_gap_bound <= 1e-8
    solves = int(res.certificate_method.split(" exact QPs")[0].split("(")[-1])
    assert solves <= 3
