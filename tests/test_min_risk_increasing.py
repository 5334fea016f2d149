"""Min-risk over a measure that is an increasing function of another (volatility of the
variance, semi-deviation of the semi-variance) is solved over that other one, stated on the
log: the same weights, checked against an independent cvxpy (Clarabel) minimiser of the
square-root measure itself."""

from __future__ import annotations

import logging

import numpy as np
import pytest

cp = pytest.importorskip("cvxpy")

from portfolio_sgd import optimize  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402


@pytest.fixture(scope="module")
def returns():  # noqa: ANN201
    return load_returns(dataset="sp500").iloc[-300:, :8]


def _cvxpy_min(r: np.ndarray, semi: bool) -> np.ndarray:
    """The long-only fully invested minimiser of the (semi-)deviation, written directly."""
    w = cp.Variable(r.shape[1])
    dev = (r - r.mean(axis=0)) @ w
    part = cp.neg(dev) if semi else dev
    problem = cp.Problem(cp.Minimize(cp.norm(part, 2)), [cp.sum(w) == 1, w >= 0])
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return np.asarray(w.value)


@pytest.mark.parametrize(("measure", "semi"), [("semi-deviation", True), ("volatility", False)])
def test_min_risk_over_a_square_root_measure(returns, measure, semi, caplog) -> None:  # noqa: ANN001
    with caplog.at_level(logging.INFO, logger="portfolio_sgd"):
        result = optimize(returns, "min-risk", measure=measure, seed=0)
    assert any("solved as min-risk over" in r.getMessage() for r in caplog.records)
    w = np.asarray(result.weights, dtype=np.float64)
    reference = _cvxpy_min(returns.to_numpy(), semi)
    np.testing.assert_allclose(w, reference, atol=2e-4)
    r = returns.to_numpy()
    dev = (r - r.mean(axis=0)) @ w
    ref_dev = (r - r.mean(axis=0)) @ reference
    part, ref_part = (np.minimum(dev, 0), np.minimum(ref_dev, 0)) if semi else (dev, ref_dev)
    assert np.sqrt(np.mean(part**2)) <= np.sqrt(np.mean(ref_part**2)) * (1 + 1e-6)
