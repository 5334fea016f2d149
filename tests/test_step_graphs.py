"""Step graphs: warm-up, capture and replay per regime, and the engine's regime key.

CUDA graphs need a GPU; here a fake graph stands in for ``torch.cuda.CUDAGraph``: it
"captures" the step closure and calls that same closure on every replay. A replayed real
graph also runs with the constants of capture time, so if the engine's regime key missed a
constant the step reads (a new step size, batch size or smoothing), the fake-graph run
would drift from the eager run below.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import torch

import portfolio_sgd.engine.step_graphs as step_graphs_module
from portfolio_sgd import optimize, settings_from_options
from portfolio_sgd.engine.step_graphs import StepGraphs


class FakeGraph:
    """Captures a step closure; replay runs it again (as a CUDA graph replays kernels)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.step = None

    def capture(self, step) -> None:  # noqa: ANN001 - a step closure
        if self.fail:
            raise RuntimeError("operation not permitted when stream is capturing\nmore")
        self.step = step

    def replay(self) -> None:
        self.step()


def test_warmup_then_capture_then_replay() -> None:
    calls = []
    graphs = StepGraphs(True, graph_factory=FakeGraph, warmup=2)
    for i in range(5):
        graphs.run("a", functools.partial(calls.append, ("a", i)))
    # steps 0, 1 eager; step 2 captured (the fake does not run it) and replayed
    # with the captured closure, as are steps 3 and 4
    assert calls == [("a", 0), ("a", 1), ("a", 2), ("a", 2), ("a", 2)]
    assert graphs.captures == 1 and graphs.replays == 3
    assert graphs.summary() == "1 captured, 3 replayed steps"


def test_new_regime_recaptures_and_none_runs_eagerly() -> None:
    calls = []
    graphs = StepGraphs(True, graph_factory=FakeGraph, warmup=1)
    for i in range(3):
        graphs.run("a", functools.partial(calls.append, i))
    graphs.run(None, functools.partial(calls.append, "eager"))
    for i in range(3, 6):
        graphs.run("b", functools.partial(calls.append, i))
    assert calls == [0, 1, 1, "eager", 3, 4, 4]
    assert graphs.captures == 2


def test_capture_failure_falls_back_to_eager_for_good() -> None:
    calls = []
    graphs = StepGraphs(True, graph_factory=functools.partial(FakeGraph, fail=True), warmup=1)
    for i in range(4):
        graphs.run("a", functools.partial(calls.append, i))
    assert calls == [0, 1, 2, 3]
    assert not graphs.enabled and graphs.captures == 0
    assert graphs.summary() == (
        "failed (RuntimeError: operation not permitted when stream is capturing); eager"
    )


def test_disabled_is_plain_eager() -> None:
    calls = []
    graphs = StepGraphs(False)
    for i in range(3):
        graphs.run("a", functools.partial(calls.append, i))
    assert calls == [0, 1, 2] and graphs.summary() == "off"


@pytest.mark.parametrize(
    "options",
    [
        # geometric growth, jump to full, momentum raise (the loop, not the exact QP finish)
        {"objective": "min-variance", "early_finish": False},
        # smoothing stages change tau and lr every 50 steps (the loop: on 3000 rows the
        # whole-data LP would answer before the first step)
        {"objective": "cvar", "early_finish": False},
        {
            "objective": "mean-variance",
            "batch_schedule": "linear-scaling",
            "steps": 260,
            "tol": None,
        },
        {
            "objective": "kelly",
            "averaging": "polyak",
            "batch_schedule": "constant",
            "steps": 150,
            "momentum": 0.0,
        },
    ],
)
def test_engine_with_replayed_steps_matches_eager(
    sp500_returns, monkeypatch: pytest.MonkeyPatch, options: dict
) -> None:
    data = sp500_returns.iloc[:3000]
    settings = settings_from_options({**options, "seed": 3})
    eager = optimize(data, *settings)
    monkeypatch.setattr(
        step_graphs_module,
        "make_step_graphs",
        lambda enabled, generator: StepGraphs(True, generator, graph_factory=FakeGraph),
    )
    graphed = optimize(data, *settings)
    assert graphed.step_graphs.endswith("replayed steps")
    assert int(graphed.step_graphs.split()[0]) >= 1
    np.testing.assert_array_equal(graphed.weights.to_numpy(), eager.weights.to_numpy())
    # every evaluation along the way too (the reported weights are the best iterate)
    pd.testing.assert_frame_equal(graphed.history, eager.history)
    assert graphed.steps == eager.steps
    assert graphed.objective_value == eager.objective_value


def test_cpu_runs_report_graphs_off(sp500_returns) -> None:
    res = optimize(sp500_returns.iloc[:500], objective="min-variance", steps=10, device="cpu")
    assert res.step_graphs == "off"
    assert res.to_dict()["step_graphs"] == "off"


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU (torch.cuda.is_available() is False)"
)
def test_cuda_graphs_match_eager_on_gpu(sp500_returns) -> None:
    for objective in ("min-variance", "cvar"):
        base = dict(objective=objective, device="cuda", dtype="float32", seed=0)
        eager = optimize(sp500_returns, *settings_from_options({**base, "cuda_graphs": False}))
        graphed = optimize(sp500_returns, *settings_from_options(base))
        assert "replayed" in graphed.step_graphs
        np.testing.assert_allclose(graphed.weights, eager.weights, atol=1e-6)
