"""Engine behaviour: determinism, batching, sampling, schedules, stopping and errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from portfolio_sgd import (
    ConfigError,
    Constraints,
    DataError,
    DivergenceError,
    EngineConfig,
    InfeasibleConstraintError,
    optimize,
    optimize_many,
    settings_from_options,
)
from portfolio_sgd.engine.prepare import prepare_data
from portfolio_sgd.engine.sampling import BatchSampler, Sampling
from portfolio_sgd.engine.schedules import BatchSchedule, batch_growth_factor, batch_sizes_at

SMALL = EngineConfig(steps=300, tol=None)


def test_same_seed_same_weights(sp500_returns) -> None:
    a = optimize(sp500_returns, "min-variance", config=SMALL, batch_size=64, seed=3)
    b = optimize(sp500_returns, "min-variance", config=SMALL, batch_size=64, seed=3)
    np.testing.assert_array_equal(a.weights.to_numpy(), b.weights.to_numpy())
    # the seed moves the SGD phase; the exact finish then lands on the same optimum
    # (started at the KKT guess, which does not depend on the loop's weights)
    sgd = dataclasses.replace(SMALL, cvar_polish=False)
    c = optimize(sp500_returns, "min-variance", config=sgd, batch_size=64, seed=3)
    d = optimize(sp500_returns, "min-variance", config=sgd, batch_size=64, seed=4)
    assert not np.array_equal(c.weights.to_numpy(), d.weights.to_numpy())


def test_result_records_everything(sp500_returns) -> None:
    res = optimize(
        sp500_returns,
        "kelly",
        config=dataclasses.replace(SMALL, batch_schedule="constant"),
        batch_size=32,
        seed=1,
    )
    d = res.to_dict()
    assert list(res.weights.index) == list(sp500_returns.columns)
    for key in ("weights", "objective_value", "steps", "samples_seen", "device", "dtype", "seed"):
        assert key in d
    assert res.steps == 300 and res.device == "cpu" and res.seed == 1
    assert res.samples_seen == 300 * 32
    assert res.epochs == pytest.approx(300 * 32 / len(sp500_returns))
    assert not res.history.empty and res.history["step"].iloc[-1] == 300
    x = sp500_returns.to_numpy() @ res.weights.to_numpy()
    assert res.objective_value == pytest.approx(-np.log1p(x).mean(), rel=1e-10)


def test_geometric_schedule_grows_to_the_full_data(sp500_returns) -> None:
    res = optimize(
        sp500_returns,
        objective="min-variance",
        batch_size=32,
        seed=0,
        config=EngineConfig(early_finish=False),
    )  # observes the SGD loop: the exact QP finish would end it before the first step
    sizes = res.history["batch_size"].to_numpy()
    assert sizes[0] >= 32 and np.all(np.diff(sizes) >= 0)
    assert sizes[-1] == len(sp500_returns) and res.stop_reason == "tolerance"


def test_batched_runs_share_one_tensor_and_match_their_settings(sp500_returns) -> None:
    batch = optimize_many(
        sp500_returns,
        "mean-variance",
        config=EngineConfig(batch_schedule="constant", steps=400, tol=None, seed=0),
        batch_sizes=[16, 256],
        risk_aversions=[5.0, 50.0],
        repeats=2,
    )
    assert batch.weights.shape == (8, 20)
    assert list(batch.runs["batch_size"]) == [16] * 4 + [256] * 4
    np.testing.assert_allclose(batch.weights.sum(axis=1), 1.0, atol=1e-9)
    # higher risk aversion -> lower portfolio variance, for each batch size (large m: low noise)
    big = batch.runs[batch.runs.batch_size == 256]
    var = (sp500_returns.to_numpy() @ batch.weights.to_numpy().T).var(axis=0)
    low = var[big.index[big.risk_aversion == 5.0]].mean()
    high = var[big.index[big.risk_aversion == 50.0]].mean()
    assert high < low
    assert batch.runs["samples_seen"].tolist() == [16 * 400] * 4 + [256 * 400] * 4


def test_float32_matches_float64(sp500_returns) -> None:
    a = optimize(sp500_returns, objective="min-variance", dtype="float64", seed=0)
    b = optimize(sp500_returns, objective="min-variance", dtype="float32", seed=0)
    assert b.dtype == "float32"
    np.testing.assert_allclose(a.weights.to_numpy(), b.weights.to_numpy(), atol=5e-3)
    assert b.objective_value == pytest.approx(a.objective_value, rel=1e-3)


def test_divergence_names_the_learning_rate(sp500_returns) -> None:
    """A huge step on a long-short Kelly problem drives 1 + x below 0: a clear error."""
    with pytest.raises(DivergenceError, match=r"learning rate 1e\+06"):
        optimize(
            sp500_returns,
            "kelly",
            Constraints(min_weight=-5.0, max_weight=5.0, long_short=True),
            EngineConfig(lr=1e6, steps=100, eval_every=10),
        )


def test_infeasible_constraints_fail_before_any_step(sp500_returns) -> None:
    with pytest.raises(InfeasibleConstraintError, match="max_weight 0.04 x 20"):
        optimize(sp500_returns, max_weight=0.04)
    with pytest.raises(InfeasibleConstraintError, match="min_weight"):
        optimize(sp500_returns, min_weight=0.3, max_weight=0.2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"lr": -1.0},
        {"optimizer": "lbfgs"},
        {"steps": 0},
        {"dtype": "float16"},
        {"device": "tpu"},
    ],
)
def test_bad_engine_options(kwargs: dict, sp500_returns) -> None:
    with pytest.raises(ConfigError):
        optimize(sp500_returns, *settings_from_options(kwargs))


def test_cuda_request_without_cuda_is_a_clear_error(sp500_returns) -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ConfigError, match="CUDA is not available"):
        optimize(sp500_returns, device="cuda")


def test_stops_on_time_budget_and_epochs(sp500_returns) -> None:
    res = optimize(
        sp500_returns,
        "min-variance",
        config=EngineConfig(time_budget=0.3, tol=None, batch_schedule="constant"),
    )
    assert res.stop_reason == "time budget" and res.wall_time < 5
    res = optimize(
        sp500_returns,
        "min-variance",
        config=EngineConfig(epochs=2, batch_size=100, batch_schedule="constant", tol=None),
    )
    assert res.stop_reason in ("epochs", "max steps")
    assert res.samples_seen == pytest.approx(2 * len(sp500_returns), abs=100)


def test_shuffled_epochs_visit_every_row_once() -> None:
    gen = torch.Generator().manual_seed(0)
    sampler = BatchSampler(100, 2, Sampling.SHUFFLE, gen, torch.device("cpu"), torch.float64)
    rows = [sampler.draw([10, 10]) for _ in range(10)]
    epoch = torch.cat(rows, dim=1)
    for k in range(2):
        assert sorted(epoch[k].tolist()) == list(range(100))


def test_replacement_sampling_is_uniform() -> None:
    gen = torch.Generator().manual_seed(0)
    sampler = BatchSampler(10, 1, Sampling.REPLACEMENT, gen, torch.device("cpu"), torch.float64)
    counts = torch.bincount(
        torch.cat([sampler.draw([1000]) for _ in range(20)], 1)[0], minlength=10
    )
    assert counts.min() > 1700 and counts.max() < 2300  # 2000 expected per row


def test_batch_size_schedules() -> None:
    assert batch_growth_factor(BatchSchedule.CONSTANT, 500, 2.0, 50) == 1.0
    assert batch_growth_factor(BatchSchedule.GEOMETRIC, 120, 2.0, 50) == 4.0
    assert batch_growth_factor(BatchSchedule.LOG_GROWTH, 9, 0.5, 1) == pytest.approx(
        1 + 0.5 * np.log(10)
    )
    assert batch_sizes_at([8, 64], 4.0, 100) == [32, 100]


def test_linear_scaling_keeps_lr_over_m_constant(sp500_returns) -> None:
    """With eta proportional to m, SGD steps equal plain SGD with a scaled step size."""
    common = dict(
        objective="min-variance",
        optimizer="sgd",
        momentum=0.0,
        precondition=False,
        lr=5.0,
        seed=0,
        tol=None,
    )
    n_rows = sp500_returns.shape[0]
    a = optimize(
        sp500_returns,
        *settings_from_options(
            dict(
                batch_size=n_rows,
                batch_schedule="linear-scaling",
                batch_growth=2.0,
                growth_every=10**6,
                steps=50,
                **common,
            )
        ),
    )
    b = optimize(
        sp500_returns,
        *settings_from_options(
            dict(batch_size=n_rows, batch_schedule="constant", steps=50, **common)
        ),
    )
    np.testing.assert_allclose(a.weights.to_numpy(), b.weights.to_numpy(), atol=1e-12)


def test_warm_start_from_optimum_stays_there(sp500_returns) -> None:
    loop = EngineConfig(
        early_finish=False, cvar_polish=False
    )  # observes the SGD loop: the exact QP finish would end it before the first step
    first = optimize(sp500_returns, objective="min-variance", seed=0, config=loop)
    again = optimize(
        sp500_returns, objective="min-variance", seed=0, init_weights=first.weights, config=loop
    )
    assert again.steps < first.steps
    np.testing.assert_allclose(again.weights.to_numpy(), first.weights.to_numpy(), atol=1e-5)


def test_estimator_api(sp500_returns) -> None:
    from portfolio_sgd import SGDPortfolio

    model = SGDPortfolio(objective="min-variance", seed=0, max_weight=0.2)
    assert model.fit(sp500_returns) is model
    assert model.weights_.max() <= 0.2 + 1e-12
    pred = model.predict(sp500_returns)
    np.testing.assert_allclose(
        pred.to_numpy(), sp500_returns.to_numpy() @ model.weights_.to_numpy()
    )
    assert model.get_params()["max_weight"] == 0.2


def test_tensor_input_is_used_in_place_and_matches_numpy(sp500_returns) -> None:
    values = sp500_returns.to_numpy()[:2000]
    tensor = torch.from_numpy(values.copy())
    from_numpy = optimize(values, objective="min-variance", seed=1)
    from_tensor = optimize(tensor, objective="min-variance", seed=1)
    # (equal up to BLAS rounding: the buffers' alignment differs)
    np.testing.assert_allclose(from_tensor.weights, from_numpy.weights, rtol=0, atol=1e-12)
    prepared = prepare_data(tensor, *settings_from_options({"objective": "min-variance"}))
    assert prepared.problem.returns.data_ptr() == tensor.data_ptr()  # no copy
    bad = tensor.clone()
    bad[5, 3] = float("nan")
    with pytest.raises(DataError, match="asset_3.*non-finite value nan on row 5"):
        optimize(bad)
    with pytest.raises(DataError, match="2-D float tensor"):
        optimize(torch.ones(10, dtype=torch.int64))
