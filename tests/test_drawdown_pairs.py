"""The drawdown LPs by constraint generation (measures/kernels/tail_cuts.py, tail_chain.py):
the same
optimum as an independent cvxpy full LP (running peaks, HiGHS) to 1e-9 relative on two
real panels, for CDaR, max and average drawdown, min-risk, utility and a cap, with a
proven certificate from the relaxation's multipliers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

cp = pytest.importorskip("cvxpy")

from portfolio_sgd.constraints.polytope import Polytope, polytope_minimizer  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.measures.kernels import tail_cuts  # noqa: E402
from portfolio_sgd.measures.kernels.tail_chain import solve_mean_drawdown_lp  # noqa: E402
from portfolio_sgd.measures.kernels.tail_lp import l1_radius, minorant_bound  # noqa: E402
from portfolio_sgd.measures.kernels.tail_pairs import peak_pairs  # noqa: E402
from portfolio_sgd.measures.registry import get_measure  # noqa: E402

MASS = {"cdar": lambda t: 0.05 * t, "max-drawdown": lambda t: 1.0, "average-drawdown": float}


@pytest.fixture(scope="module")
def panels() -> dict[str, np.ndarray]:
    """An sp500 slice (1000 x 20) and Fama-French 49 industries (500 x 49)."""
    sp = load_returns(dataset="sp500").iloc[2000:3000].to_numpy(np.float64)
    ff = load_returns(dataset="ff49-daily", start="2019-06-01").iloc[:500]
    return {"sp500": sp, "ff49": ff.to_numpy(np.float64)}


def _polytope(n: int, lower: float, upper: float) -> Polytope:
    """``sum w = 1``, ``lower <= w_i <= upper``."""
    ones = np.ones((1, n))
    box = np.full(n, lower), np.full(n, upper)
    return Polytope(np.zeros((0, n)), np.zeros(0), ones, np.ones(1), *box, np.eye(n))


def _cvxpy(name: str, r: np.ndarray, poly: Polytope, lin: np.ndarray, cap=None) -> float:
    """The full LP's optimum (running peaks ``u``): ``min rho + lin.w``, or with ``cap``
    ``min lin.w s.t. rho <= cap``."""
    t, n = r.shape
    w, u, z = cp.Variable(n), cp.Variable(t), cp.Variable()
    c = np.cumsum(r, axis=0)
    dd = u - c @ w
    rows = [u >= c @ w, u >= 0, u[1:] >= u[:-1], cp.sum(w) == 1]
    rows += [w >= poly.lower, w <= poly.upper]
    rho = {
        "cdar": z + cp.sum(cp.pos(dd - z)) / MASS["cdar"](t),
        "max-drawdown": cp.max(dd),
        "average-drawdown": cp.sum(dd) / t,
    }[name]
    goal = rho + lin @ w if cap is None else lin @ w
    rows += [] if cap is None else [rho <= cap]
    prob = cp.Problem(cp.Minimize(goal), rows)
    prob.solve(solver="HIGHS")
    return float(prob.value)


def _solve(name: str, r: np.ndarray, poly: Polytope, lin: np.ndarray, cap=None) -> tuple:
    """Ours: the pairs' generation, or (average drawdown) the peak rows' generation."""
    n, radius = r.shape[1], l1_radius(poly)
    start = np.full(n, 1.0 / n)
    if name == "average-drawdown":
        return solve_mean_drawdown_lp(r, poly, lin, start, radius, cap)
    return tail_cuts.solve_drawdown_lp(r, MASS[name](r.shape[0]), poly, lin, start, radius, cap)


def _value(name: str, r: np.ndarray, w: np.ndarray) -> float:
    """The measure's exact numpy value at ``w``."""
    return float(get_measure(name).numpy_value((r @ w)[:, None], 0.95)[0])


