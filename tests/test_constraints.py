"""Tests of the batched Euclidean projections against independent references.

References: brute-force support enumeration (simplex), cvxpy/Clarabel QPs (capped simplex,
long-short with leverage cap), hand-made cases, and the projection's defining variational
inequality checked against feasible points generated here with numpy only.
"""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from portfolio_sgd.constraints import (
    Constraints,
    project_capped_simplex,
    project_long_short,
    project_simplex,
    solve_clip_shift,
)
from portfolio_sgd.errors import InfeasibleConstraintError

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- helpers
@st.composite
def specs(draw, max_n: int = 12) -> tuple[Constraints, int]:
    """A feasible constraint specification and a number of assets."""
    n = draw(st.integers(1, max_n))
    kind = draw(st.sampled_from(["simplex", "capped", "long_short", "capped_edge"]))
    unit = st.floats(0.0, 1.0)
    if kind == "simplex":
        return Constraints(), n
    if kind == "capped":
        lo = draw(unit) / n
        hi = 1.0 / n + draw(unit) * (1.2 - 1.0 / n)
        return Constraints(min_weight=lo, max_weight=max(hi, lo)), n
    if kind == "capped_edge":  # the set is a single point or touches it
        lo, hi = draw(st.sampled_from([(1.0 / n, 1.0), (0.0, 1.0 / n), (1.0 / n, 1.0 / n)]))
        return Constraints(min_weight=lo, max_weight=hi), n
    lo = -2.0 * draw(unit) if draw(st.booleans()) else draw(unit) / n
    hi = max(lo, 1.0 / n + 2.0 * draw(unit))
    lev = draw(st.one_of(st.none(), st.floats(1.0, 4.0), st.just(1.0)))
    return Constraints(min_weight=lo, max_weight=hi, long_short=True, max_leverage=lev), n


def vectors(n: int, bound: float = 1e3):
    return arrays(np.float64, n, elements=st.floats(-bound, bound, allow_subnormal=False))


def check_feasible(c: Constraints, w: np.ndarray, tol: float = 1e-6) -> None:
    """Independent numpy feasibility check (budget, bounds, leverage)."""
    w = np.atleast_2d(w)
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=tol, rtol=0)
    assert np.all(w >= c.min_weight - tol)
    assert np.all(w <= c.max_weight + tol)
    if c.max_leverage is not None:
        assert np.all(np.abs(w).sum(axis=1) <= c.max_leverage + tol)


def cvxpy_projection(c: Constraints, v: np.ndarray) -> np.ndarray:
    w = cp.Variable(v.size)
    cons = [cp.sum(w) == 1, w >= c.min_weight, w <= c.max_weight]
    if c.max_leverage is not None:
        cons.append(cp.norm1(w) <= c.max_leverage)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(w - v)), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert prob.status == cp.OPTIMAL
    return np.asarray(w.value)


def assert_matches_reference_projection(c: Constraints, w: np.ndarray, v: np.ndarray) -> None:
    """``w`` is the projection of ``v``: feasible, and no farther from ``v`` than cvxpy's.

    The projection is unique, but on degenerate cases (several weights at a bound, the
    leverage cap active) the interior-point reference is only good to ~1e-6, so the test
    is optimality (at least as close to v as the reference) plus agreement to 1e-5.
    """
    ref = cvxpy_projection(c, v)
    assert bool(c.is_feasible(torch.as_tensor(w)[None, :], atol=1e-9).all())
    ref_distance = np.sum((ref - v) ** 2)
    # rounding of a sum of squares of size |v|^2: a relative tolerance, floored at 1e-10
    assert np.sum((w - v) ** 2) <= ref_distance + 1e-10 * max(1.0, ref_distance)
    np.testing.assert_allclose(w, ref, atol=1e-5)


def brute_force_simplex(v: np.ndarray) -> np.ndarray:
    """Enumerate supports: on support S, w_S = v_S - (sum v_S - 1)/|S|."""
    n, best, best_d = v.size, None, np.inf
    for k in range(1, n + 1):
        for support in itertools.combinations(range(n), k):
            s = list(support)
            w = np.zeros(n)
            w[s] = v[s] - (v[s].sum() - 1.0) / k
            if np.all(w >= -1e-12) and np.sum((w - v) ** 2) < best_d:
                best, best_d = w, np.sum((w - v) ** 2)
    return best


