"""Sharded data-parallel runs (portfolio_sgd.distributed) on local gloo ranks.

The 1-rank results come from this process (a group of one); the 2-rank ones from two
spawned processes on 127.0.0.1 (gloo, a free port). Sampling filters one global index
stream, so the answers agree to rounding: objective to 1e-10 relative, weights to 1e-8.
"""

from __future__ import annotations

import distributed_jobs as jobs
import numpy as np
import pytest
import torch

import portfolio_sgd as ps
from portfolio_sgd.distributed import row_range
from portfolio_sgd.distributed.launch import run_local
from portfolio_sgd.distributed.problem import moment_rows
from portfolio_sgd.distributed.sampling import GlobalIndexSampler
from portfolio_sgd.errors import ConfigError

SYNTHETIC_ROWS = 5_000


# The tests on these two fixtures are marked slow: together they run every objective on
# sp500 three times (two spawned ranks, each importing torch, and this process).
@pytest.fixture(scope="module")
def two_ranks() -> dict:
    return run_local(jobs.optimize_all, 2, SYNTHETIC_ROWS)


@pytest.fixture(scope="module")
def one_rank() -> dict:
    return jobs.optimize_all(SYNTHETIC_ROWS)


@pytest.mark.slow
def test_two_ranks_agree_with_one_for_every_objective(one_rank, two_ranks) -> None:
    keys = [k for k in one_rank if k not in ("selection", "frontier")]
    assert len(keys) == len(jobs.OBJECTIVES) + 2
    for key in keys:
        value1, w1, stop1 = one_rank[key]
        value2, w2, stop2 = two_ranks[key]
        assert abs(value2 - value1) <= 1e-10 * abs(value1), key
        assert np.abs(w2 - w1).max() <= 1e-8, key
        assert stop1 == stop2 == "tolerance", key


@pytest.mark.slow
def test_sharded_answers_match_the_single_process_run(one_rank) -> None:
    returns, bench = jobs.sp500_panel()
    for name in ("min-variance", "cvar", "risk-parity"):  # both with the exact finish
        single = ps.optimize(returns, name, seed=0)
        value, _, _ = one_rank[("sp500", name)]
        assert abs(value - single.objective_value) <= 1e-9 * abs(single.objective_value), name


@pytest.mark.slow
def test_frontier_runs_split_among_ranks_match_one_process(one_rank, two_ranks) -> None:
    returns, _ = jobs.sp500_panel()
    single = ps.efficient_frontier(returns.iloc[:, :8], points=4).weights.to_numpy()
    np.testing.assert_allclose(one_rank["frontier"], single, rtol=0, atol=1e-12)
    assert two_ranks["frontier"].shape == single.shape
    np.testing.assert_allclose(two_ranks["frontier"], single, rtol=0, atol=2e-3)


@pytest.mark.slow
def test_distributed_kth_smallest_is_exact(two_ranks) -> None:
    for got, want in two_ranks["selection"]:
        assert got == want


# Reading only a rank's rows of a file: tests/test_distributed_reading.py.


def test_filtered_global_stream_is_the_single_process_batch() -> None:
    draws = []
    for rank in range(3):
        lo, hi = row_range(50, rank, 3)
        gen = torch.Generator().manual_seed(5)
        sampler = GlobalIndexSampler(50, lo, hi - lo, 2, gen, torch.device("cpu"))
        runs, rows = sampler.local_entries([7, 4])
        draws += [(int(k), int(i) + lo) for k, i in zip(runs, rows, strict=True)]
    full = torch.randint(50, (2, 7), generator=torch.Generator().manual_seed(5))
    want = [(k, int(full[k, j])) for k in range(2) for j in range(7 if k == 0 else 4)]
    assert sorted(draws) == sorted(want)


def test_moment_rows_keep_mean_and_second_moment() -> None:
    r = torch.as_tensor(jobs.synthetic_panel(500, 6))
    mean, second = r.mean(dim=0), r.T @ r / 500
    rows = moment_rows(mean, second)
    assert rows.shape == (12, 6)
    torch.testing.assert_close(rows.mean(dim=0), mean, rtol=0, atol=1e-15)
    torch.testing.assert_close(rows.T @ rows / 12, second, rtol=1e-12, atol=1e-18)


def test_unshardable_settings_are_refused(sp500_returns) -> None:
    with pytest.raises(ConfigError, match="bootstrap cannot run sharded"):
        ps.optimize(sp500_returns, "min-variance", distributed=True, bootstrap=10)
    config = ps.EngineConfig(sampling="shuffle")
    with pytest.raises(ConfigError, match="samples with replacement"):
        ps.optimize(sp500_returns, "min-variance", config=config, distributed=True)


def test_split_option_is_read_off_the_command_line() -> None:
    from portfolio_sgd.__main__ import split_mode

    assert split_mode(["frontier", "--split", "runs", "--points", "4"]) == (
        "runs",
        ["frontier", "--points", "4"],
    )
    assert split_mode(["optimize", "--split=data"]) == ("data", ["optimize"])
    assert split_mode(["optimize"]) == ("data", ["optimize"])
    with pytest.raises(ConfigError, match="--split must be 'data' or 'runs'"):
        split_mode(["optimize", "--split", "rows"])
