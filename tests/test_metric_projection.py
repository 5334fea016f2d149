"""The diagonal-metric projection against cvxpy and the Euclidean kernels."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_sgd.constraints.kernels import project_capped_simplex, project_simplex
from portfolio_sgd.constraints.metric_kernel import project_box_sum_metric


def cvxpy_projection(v: np.ndarray, d: np.ndarray, lo: float, hi: float) -> np.ndarray:
    w = cp.Variable(v.size)
    problem = cp.Problem(
        cp.Minimize(cp.sum(cp.multiply(d, cp.square(w - v)))), [cp.sum(w) == 1, w >= lo, w <= hi]
    )
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return w.value


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 8),
    seed=st.integers(0, 10_000),
    scale=st.sampled_from([1e-3, 1.0, 30.0]),
    bounds=st.sampled_from([(0.0, 1.0), (0.0, 0.4), (0.05, 0.5), (-0.3, 0.8)]),
)
def test_matches_cvxpy(n: int, seed: int, scale: float, bounds: tuple[float, float]) -> None:
    lo, hi = bounds
    if hi * n < 1 or lo * n > 1:
        return
    rng = np.random.default_rng(seed)
    v = rng.normal(0, scale, n) + 1 / n
    d = np.exp(rng.normal(0, 3, n))  # metric weights spanning orders of magnitude
    got = project_box_sum_metric(torch.tensor(v)[None, :], torch.tensor(d), lo, hi)[0].numpy()
    want = cvxpy_projection(v, d, lo, hi)
    assert abs(got.sum() - 1) < 1e-12
    assert got.min() >= lo - 1e-15 and got.max() <= hi + 1e-15
    # compare objective values (the solution is unique, but the solver is only ~1e-9 accurate)
    f_got = float(np.sum(d * (got - v) ** 2))
    f_want = float(np.sum(d * (want - v) ** 2))
    assert f_got <= f_want + 1e-8 * max(1.0, f_want)
    np.testing.assert_allclose(got, want, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40))
def test_unit_metric_equals_euclidean_kernels(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    v = torch.tensor(rng.normal(0, 0.3, (5, n)))
    ones = torch.ones(n, dtype=torch.float64)
    torch.testing.assert_close(project_box_sum_metric(v, ones, 0.0, 1.0), project_simplex(v))
    hi = max(0.3, 1.5 / n)
    torch.testing.assert_close(
        project_box_sum_metric(v, ones, 0.0, hi), project_capped_simplex(v, 0.0, hi)
    )


def test_idempotent_and_float32_feasible() -> None:
    rng = np.random.default_rng(3)
    d = torch.tensor(np.exp(rng.normal(0, 4, 50)), dtype=torch.float32)
    v = torch.tensor(rng.normal(0, 1, (8, 50)), dtype=torch.float32)
    w = project_box_sum_metric(v, d, 0.0, 0.1)
    assert w.dtype == torch.float32
    assert torch.all((w.sum(1) - 1).abs() < 1e-5)
    torch.testing.assert_close(project_box_sum_metric(w, d, 0.0, 0.1), w, atol=1e-6, rtol=0)


def test_corner_solutions_stay_feasible() -> None:
    """A projection onto a vertex (phi = 1 on a whole piece) is feasible and optimal.

    The cumulative slope of such a flat piece is rounding-sized, not 0; dividing by it put
    the shift anywhere (a mean-CVaR frontier point reported a weight sum of 1.21).
    """
    rng = np.random.default_rng(12)
    for trial in range(300):
        n, j = 20, trial % 20
        d = torch.tensor(np.exp(rng.normal(-7.0, 1.5, n)))
        v = torch.tensor(rng.uniform(-0.04, 0.01, (1, n)))
        v[0, j] = 1.0 + 0.05 * rng.uniform()
        w = project_box_sum_metric(v, d, 0.0, 1.0)
        assert abs(float(w.sum()) - 1.0) < 1e-12
        assert float(w.min()) >= 0.0
        # KKT: w = clip(v - tau / d, 0, 1) for one shift tau; at the vertex e_j that means
        # max_{i != j} d_i v_i <= d_j (v_j - 1)
        if float(w[0, j]) == 1.0:
            others = torch.cat([d[:j] * v[0, :j], d[j + 1 :] * v[0, j + 1 :]])
            assert float(others.max()) <= float(d[j] * (v[0, j] - 1.0)) + 1e-15