def numpy_feasible(c: Constraints, z: np.ndarray, tol: float = 1e-12) -> bool:
    ok = abs(z.sum() - 1) <= tol and z.min() >= c.min_weight - tol and z.max() <= c.max_weight + tol
    if c.max_leverage is not None:
        ok = ok and np.abs(z).sum() <= c.max_leverage + tol
    return bool(ok)


def random_feasible_points(c: Constraints, n: int, rng: np.random.Generator, count: int):
    """Points of the feasible set built from 1/N plus zero-sum moves, pushed to the boundary."""
    base = np.full(n, 1.0 / n)
    points = [base]
    for _ in range(count):
        d = rng.normal(size=n) * rng.choice([0.1, 1.0, 10.0])
        d -= d.mean()
        lo_t, hi_t = 0.0, 1.0
        if numpy_feasible(c, base + d):
            points.append(base + d)
            continue
        for _ in range(50):  # bisection on the largest feasible step
            mid = 0.5 * (lo_t + hi_t)
            lo_t, hi_t = (mid, hi_t) if numpy_feasible(c, base + mid * d) else (lo_t, mid)
        points.append(base + lo_t * d)
    return points


def project_np(c: Constraints, v: np.ndarray) -> np.ndarray:
    return c.project(torch.as_tensor(v, dtype=torch.float64)).numpy()


# ------------------------------------------------------------------ feasibility, identity
@FAST
@given(data=st.data(), spec=specs(max_n=30))
def test_projection_is_feasible_and_idempotent(data, spec):
    c, n = spec
    v = data.draw(vectors(n))
    w = project_np(c, v)
    check_feasible(c, w, tol=1e-6)
    np.testing.assert_allclose(project_np(c, w), w, atol=1e-9, rtol=0)


@FAST
@given(data=st.data(), spec=specs(max_n=12))
def test_variational_inequality_and_nonexpansive(data, spec):
    c, n = spec
    v = data.draw(vectors(n, bound=100.0))
    u = data.draw(vectors(n, bound=100.0))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pv, pu = project_np(c, v), project_np(c, u)
    for z in random_feasible_points(c, n, rng, count=6):
        assert np.dot(v - pv, z - pv) <= 1e-8
    assert np.linalg.norm(pv - pu) <= np.linalg.norm(v - u) + 1e-9


@settings(max_examples=100, deadline=None)
@given(v=st.integers(1, 5).flatmap(lambda n: vectors(n, bound=10.0)))
def test_simplex_matches_brute_force(v):
    w = project_simplex(torch.as_tensor(v)).numpy()
    np.testing.assert_allclose(w, brute_force_simplex(v), atol=1e-12)
    np.testing.assert_allclose(project_np(Constraints(), v), w, atol=0)


@SLOW
@given(data=st.data(), spec=specs(max_n=8))
def test_projection_matches_cvxpy(data, spec):
    c, n = spec
    v = data.draw(vectors(n, bound=5.0))
    assert_matches_reference_projection(c, project_np(c, v), v)


@SLOW
@given(
    data=st.data(),
    lo=st.floats(-1.0, 0.0),
    hi=st.floats(0.0, 1.0),
    lev=st.floats(1.0, 3.0),
    method=st.sampled_from(["all", "search"]),
)
def test_long_short_kernel_matches_cvxpy_both_methods(data, lo, hi, lev, method):
    n = data.draw(st.integers(2, 8))
    hi = max(hi, 1.0 / n)
    v = data.draw(vectors(n, bound=5.0))
    c = Constraints(min_weight=lo, max_weight=hi, long_short=True, max_leverage=lev)
    w = project_long_short(torch.as_tensor(v), lo, hi, lev, method=method).numpy()
    assert_matches_reference_projection(c, w, v)


