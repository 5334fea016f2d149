"""The Charnes-Cooper QP's start: the KKT guess cuts the active set's iterations, same answer."""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd.constraints.oracle import FeasibleSet
from portfolio_sgd.measures.kernels.qp_finish import covariance_of
from portfolio_sgd.measures.kernels.ratio_qp import charnes_cooper_qp


def _returns(seed: int, t_len: int, n: int, drift: np.ndarray) -> np.ndarray:
    """Correlated normal returns (T, N) with the mean ``drift`` (N,)."""
    rng = np.random.default_rng(seed)
    mix = np.eye(n) + 0.3 * rng.random((n, n))
    return rng.normal(0.0, 1e-2, size=(t_len, n)) @ mix + drift


@pytest.mark.parametrize("cap", [None, 0.1])
def test_guess_start_takes_fewer_iterations_to_the_same_weights(cap: float | None) -> None:
    """Long only (and a cap that binds): about half the assets held; the vertex start adds
    them one per iteration, the guess starts near the optimum's support."""
    n = 40
    sigma, _ = covariance_of(_returns(7, 600, n, np.zeros(n)))
    mu = sigma @ np.random.default_rng(7).uniform(-0.5, 1.0, n)  # tangency: some shorts
    upper = np.ones(n) if cap is None else np.full(n, cap)
    polytope = FeasibleSet(n, np.zeros(n), upper).polytope()
    from_vertex = charnes_cooper_qp(sigma, mu, polytope, guess=False)
    from_guess = charnes_cooper_qp(sigma, mu, polytope)
    assert from_vertex.exact and from_guess.exact
    held = int((from_guess.weights > 1e-12).sum())
    assert 10 <= held <= n - 10  # the lower bounds matter
    if cap is not None:
        assert (from_guess.weights >= cap - 1e-12).sum() >= 1  # and the cap binds
    assert from_vertex.iterations >= held - 1
    assert from_guess.iterations <= 3
    np.testing.assert_allclose(from_guess.weights, from_vertex.weights, rtol=0, atol=1e-10)


def test_tangency_inside_the_set_needs_no_correction() -> None:
    """Where the tangency portfolio ``Sigma^{-1} mu / 1'Sigma^{-1} mu`` (closed form) is long
    only, the guess is the optimum: at most one iteration, the closed form to 1e-10."""
    n = 15
    sigma, _ = covariance_of(_returns(11, 2000, n, np.zeros(n)))
    mu = sigma @ np.random.default_rng(11).uniform(0.2, 1.0, n)
    tangency = np.linalg.solve(sigma, mu)
    tangency /= tangency.sum()
    assert tangency.min() > 0.0
    polytope = FeasibleSet(n, np.zeros(n), np.ones(n)).polytope()
    sol = charnes_cooper_qp(sigma, mu, polytope)
    assert sol.exact and sol.iterations <= 1
    np.testing.assert_allclose(sol.weights, tangency, rtol=0, atol=1e-10)
