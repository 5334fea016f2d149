"""No full copies of the returns between a Parquet file and the engine (issue 15, peak RSS).

NumPy reports its allocations to :mod:`tracemalloc`, so the peak of traced memory while
reading counts every (T, N) NumPy copy made on the way (Arrow's own buffers are not
traced; they are bounded by :data:`~portfolio_sgd.data.parquet_wide.CHUNK_BYTES`).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import load_returns
from portfolio_sgd.data.inputs import validate_returns_input
from portfolio_sgd.data.readers import _finish, _raw_to_wide, _read_parquet_raw, read_table
from portfolio_sgd.errors import DataError
from portfolio_sgd.measures import performance as metrics


def _frame(n_rows: int = 2_000, n_cols: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2000-01-03", periods=n_rows, freq="D", name="Date")
    values = rng.normal(0.0, 0.01, (n_rows, n_cols))
    return pd.DataFrame(values, index=dates, columns=[f"A{i}" for i in range(n_cols)])


def _general(path, dtype: str) -> pd.DataFrame:
    """The reader without the fast path (the whole table through pandas)."""
    raw, index = _read_parquet_raw(path, str(path))
    return _finish(_raw_to_wide(raw, index, str(path), None, dtype), str(path))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", ["index", "date column", "unnamed index", "ints and nulls"])
def test_fast_parquet_path_equals_the_general_reader(tmp_path, dtype, shape):
    frame = _frame(200, 5)
    if shape == "date column":
        frame = frame.reset_index()
        frame["Date"] = frame["Date"].dt.strftime("%Y-%m-%d")
    elif shape == "unnamed index":
        frame.index.name = None
    elif shape == "ints and nulls":
        frame["A1"] = np.arange(200, dtype=np.int64)
        frame.iloc[3, 2] = np.nan
    path = tmp_path / "r.parquet"
    frame.to_parquet(path, index=shape != "date column")
    fast, slow = read_table(path, dtype=dtype), _general(path, dtype)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.to_numpy().flags.c_contiguous


def test_float32_overflow_names_the_cell_as_before(tmp_path):
    frame = _frame(50, 3)
    frame.iloc[7, 1] = 1e300
    path = tmp_path / "big.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataError) as fast:
        read_table(path, dtype="float32")
    with pytest.raises(DataError) as slow:
        _general(path, "float32")
    assert str(fast.value) == str(slow.value)
    assert "column 'A1' row 2000-01-10 has out-of-range value 1e+300" in str(fast.value)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_parquet_to_engine_input_makes_one_array(tmp_path, dtype):
    """File -> load_returns -> validate_returns_input: one (T, N) array, then views only."""
    frame = _frame(20_000, 40)
    path = tmp_path / "r.parquet"
    frame.to_parquet(path)
    del frame
    size = 20_000 * 40 * np.dtype(dtype).itemsize
    tracemalloc.start()
    try:
        returns = load_returns(returns_path=path, dtype=dtype)
        values, _, _ = validate_returns_input(returns, dtype=dtype)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert values.dtype == np.dtype(dtype) and values.flags.c_contiguous
    assert values.flags.writeable
    assert np.shares_memory(values, returns.to_numpy())  # no copy for the engine
    assert peak < 1.3 * size + 2e6, peak / size  # a second (T, N) copy would be >= 2x


def test_optimize_leaves_the_shared_frame_unchanged():
    frame = _frame(400, 6)
    before = frame.to_numpy().copy()
    from portfolio_sgd import optimize

    optimize(frame, "cvar", steps=60)
    np.testing.assert_array_equal(frame.to_numpy(), before)


def test_portfolio_returns_of_float32_without_a_float64_copy():
    values = _frame(50_000, 40).to_numpy().astype(np.float32)
    w = np.full(40, 1 / 40)
    tracemalloc.start()
    try:
        x = metrics.portfolio_returns(values, w, chunk_rows=4_096)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(x, values.astype(np.float64) @ w, rtol=0, atol=1e-15)
    assert peak < 0.25 * values.size * 8, peak  # a float64 copy would be values.size * 8