@FAST
@given(
    data=st.data(),
    lo=st.floats(-2.0, 1.0),
    width=st.floats(1e-3, 3.0),
    frac=st.floats(0.0, 1.0),
    method=st.sampled_from(["all", "search"]),
)
def test_solve_clip_shift_hits_target(data, lo, width, frac, method):
    n = data.draw(st.integers(1, 20))
    x = torch.as_tensor(data.draw(vectors(n, bound=50.0))).reshape(1, n)
    hi = lo + width
    target = n * lo + frac * n * width
    nu = solve_clip_shift(x, lo, hi, target, method=method)
    assert abs(torch.clamp(x + nu, lo, hi).sum().item() - target) <= 1e-9 * max(1.0, n * width)


# ------------------------------------------------------------------------ hand-made cases
def test_hand_made_cases():
    t = torch.tensor
    # Leverage: the budget line w1 + w2 = 1 meets sum|w| <= 1.5 at w1 <= 1.25.
    w = project_long_short(t([1.5, -0.5], dtype=torch.float64), -1.0, 2.0, 1.5)
    np.testing.assert_allclose(w.numpy(), [1.25, -0.25], atol=1e-14)
    # Without the cap the point is already feasible.
    w = project_long_short(t([1.5, -0.5], dtype=torch.float64), -1.0, 2.0, None)
    np.testing.assert_allclose(w.numpy(), [1.5, -0.5], atol=1e-14)
    # Capped simplex: (0.7, 0.2, 0.1) with hi = 0.5 -> (0.5, 0.3, 0.2).
    w = project_capped_simplex(t([0.7, 0.2, 0.1], dtype=torch.float64), 0.0, 0.5)
    np.testing.assert_allclose(w.numpy(), [0.5, 0.3, 0.2], atol=1e-14)
    # Simplex: (1, 1, -5) -> (0.5, 0.5, 0).
    np.testing.assert_allclose(project_simplex(t([1.0, 1.0, -5.0])).numpy(), [0.5, 0.5, 0.0])
    # Ties and a single-point set.
    w = Constraints(max_weight=0.25).project(torch.zeros(3, 4, dtype=torch.float64))
    np.testing.assert_allclose(w.numpy(), 0.25, atol=1e-15)
    assert Constraints().project(torch.tensor([3.0])).item() == pytest.approx(1.0)


def test_shift_invariance_and_large_offsets():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(5, 40))
    for c in [
        Constraints(),
        Constraints(min_weight=0.01, max_weight=0.05),
        Constraints(min_weight=-0.2, max_weight=0.3, long_short=True, max_leverage=1.6),
    ]:
        np.testing.assert_allclose(project_np(c, v + 1e6), project_np(c, v), atol=1e-9)


# ----------------------------------------------------------------------- batching, dtypes
CASES = [
    Constraints(),
    Constraints(min_weight=0.0005, max_weight=0.004),
    Constraints(min_weight=-0.002, max_weight=0.004, long_short=True),
    Constraints(min_weight=-0.003, max_weight=0.004, long_short=True, max_leverage=1.3),
]


@pytest.mark.parametrize("n", [7, 600])
@pytest.mark.parametrize("c", CASES)
def test_batched_equals_row_by_row(c, n):
    if c.max_weight * n < 1:
        c = Constraints(c.min_weight, 3.0 / n, c.long_short, c.max_leverage)
    v = torch.randn(6, n, dtype=torch.float64, generator=torch.Generator().manual_seed(n)) / n
    v[2] = 0.0  # all ties
    w = c.project(v)
    rows = torch.stack([c.project(r) for r in v])
    torch.testing.assert_close(w, rows, atol=1e-13, rtol=0)
    check_feasible(c, w.numpy(), tol=1e-9)
    assert c.project(v.reshape(2, 3, n)).shape == (2, 3, n)