@pytest.mark.parametrize("panel", ["sp500", "ff49"])
@pytest.mark.parametrize("name", ["cdar", "max-drawdown", "average-drawdown"])
def test_min_risk_and_utility_match_the_full_lp(panels, panel: str, name: str) -> None:
    r = panels[panel]
    t, n = r.shape
    for poly, lin in (
        (_polytope(n, 0.0, 1.0), np.zeros(n)),
        (_polytope(n, -0.2, 0.5), -r.mean(axis=0) / 2.0),
    ):
        form, sol = _solve(name, r, poly, lin)
        assert sol.status == "exact" and form is not None
        w = sol.weights
        assert abs(w.sum() - 1.0) < 1e-9 and w.min() > poly.lower[0] - 1e-9
        ours = _value(name, r, w) + lin @ w
        ref = _cvxpy(name, r, poly, lin)
        assert abs(ours - ref) <= 1e-9 * abs(ref)
        assert abs(sol.value - _value(name, r, w)) <= 1e-10 * abs(ref)  # settled: exact at w

        def minimize(c: torch.Tensor, p: Polytope = poly) -> torch.Tensor:
            return polytope_minimizer(c, p)

        bound = minorant_bound(form, sol.multipliers, lin, minimize)
        assert bound <= ref + 1e-12 * abs(ref) and ref - bound <= 1e-8 * abs(ref)


@pytest.mark.parametrize("name", ["cdar", "max-drawdown", "average-drawdown"])
def test_a_cap_matches_the_full_lp(panels, name: str) -> None:
    r = panels["sp500"]
    t, n = r.shape
    poly, mu = _polytope(n, 0.0, 1.0), r.mean(axis=0)
    low = _cvxpy(name, r, poly, np.zeros(n))
    cap = low + 0.3 * (_value(name, r, np.eye(n)[int(np.argmax(mu))]) - low)
    _, sol = _solve(name, r, poly, -mu, cap)
    ref = _cvxpy(name, r, poly, -mu, cap)
    assert sol.status == "exact"
    assert abs(-mu @ sol.weights - ref) <= 1e-9 * abs(ref)
    assert _value(name, r, sol.weights) <= cap * (1 + 1e-9)
    assert sol.cap_multiplier >= 0.0


def test_peaks_are_the_running_maximum(panels) -> None:
    r = panels["ff49"][:200, :5]
    w = np.array([0.5, -0.2, 0.3, 0.2, 0.2])
    dd, peak = peak_pairs(np.cumsum(r, axis=0), w)
    c = np.cumsum(r @ w)
    ref = np.maximum(np.maximum.accumulate(c), 0.0) - c
    np.testing.assert_allclose(dd, ref, atol=1e-15)
    top = np.where(peak >= 0, c[np.maximum(peak, 0)], 0.0)
    np.testing.assert_allclose(top - c, dd, atol=1e-15)


def test_the_capped_finish_through_the_api(panels) -> None:
    """max-return under a CDaR limit: the measure's capped finish, against cvxpy."""
    import portfolio_sgd as ps

    r = load_returns(dataset="sp500").iloc[:800]
    x = r.to_numpy(np.float64)
    poly, mu = _polytope(20, 0.0, 1.0), x.mean(axis=0)
    low = _cvxpy("cdar", x, poly, np.zeros(20))
    cap = low + 0.3 * (_value("cdar", x, np.eye(20)[int(np.argmax(mu))]) - low)
    res = ps.optimize(r, "max-return", limit=("cdar", cap), seed=0)
    w = res.weights.to_numpy(np.float64)
    ref = _cvxpy("cdar", x, poly, -mu, cap)
    assert abs(-mu @ w - ref) <= 1e-8 * abs(ref)
    assert _value("cdar", x, w) <= cap * (1 + 1e-9)


def test_the_measure_falls_back_to_the_full_lp(panels, monkeypatch) -> None:
    """With no rounds allowed the generation gives up and the full LP answers."""
    import portfolio_sgd as ps

    r = load_returns(dataset="sp500").iloc[:400]
    monkeypatch.setattr(tail_cuts, "MAX_ROUNDS", 0)
    res = ps.optimize(r, "min-risk", measure="cdar", seed=0)
    ref = _cvxpy("cdar", r.to_numpy(np.float64), _polytope(20, 0.0, 1.0), np.zeros(20))
    w = res.weights.to_numpy(np.float64)
    assert abs(_value("cdar", r.to_numpy(np.float64), w) - ref) <= 1e-9 * ref
