"""NCO's inner problems solved in one pass (:mod:`portfolio_sgd.allocators.inner_batch`).

Where the inner (or outer) objective's optimum is unique, each problem is solved by its
exact finish alone (no engine run): mean-CVaR by the dual of its LP, strictly convex QPs
by their QP finish. The weights equal the per-cluster engine loop (the path with the
finish-only solver switched off) to 1e-8, in-sample and cross-validated, on the sp500
panel and on 400 US stocks; the dual LP equals an independent primal LP (scipy HiGHS);
objectives without a finish-only route still run the engine, with an info line.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from portfolio_sgd import optimize
from portfolio_sgd.allocators import AllocatorSpec, inner_batch
from portfolio_sgd.allocators.cvar_dual import cvar_dual_weights
from portfolio_sgd.allocators.direct_inner import direct_solver
from portfolio_sgd.engine.config import EngineConfig
from portfolio_sgd.objectives import ObjectiveSpec

TOL = 1e-8


@pytest.fixture(scope="module")
def sp500(sp500_returns: pd.DataFrame) -> pd.DataFrame:
    """20 stocks, the last 1500 days."""
    return sp500_returns.iloc[-1500:]


@pytest.fixture(scope="module")
def us400() -> pd.DataFrame:
    """400 US stocks x 1259 days (the NCO benchmark's panel)."""
    from benchmarks.nco import load

    return load(400)


def _batched_and_loop(
    panel: pd.DataFrame, spec: AllocatorSpec, monkeypatch: pytest.MonkeyPatch
) -> tuple[np.ndarray, np.ndarray]:
    """NCO's weights solved in one pass, and with one engine run per problem."""
    batched = optimize(panel, spec).weights.to_numpy()
    with monkeypatch.context() as patch:
        patch.setattr(inner_batch, "direct_solver", lambda objective, config: None)
        loop = optimize(panel, spec).weights.to_numpy()
    return batched, loop


@pytest.mark.parametrize(
    ("inner", "cv"),
    [
        ("min-variance", "ignore"),
        ("min-cvar", "ignore"),
        ("min-variance", None),
        pytest.param(
            ObjectiveSpec("mean-cvar", return_weight=2.0, alpha=0.9), 3, marks=pytest.mark.slow
        ),
        (ObjectiveSpec("mean-variance", risk_aversion=5.0), "ignore"),
    ],
)
def test_sp500_equals_the_engine_loop(
    sp500: pd.DataFrame, inner: object, cv: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sp500: the one-pass weights are the per-problem engine runs' to 1e-8."""
    batched, loop = _batched_and_loop(sp500, AllocatorSpec("nco", inner=inner, cv=cv), monkeypatch)
    assert np.abs(batched - loop).max() < TOL


@pytest.mark.slow
@pytest.mark.parametrize(
    ("inner", "cv"), [("min-variance", "ignore"), ("min-cvar", "ignore"), ("min-variance", None)]
)
def test_us400_equals_the_engine_loop(
    us400: pd.DataFrame, inner: str, cv: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """400 US stocks (13 clusters): the one-pass weights are the loop's to 1e-8."""
    batched, loop = _batched_and_loop(us400, AllocatorSpec("nco", inner=inner, cv=cv), monkeypatch)
    assert np.abs(batched - loop).max() < TOL


def _primal_cvar(returns: np.ndarray, alpha: float, lam: float) -> np.ndarray:
    """The Rockafellar-Uryasev primal LP (one row per scenario), scipy HiGHS."""
    t, n = returns.shape
    m = (1.0 - alpha) * t
    cost = np.concatenate([-lam * returns.mean(axis=0), [1.0], np.full(t, 1.0 / m)])
    rows = sp.hstack([sp.csr_matrix(-returns), -np.ones((t, 1)), -sp.eye(t)], format="csr")
    budget = np.concatenate([np.ones(n), np.zeros(t + 1)])[None, :]
    bounds = [(0, None)] * n + [(None, None)] + [(0, None)] * t
    res = linprog(cost, A_ub=rows, b_ub=np.zeros(t), A_eq=budget, b_eq=[1.0], bounds=bounds)
    return res.x[:n]


@pytest.mark.parametrize(("alpha", "lam"), [(0.95, 0.0), (0.9, 3.0)])
def test_cvar_dual_equals_the_primal_lp(sp500: pd.DataFrame, alpha: float, lam: float) -> None:
    """The dual's multipliers are the primal LP's optimal weights."""
    values = sp500.iloc[-800:, :12].to_numpy()
    dual = cvar_dual_weights(values, values.mean(axis=0), alpha, lam)
    assert dual is not None
    assert np.abs(dual - _primal_cvar(values, alpha, lam)).max() < TOL


def test_no_finish_only_route_runs_the_engine(
    sp500: pd.DataFrame, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Max-return (a linear objective: maybe no unique optimum) runs the engine per
    cluster, with an info line, and the same weights as the loop."""
    panel = sp500.iloc[-500:, :10]
    spec = AllocatorSpec("nco", inner="max-return", cv="ignore")
    with caplog.at_level(logging.INFO, logger="portfolio_sgd.allocators.inner_batch"):
        batched, loop = _batched_and_loop(panel, spec, monkeypatch)
    assert any("ran the engine one at a time" in r.getMessage() for r in caplog.records)
    assert np.abs(batched - loop).max() < TOL


@pytest.mark.parametrize(
    ("objective", "config"),
    [
        ("min-variance", EngineConfig(dtype="float32")),
        ("min-cvar", EngineConfig(cvar_polish=False)),
        (ObjectiveSpec("min-variance", shrinkage="ledoit-wolf"), EngineConfig()),
        ("inverse-volatility", EngineConfig()),
    ],
)
def test_finish_only_route_refused(objective: object, config: EngineConfig) -> None:
    """float32 data, no exact finish, shrinkage or an allocator: the engine's path."""
    assert direct_solver(objective, config) is None
