"""The mean-variance frontier by exact QPs along the critical lines (solvers.frontier_points).

Every point is checked against cvxpy + Clarabel at the risk aversion it reports
(``solve_exact``) to 1e-8 relative, with and without a cap; the points are evenly spread in
volatility, end at the maximum return, and their certificates (Frank-Wolfe gaps) hold.
"""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd import Constraints, efficient_frontier
from portfolio_sgd.data import load_returns
from portfolio_sgd.reference.exact import objective_value, solve_exact


@pytest.fixture(scope="module")
def panel():  # noqa: ANN201
    return load_returns(dataset="sp500", start="2015-01-01")


@pytest.mark.parametrize("cap", [None, 0.2])
def test_points_are_exact_and_evenly_spread(panel, cap: float | None) -> None:
    constraints = Constraints(max_weight=cap) if cap else None
    frontier = efficient_frontier(panel, "mean-variance", points=8, constraints=constraints)
    r = panel.to_numpy()
    w = frontier.weights.to_numpy()
    assert frontier.converged.all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert w.min() >= 0.0 and w.max() <= (cap or 1.0) + 1e-12
    for k, lam in enumerate(frontier.risk_aversion):
        ref = solve_exact("mean-variance", r, constraints, risk_aversion=float(lam))
        value = objective_value("mean-variance", r, w[k], risk_aversion=float(lam))
        assert (value - ref.value) / abs(ref.value) <= 1e-8, (k, lam)
    gaps = np.diff(frontier.risk)
    even = (frontier.risk[-1] - frontier.risk[0]) / (len(gaps))
    np.testing.assert_allclose(gaps, even, rtol=1e-4)  # the first sits 1e-6 var above the min
    top = solve_exact("max-return", r, constraints)
    assert frontier.returns[-1] == pytest.approx(
        252 * float(r.mean(axis=0) @ top.weights), rel=1e-9
    )
    low = solve_exact("min-variance", r, constraints)
    assert frontier.risk[0] ** 2 / 252 == pytest.approx(low.value, rel=1e-4)


def test_exact_and_batched_paths_agree_at_the_same_lambda(panel) -> None:
    """The SGD path (its finish switched off: a batched run) lands near the exact point."""
    from portfolio_sgd import EngineConfig

    exact = efficient_frontier(panel.iloc[-500:, :6], "mean-variance", points=3)
    sgd = efficient_frontier(
        panel.iloc[-500:, :6],
        "mean-variance",
        points=3,
        config=EngineConfig(precondition=False, cvar_polish=False),
    )
    assert exact.converged.all() and sgd.converged.all()
    r = panel.iloc[-500:, :6].to_numpy()
    lam = float(sgd.risk_aversion[1])
    ref = solve_exact("mean-variance", r, risk_aversion=lam)
    assert objective_value("mean-variance", r, sgd.weights.to_numpy()[1], risk_aversion=lam) == (
        pytest.approx(ref.value, rel=1e-4)
    )
    assert exact.risk[0] <= sgd.risk[0] + 1e-6
