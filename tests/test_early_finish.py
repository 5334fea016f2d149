"""Fewer exact passes: the early exact finish, the float32 phase and merged duplicate rows.

References: the complete Rockafellar-Uryasev LP (scipy HiGHS, one slack per scenario, no
window) and the engine with the old behaviour (``early_finish=False``,
``sgd_dtype="float64"``), whose answer is itself verified exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from test_cvar_polish import full_lp, value

from portfolio_sgd import EngineConfig, optimize
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.measures.kernels.cvar_lp import unique_rows
from portfolio_sgd.measures.kernels.cvar_polish import polish_cvar

OLD = EngineConfig(early_finish=False, sgd_dtype="float64")


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2016-01-01")


def test_early_finish_stops_the_continuation_at_the_exact_optimum(sp500) -> None:
    r = sp500.to_numpy()
    early = optimize(sp500, "cvar", config=EngineConfig(sgd_dtype="float64"), return_weight=2.0)
    late = optimize(sp500, "cvar", config=OLD, return_weight=2.0)
    reference = full_lp(r, 0.95, 2.0)
    assert early.stop_reason == "exact finish" and late.stop_reason != "exact finish"
    assert "early finish at step" in early.polish and early.polish.startswith("exact")
    assert early.steps < late.steps  # the point of it: fewer full-data passes
    assert np.abs(early.weights.to_numpy() - reference).sum() < 1e-7
    assert value(r, early.weights.to_numpy(), 0.95, 2.0) <= value(r, reference, 0.95, 2.0) + 1e-12
    assert early.converged


def test_early_finish_can_be_switched_off_and_skips_smooth_objectives(sp500) -> None:
    off = optimize(sp500, "cvar", config=EngineConfig(early_finish=False, steps=120, tol=None))
    assert off.steps == 120 and "early finish" not in off.polish
    kelly = optimize(sp500, "kelly")  # a smooth objective without an exact finish
    assert kelly.stop_reason != "exact finish" and "early" not in kelly.polish
    # min-variance has one since issue 25 (the QP on Sigma), tried before the first step
    mv = optimize(sp500, "min-variance")
    assert mv.stop_reason == "exact finish" and mv.polish.startswith("exact QP finish")
    assert mv.steps == 0


def test_float32_phase_gives_the_float64_optimum() -> None:
    # the whole sp500 history: on shorter ones the whole-data LP answers before any step
    sp500 = load_returns(dataset="sp500")
    seen: list[torch.dtype] = []
    auto = optimize(
        sp500,
        "cvar",
        config=EngineConfig(),
        return_weight=0.3,
        callbacks=[lambda view: seen.append(view.weights.dtype)],
    )
    exact64 = optimize(sp500, "cvar", config=OLD, return_weight=0.3)
    assert seen[0] == torch.float32  # the loop stepped on the float32 copy
    assert seen[-1] == torch.float64  # the finished weights are float64
    assert auto.polish.startswith("exact")
    a, b = auto.weights.to_numpy(), exact64.weights.to_numpy()
    assert np.abs(a - b).sum() < 1e-8
    assert abs(auto.objective_value - exact64.objective_value) < 1e-14


def test_float32_phase_is_not_used_where_no_exact_finish_follows(sp500) -> None:
    seen: list[torch.dtype] = []
    optimize(
        sp500,
        "cvar",
        config=EngineConfig(cvar_polish=False, steps=50, tol=None),
        callbacks=[lambda view: seen.append(view.weights.dtype)],
    )
    assert set(seen) == {torch.float64}


def test_sgd_dtype_settings_that_cannot_hold_are_errors(sp500) -> None:
    with pytest.raises(ConfigError, match="sgd_dtype float64 needs dtype float64"):
        optimize(sp500, "cvar", config=EngineConfig(dtype="float32", sgd_dtype="float64"))
    with pytest.raises(ConfigError, match="sgd_dtype float32 needs unweighted"):
        optimize(
            sp500.iloc[-300:],
            "cvar",
            half_life=50.0,
            config=EngineConfig(sgd_dtype="float32", steps=20, tol=None),
        )
    with pytest.raises(ConfigError, match="sgd_dtype must be"):
        EngineConfig(sgd_dtype="half")


def test_unique_rows_merges_identical_scenarios_with_counts() -> None:
    rows = np.array([[1.0, 2.0], [0.5, 0.5], [1.0, 2.0], [1.0, 2.0]])
    distinct, counts = unique_rows(rows)
    pairs = sorted(zip(map(tuple, distinct), counts, strict=True))
    assert pairs == [((0.5, 0.5), 1.0), ((1.0, 2.0), 3.0)]
    plain = np.array([[1.0, 2.0], [1.0, 2.0 + 1e-16 * 4]])  # not bitwise equal: kept apart
    assert unique_rows(plain)[0].shape == (2, 2)


def test_polish_on_repeated_rows_is_the_full_lp_optimum(sp500) -> None:
    """A bootstrap-like set (every row 5 times, shuffled): the merged LP is still exact."""
    base = sp500.to_numpy()[-250:]
    r = np.repeat(base, 5, axis=0)[np.random.default_rng(3).permutation(1250)]
    n = r.shape[1]
    feasible = Constraints().linear_oracle(n)
    data = torch.from_numpy(r.copy())
    start = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    w, rows = polish_cvar(data, data.mean(0), start, feasible, 0.95, torch.tensor([1.0]))
    reference = full_lp(r, 0.95, 1.0)
    assert rows[0].exact
    assert rows[0].window_rows <= 250  # distinct rows only
    assert value(r, w[0].numpy(), 0.95, 1.0) <= value(r, reference, 0.95, 1.0) + 1e-12
    assert np.abs(w[0].numpy() - reference).sum() < 1e-7


def test_auto_float32_phase_is_capped_by_the_copy_size(sp500, monkeypatch) -> None:
    import portfolio_sgd.engine.precision as precision

    monkeypatch.setattr(precision, "AUTO_COPY_BYTES", 1000)  # sp500 needs ~160 KB
    seen: list[torch.dtype] = []
    res = optimize(
        sp500,
        "cvar",
        config=EngineConfig(steps=60, tol=None),
        callbacks=[lambda view: seen.append(view.weights.dtype)],
    )
    assert set(seen) == {torch.float64} and res.steps <= 60


def test_certificate_on_repeated_rows_is_tight_and_valid(sp500) -> None:
    """The dual LP merges identical scenarios too: the bound stays below f* and is tight."""
    from portfolio_sgd.certificate import optimality_gap

    base = sp500.to_numpy()[-300:]
    r = np.repeat(base, 4, axis=0)[np.random.default_rng(8).permutation(1200)]
    reference = full_lp(r, 0.95, 1.0)
    best = value(r, reference, 0.95, 1.0)
    cert = optimality_gap("cvar", r, reference, return_weight=1.0, alpha=0.95)
    lower = float(cert.lower_bound[0])
    assert lower <= best + 1e-13
    assert best - lower < 1e-9 * abs(best)
    off = optimality_gap("cvar", r, np.full(r.shape[1], 1.0 / r.shape[1]), return_weight=1.0)
    assert float(off.lower_bound[0]) <= best + 1e-13  # valid from a poor point as well
