"""The frontier of an LP measure on everyday sizes: every point an exact LP (the
minimum-risk end the step-0 LP, the rest capped whole-data LPs), against cvxpy + HiGHS on
the same LPs written independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives.spec import ObjectiveSpec
from portfolio_sgd.solvers.base import Task
from portfolio_sgd.solvers.frontier import _Ends, _lp_frontier, efficient_frontier
from portfolio_sgd.solvers.settings import resolve_settings

cp = pytest.importorskip("cvxpy")

BETA = 0.95
REL = 1e-8


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    """sp500's first 600 days (20 assets)."""
    return load_returns(dataset="sp500").iloc[:600]


def _risk(name: str, r: np.ndarray, w: object) -> tuple[object, list]:
    """CVaR or CDaR at 0.95 as an LP epigraph in cvxpy (Rockafellar-Uryasev)."""
    t_len = r.shape[0]
    z, d = cp.Variable(), cp.Variable(t_len, nonneg=True)
    if name == "cvar":
        return z + cp.sum(d) / ((1 - BETA) * t_len), [d >= -(r @ w) - z]
    path = np.cumsum(r, axis=0) @ w
    u = cp.Variable(t_len)
    rows = [u >= path, u[1:] >= u[:-1], u >= 0, d >= u - path - z]
    return z + cp.sum(d) / ((1 - BETA) * t_len), rows


def _peer(name: str, r: np.ndarray, level: float | None) -> np.ndarray:
    """Long-only min-risk (``level`` None) or max-return within ``risk <= level``."""
    w = cp.Variable(r.shape[1])
    risk, rows = _risk(name, r, w)
    rows += [cp.sum(w) == 1, w >= 0]
    if level is None:
        problem = cp.Problem(cp.Minimize(risk), rows)
    else:
        problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), [*rows, risk <= level])
    problem.solve(solver="HIGHS")
    return np.asarray(w.value)


def _frontier(returns: pd.DataFrame, name: str, points: int):
    if name == "cvar":
        return efficient_frontier(returns, "cvar", points=points)
    return efficient_frontier(returns, "utility", points=points, measure=name)


@pytest.mark.parametrize(("name", "points"), [("cvar", 10), ("cdar", 6)])
def test_every_point_is_the_exact_lp(returns: pd.DataFrame, name: str, points: int) -> None:
    r = returns.to_numpy()
    mu = r.mean(axis=0)
    measure = get_measure(name)
    front = _frontier(returns, name, points)
    assert front.steps == 0
    assert front.converged.all()
    w = front.weights.to_numpy()
    risk = np.array([float(measure.numpy_value(r @ wk[:, None], BETA)[0]) for wk in w])
    low = float(measure.numpy_value(r @ _peer(name, r, None)[:, None], BETA)[0])
    assert risk[0] <= low * (1 + REL)
    assert risk[-1] >= risk[0]
    np.testing.assert_allclose(np.diff(risk), (risk[-1] - risk[0]) / (points - 1), rtol=1e-6)
    for k in range(1, points):
        peer = float(mu @ _peer(name, r, float(risk[k])))
        ours = float(mu @ w[k])
        assert ours >= peer - REL * abs(peer), (k, ours, peer)
        assert ours <= peer + REL * abs(peer), (k, ours, peer)
    assert float(mu @ w[-1]) == pytest.approx(float(mu.max()), rel=REL)


def test_the_sgd_path_stays_where_the_rule_keeps_the_loop(returns: pd.DataFrame) -> None:
    """A minimum-risk end that took SGD steps (the whole-data LP counted as too big)
    leaves CVaR's frontier to the batched runs; CDaR's finish is that LP from any start."""
    spec, constraints, config = resolve_settings(ObjectiveSpec("cvar"), None, None, alpha=BETA)
    task = Task(returns, spec, constraints, config)
    r = returns.to_numpy()
    n = r.shape[1]
    ends = _Ends((0.02, 0.0), (0.06, 0.001), np.full(n, 1.0 / n), np.eye(n)[0], 50, True)
    assert _lp_frontier(task, r, ends, 4) is None
    cdar = ObjectiveSpec("utility", measure="cdar")
    spec, constraints, config = resolve_settings(cdar, None, None)
    task = Task(returns, spec, constraints, config)
    top = np.eye(n)[np.argmax(r.mean(axis=0))]
    value = get_measure("cdar").numpy_value(r @ np.stack([ends.w_low, top]).T, BETA)
    ends = _Ends((float(value[0]), 0.0), (float(value[1]), 0.001), ends.w_low, top, 50, True)
    points = _lp_frontier(task, r, ends, 4)
    assert points is not None
    assert points.converged.all()
