"""Decisions by counted work, not by the clock: the same command takes the same path.

The early exact finish used to space its attempts by wall time, so a loaded machine took
a different path (and returned different weights) than a quiet one. Here the clock runs
1000x fast and every finish attempt is delayed: weights, steps and the finish's account
must be identical, bit for bit.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.engine import early_finish
from portfolio_sgd.measures.kernels import cvar_polish, qp_finish


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2016-01-01")


def _slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    real = time.perf_counter
    origin = real()
    monkeypatch.setattr(time, "perf_counter", lambda: origin + 1000.0 * (real() - origin))
    for module, name in ((cvar_polish, "polish_cvar"), (qp_finish, "polish_quadratic")):
        inner = getattr(module, name)

        def delayed(*args, _inner=inner, **kwargs):  # noqa: ANN002, ANN003, ANN202
            time.sleep(0.05)
            return _inner(*args, **kwargs)

        monkeypatch.setattr(module, name, delayed)


def _strip_seconds(text: str) -> str:
    """The finish's account without its wall-clock seconds."""
    import re

    return re.sub(r"[0-9.]+ s\b", "<s>", text)


@pytest.mark.parametrize(
    ("objective", "kw"),
    [("cvar", {"return_weight": 2.0}), ("cvar", {"alpha": 0.9})],
)
def test_cvar_early_finish_path_is_the_same_under_load(sp500, monkeypatch, objective, kw) -> None:
    config = EngineConfig(sgd_dtype="float64")
    quiet = optimize(sp500, objective, config=config, seed=3, **kw)
    _slow_machine(monkeypatch)
    loaded = optimize(sp500, objective, config=config, seed=3, **kw)
    assert "early finish" in quiet.polish
    assert np.array_equal(quiet.weights.to_numpy(), loaded.weights.to_numpy())
    assert quiet.steps == loaded.steps and quiet.stop_reason == loaded.stop_reason
    assert _strip_seconds(quiet.polish) == _strip_seconds(loaded.polish)


def test_qp_finish_path_is_the_same_under_load(monkeypatch) -> None:
    """600 assets, 1259 days: the loop steps until its counted work pays for the finish."""
    returns = load_returns(dataset="us-stocks-2500")
    full = returns.columns[returns.notna().all().to_numpy()]
    us = returns.loc[:, full[:600]]
    quiet = optimize(us, "min-variance", seed=1)
    _slow_machine(monkeypatch)
    loaded = optimize(us, "min-variance", seed=1)
    assert quiet.stop_reason == "exact finish" and quiet.steps > 0
    assert np.array_equal(quiet.weights.to_numpy(), loaded.weights.to_numpy())
    assert quiet.steps == loaded.steps
    assert _strip_seconds(quiet.polish) == _strip_seconds(loaded.polish)


def test_attempts_wait_for_spacing_times_their_counted_work(sp500) -> None:
    """The rule itself: after an attempt of work ``a`` the next waits for ``SPACING a``."""
    from portfolio_sgd.engine import Problem

    problem = Problem(
        returns=__import__("torch").tensor(sp500.to_numpy()),
        mean=__import__("torch").tensor(sp500.to_numpy().mean(axis=0)),
        spec=__import__("portfolio_sgd").objectives.ObjectiveSpec("cvar"),
        constraints=__import__("portfolio_sgd").Constraints(),
    )
    policy = early_finish.EarlyFinish(problem, EngineConfig(), every=50)
    policy.loop_work, policy.wait_until = 10.0, 0.0
    assert policy.due(50, full=True) and not policy.due(50, full=False)
    assert not policy.due(49, full=True)  # CVaR: only at the ends of smoothing stages
    policy.wait_until = 11.0
    assert not policy.due(50, full=True)
    policy.count_step([problem.n_rows])
    assert policy.loop_work == 10.0 + early_finish.STEP_OVERHEAD + 2.0 * problem.n_rows * 20
    assert policy.due(100, full=True)


def _hog(stop) -> None:  # noqa: ANN001 - a threading.Event
    """CPU load beside the solve: BLAS products (they release the GIL) and Python work."""
    a = np.random.default_rng(0).standard_normal((300, 300))
    while not stop.is_set():
        a = np.tanh(a @ a.T / 300.0)


@pytest.mark.parametrize(("objective", "kw"), [("cvar", {"alpha": 0.9}), ("min-variance", {})])
def test_same_bits_with_a_cpu_hog_alongside(sp500, objective, kw) -> None:
    """Issue 25, item 5: the same optimize twice, quiet and with a CPU-bound thread
    running alongside, gives bitwise-identical weights, steps and finish account; no LP
    of the path carries a clock limit."""
    import threading

    config = EngineConfig(sgd_dtype="float64")
    quiet = optimize(sp500, objective, config=config, seed=5, **kw)
    stop = threading.Event()
    hogs = [threading.Thread(target=_hog, args=(stop,), daemon=True) for _ in range(2)]
    for h in hogs:
        h.start()
    try:
        loaded = optimize(sp500, objective, config=config, seed=5, **kw)
    finally:
        stop.set()
        for h in hogs:
            h.join()
    assert np.array_equal(quiet.weights.to_numpy(), loaded.weights.to_numpy())
    assert quiet.steps == loaded.steps and quiet.stop_reason == loaded.stop_reason
    assert _strip_seconds(quiet.polish) == _strip_seconds(loaded.polish)
    assert early_finish.ATTEMPT_OPTIONS.time_limit is None
    assert cvar_polish.PolishOptions().time_limit is None
