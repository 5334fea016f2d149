"""Risk parity's exact Newton finish before the first step (issue 25, item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.objectives import ObjectiveSpec

RNG = np.random.default_rng(5)
R_NP = RNG.standard_t(4, size=(500, 7)) * 0.01 + RNG.normal(0, 0.005, 500)[:, None]
RAMP = (1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0)


def scipy_reference(returns: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """``argmin 1/2 y'Cy - b'log y`` by scipy's trust-region Newton, normalised."""
    centred = returns - returns.mean(axis=0)
    cov = centred.T @ centred / len(returns)
    cov = cov / np.trace(cov) * len(budgets)

    def f(y: np.ndarray) -> float:
        return 0.5 * y @ cov @ y - budgets @ np.log(y)

    res = minimize(
        f,
        np.full(len(budgets), 1.0),
        jac=lambda y: cov @ y - budgets / y,
        hess=lambda y: cov + np.diag(budgets / y**2),
        method="trust-exact",
        options={"gtol": 1e-14},
    )
    return res.x / res.x.sum()


@pytest.mark.parametrize("raw", [None, RAMP])
def test_step_zero_newton_finish_is_exact_and_certified(raw) -> None:
    n = R_NP.shape[1]
    beta = np.full(n, 1.0 / n) if raw is None else np.asarray(raw) / sum(raw)
    result = optimize(R_NP, ObjectiveSpec("risk-parity", budgets=raw), seed=0)
    w = result.weights.to_numpy()
    assert result.stop_reason == "exact finish" and result.steps == 0
    assert "exact Newton finish" in result.polish
    np.testing.assert_allclose(w, scipy_reference(R_NP, beta), atol=1e-9)
    np.testing.assert_allclose(result.risk_contributions.to_numpy(), beta, atol=1e-11)
    assert result.converged and abs(w.sum() - 1.0) <= 1e-15


def test_two_assets_match_inverse_volatility() -> None:
    """For two assets risk parity is ``w_i ∝ 1 / sigma_i`` whatever the correlation."""
    r = R_NP[:, :2]
    w = optimize(r, "risk-parity", seed=0).weights.to_numpy()
    inv = 1.0 / r.std(axis=0)
    np.testing.assert_allclose(w, inv / inv.sum(), atol=1e-12)


def test_without_early_finish_the_loop_still_runs() -> None:
    result = optimize(R_NP, "risk-parity", config=EngineConfig(early_finish=False), seed=0)
    assert result.steps > 0 and result.converged
