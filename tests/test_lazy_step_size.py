"""The step size is computed only when a step is taken (issue 25, fixed costs).

A run that the exact QP finish ends before its first step never runs the power
iterations of the default step size (``lr`` is then None); a run that steps gets the
same step size as before, ``0.5 / L`` from :func:`portfolio_sgd.engine.defaults.auto_lr`.
"""

from __future__ import annotations

import pandas as pd
import pytest

import portfolio_sgd.engine.setup as setup
from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.engine.defaults import auto_lr


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2016-01-01")


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every default step size computed (the power iterations' result)."""
    calls: list[float] = []

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(auto_lr(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(setup, "auto_lr", counted)
    return calls


def test_a_finish_before_the_first_step_never_computes_the_step_size(sp500, monkeypatch) -> None:
    calls = _counting(monkeypatch)
    result = optimize(sp500, "min-variance")
    assert result.steps == 0 and result.stop_reason == "exact finish"
    assert calls == [] and result.lr is None
    assert result.to_dict()["lr"] is None


def test_a_run_that_steps_gets_the_same_default_step_size(sp500, monkeypatch) -> None:
    calls = _counting(monkeypatch)
    result = optimize(sp500, "min-variance", config=EngineConfig(early_finish=False))
    assert result.steps > 0 and len(calls) == 1 and result.lr == calls[0] > 0


def test_an_explicit_step_size_is_reported_even_without_a_step(sp500) -> None:
    result = optimize(sp500, "min-variance", config=EngineConfig(lr=0.01))
    assert result.steps == 0 and result.lr == 0.01


def test_callbacks_are_shown_the_step_size_after_no_step(sp500) -> None:
    seen = []
    result = optimize(sp500, "min-variance", callbacks=[lambda view: seen.append(view.lr)])
    assert result.steps == 0 and seen and all(lr > 0 for lr in seen)