@pytest.mark.parametrize("n", [5, 50, 700])
def test_methods_agree(n):
    g = torch.Generator().manual_seed(n)
    v = torch.randn(8, n, dtype=torch.float64, generator=g) / np.sqrt(n)
    v[:, : n // 3] = v[:, :1]  # many ties
    for lo, hi, lev in [(0.0, 2.0 / n, None), (0.2 / n, 1.5 / n, None), (-1.0 / n, 2.0 / n, 1.5)]:
        a = project_long_short(v, lo, hi, lev, method="all")
        b = project_long_short(v, lo, hi, lev, method="search")
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize("n", [50, 600])
@pytest.mark.parametrize("c", CASES)
def test_float32_and_half(c, n):
    if c.max_weight * n < 1:
        c = Constraints(c.min_weight, 3.0 / n, c.long_short, c.max_leverage)
    v = torch.randn(4, n, generator=torch.Generator().manual_seed(0)) / n
    w32 = c.project(v)
    assert w32.dtype == torch.float32
    check_feasible(c, w32.double().numpy(), tol=1e-6)
    w64 = c.project(v.double())
    torch.testing.assert_close(w32.double(), w64, atol=1e-6, rtol=0)
    wb = c.project(v.to(torch.bfloat16))
    assert wb.dtype == torch.bfloat16 and wb.shape == v.shape


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e2, 1e4])
@pytest.mark.parametrize("c", CASES)
def test_float32_badly_scaled_inputs_stay_feasible(c, scale):
    """Inputs much larger than the bounds: the budget must still hold in float32."""
    g = torch.Generator().manual_seed(1)
    v = (torch.randn(16, 1000, generator=g) + 10 * torch.randn(16, 1, generator=g)) * scale
    w = c.project(v)
    check_feasible(c, w.double().numpy(), tol=1e-5)
    torch.testing.assert_close(c.project(w), w, atol=1e-5, rtol=0)


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU (torch.cuda.is_available() is False)"
)
@pytest.mark.parametrize("c", CASES)
def test_cuda_matches_cpu(c):
    v = torch.randn(16, 2500, dtype=torch.float64) / 2500
    w = c.project(v.cuda())
    assert w.device.type == "cuda"
    torch.testing.assert_close(w.cpu(), c.project(v), atol=1e-12, rtol=0)


# --------------------------------------------------------------------- validation, API
@pytest.mark.parametrize(
    ("c", "n", "fragment"),
    [
        (Constraints(max_weight=0.04), 20, "0.04 x 20 assets = 0.8 < 1"),
        (Constraints(min_weight=0.1), 20, "0.1 x 20 assets = 2 > 1"),
        (Constraints(min_weight=0.3, max_weight=0.2), 4, "min_weight 0.3 > max_weight 0.2"),
        (Constraints(min_weight=-0.1), 4, "use long_short=True"),
        (Constraints(long_short=True, min_weight=-0.5, max_leverage=0.9), 4, "max_leverage 0.9"),
        (Constraints(min_weight=float("nan")), 4, "min_weight must be a finite"),
        (Constraints(max_weight=float("nan")), 4, "max_weight must be a finite"),
        (Constraints(max_weight=float("inf")), 4, "max_weight must be a finite"),
        (Constraints(long_short=True, max_leverage=float("nan")), 4, "max_leverage"),
        (Constraints(), 0, "n_assets"),
    ],
)
def test_infeasible_specs_raise(c, n, fragment):
    with pytest.raises(InfeasibleConstraintError, match="^[^\n]*$") as info:
        c.validate(n)
    assert fragment in str(info.value)
    if n > 0:
        with pytest.raises(InfeasibleConstraintError):
            c.project(torch.zeros(2, n))


def test_feasible_start_is_feasible_and_api():
    for c, n in [(c, 1000) for c in CASES] + [(Constraints(min_weight=0.1, max_weight=0.1), 10)]:
        w0 = c.feasible_start(n, dtype=torch.float32, device="cpu")
        assert w0.shape == (n,) and w0.dtype == torch.float32
        check_feasible(c, w0.double().numpy(), tol=1e-6)
        assert bool(c.is_feasible(w0))
        assert Constraints.from_dict(c.to_dict()) == c
    c = Constraints(min_weight=-0.5, max_weight=1.0, long_short=True, max_leverage=2.0)
    w = torch.tensor([[0.5, 0.5, 0.0], [1.0, 0.5, -0.5], [1.0, 1.0, -1.0], [0.2, 0.2, 0.2]])
    assert c.is_feasible(w).tolist() == [True, True, False, False]
    assert c.to_dict() == {
        "min_weight": -0.5,
        "max_weight": 1.0,
        "long_short": True,
        "max_leverage": 2.0,
    }
