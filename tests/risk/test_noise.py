"""Gradient noise against independent numpy computations."""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_sgd.estimation.batch_size import (
    finite_population_factor,
    gradient_variance,
    measure_batch_variance,
    per_sample_gradients,
    predicted_batch_variance,
    temperature,
)
from portfolio_sgd.objectives import ObjectiveSpec


def _numpy_sigma2(grads: np.ndarray) -> float:
    """Trace of the population covariance of tangent-space per-sample gradients (T, N)."""
    tangent = grads - grads.mean(axis=1, keepdims=True)
    return float(np.trace(np.cov(tangent.T, bias=True)))


def test_sigma2_matches_numpy_at_the_exact_optimum(minvar_problem) -> None:
    r = minvar_problem.values()
    w = minvar_problem.w_star
    mu = r.mean(axis=0)
    x = r @ w
    grads = 2.0 * (x - mu @ w)[:, None] * (r - mu)  # d/dw (x_t - mu.w)^2
    expected = _numpy_sigma2(grads)
    got = gradient_variance(minvar_problem.spec, r, w)[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_sigma2_matches_numpy_for_mean_variance(minvar_problem) -> None:
    r = minvar_problem.values()
    n = r.shape[1]
    w = np.linspace(1.0, 2.0, n) / np.linspace(1.0, 2.0, n).sum()
    mu = r.mean(axis=0)
    lam = 7.0
    grads = -r + lam * (r @ w - mu @ w)[:, None] * (r - mu)
    spec = ObjectiveSpec("mean-variance", risk_aversion=lam)
    assert gradient_variance(spec, r, w)[0] == pytest.approx(_numpy_sigma2(grads), rel=1e-6)


@pytest.mark.parametrize("sampling", ["replacement", "shuffle"])
def test_measured_batch_variance_matches_sigma2_over_m(minvar_problem, sampling: str) -> None:
    r = minvar_problem.values()
    n_rows = r.shape[0]
    grads = per_sample_gradients(minvar_problem.spec, r, minvar_problem.w_star)[0]
    sigma2 = _numpy_sigma2(grads.numpy())
    for m in (8, 32, 128, 512):
        factor = 1.0 if sampling == "replacement" else (1 - m / n_rows) * n_rows / (n_rows - 1)
        predicted = sigma2 / m * factor
        assert predicted_batch_variance(sigma2, m, n_rows, sampling) == pytest.approx(predicted)
        measured = measure_batch_variance(grads, m, draws=16_384, sampling=sampling, seed=11)
        assert measured / predicted == pytest.approx(1.0, abs=0.10), (m, measured / predicted)


def test_finite_population_factor() -> None:
    assert finite_population_factor(10, 100, "replacement") == 1.0
    assert finite_population_factor(10, 100, "shuffle") == pytest.approx(0.9 * 100 / 99)
    assert finite_population_factor(100, 100, "shuffle") == 0.0


def test_temperature_formula() -> None:
    assert temperature(0.5, 2.0, 4) == pytest.approx(0.5 * 2.0 / 8)
    got = temperature(np.array([1.0, 2.0]), 3.0, np.array([3.0, 6.0]))
    np.testing.assert_allclose(got, [0.5, 0.5])
