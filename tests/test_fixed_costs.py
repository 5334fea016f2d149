"""The fixed costs of one ``optimize`` call (issue 25): work done once, same answers.

References: the certificate computed from the data alone (``optimality_gap`` with no
``mean``), the closed-form long-only min-variance QP solved by scipy (SLSQP at a tight
tolerance), and NumPy's own column extrema for the validation's checks.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.optimize import minimize

from portfolio_sgd import optimize
from portfolio_sgd.certificate.api import optimality_gap
from portfolio_sgd.certificate.engine_output import certify
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.data.inputs import validate_returns_input
from portfolio_sgd.engine import loop
from portfolio_sgd.engine.config import EngineConfig
from portfolio_sgd.engine.prepare import prepare_data
from portfolio_sgd.errors import DataError
from portfolio_sgd.results.single import ticker_index
from portfolio_sgd.solvers.settings import resolve_settings


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    values = rng.standard_t(5, size=(600, 6)) * 0.01 + np.linspace(0, 0.001, 6)
    index = pd.bdate_range("2020-01-01", periods=600)
    return pd.DataFrame(values, index=index, columns=[f"A{i}" for i in range(6)])


def _prepared(frame: pd.DataFrame, dtype: str = "float64"):  # noqa: ANN202
    spec, cons, config = resolve_settings("min-variance", None, None, dtype=dtype)
    return prepare_data(frame, spec, cons, config), config


def test_the_certificate_reuses_the_problem_mean_to_the_bit(frame) -> None:
    prepared, _ = _prepared(frame)
    problem = prepared.problem
    w = torch.full((1, 6), 1.0 / 6, dtype=torch.float64)
    ours = certify(problem, w)
    alone = optimality_gap(problem.spec, problem.returns, w, feasible=problem.feasible)
    for field in dataclasses.fields(alone):
        a, b = getattr(ours, field.name), getattr(alone, field.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, field.name


def test_the_linear_oracle_and_the_finish_check_are_made_once_per_problem(frame) -> None:
    problem = _prepared(frame)[0].problem
    assert problem.feasible is problem.feasible
    assert problem.finish_applies is True
    variant = dataclasses.replace(problem, constraints=Constraints(max_weight=0.3))
    assert variant.feasible is not problem.feasible  # a new problem, a new oracle
    assert float(variant.feasible.minimize(torch.ones(1, 6, dtype=torch.float64)).max()) <= 0.3


def test_a_step_zero_finish_evaluates_the_start_once(frame, monkeypatch) -> None:
    calls: list[int] = []
    original = loop.evaluate

    def counting(*args, **kwargs):  # noqa: ANN202, ANN002, ANN003
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(loop, "evaluate", counting)
    res = optimize(frame, "min-variance", seed=0)
    assert res.stop_reason == "exact finish" and res.steps == 0
    assert calls == []  # set-up's evaluation of the start is reused
    r = frame.to_numpy()
    sigma = np.cov(r, rowvar=False, bias=True)
    ref = minimize(
        lambda w: w @ sigma @ w,
        np.full(6, 1 / 6),
        jac=lambda w: 2 * sigma @ w,
        bounds=[(0, 1)] * 6,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 500},
    )
    w = res.weights.to_numpy()
    assert w @ sigma @ w <= ref.fun * (1 + 1e-9)
    assert (
        res.converged
        and res.history.empty
        and list(res.history.columns)
        == [
            "step",
            "samples",
            "batch_size",
            "batch_loss",
            "objective",
        ]
    )
    assert all(str(d) == "float64" for d in res.history.dtypes)


def test_a_reported_start_other_than_the_iterate_is_evaluated(frame, monkeypatch) -> None:
    calls: list[int] = []
    original = loop.evaluate
    monkeypatch.setattr(loop, "evaluate", lambda *a, **k: calls.append(1) or original(*a, **k))
    config = EngineConfig(seed=0)
    optimize(frame, "risk-parity", config=config)  # reports y / sum(y): not the iterate
    assert calls == [1]


def test_validation_checks_the_frame_before_its_row_major_copy(frame) -> None:
    values, tickers, index = validate_returns_input(frame)
    assert values.flags.c_contiguous and values.flags.writeable
    assert np.array_equal(values, frame.to_numpy()) and tickers == list(frame.columns)
    bad = frame.copy()
    bad.iloc[7, 4] = np.nan
    bad.iloc[9, 2] = np.inf
    with pytest.raises(
        DataError, match=r"column 'A4' has non-finite value nan on 2020-01-10 \(2 non-finite"
    ):
        validate_returns_input(bad)


def test_ticker_indexes_share_data_not_names() -> None:
    a, b = ticker_index(["x", "y"]), ticker_index(["x", "y"])
    a.name = "first"
    assert b.name is None and list(b) == ["x", "y"] and b.equals(pd.Index(["x", "y"]))
