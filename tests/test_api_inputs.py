"""portfolio_sgd.data.inputs: the API validates as strictly as the CLI, with the same messages.

The tests marked ``api`` call :func:`portfolio_sgd.optimize`, whose ``prepare_data``
calls :mod:`portfolio_sgd.data.inputs`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import portfolio_sgd
from portfolio_sgd.backtest.inputs import align_benchmark as backtest_align
from portfolio_sgd.data import MIN_ROWS, validate_returns
from portfolio_sgd.data.inputs import align_benchmark, validate_init_weights, validate_returns_input
from portfolio_sgd.errors import ConfigError, DataError

WIRED = pytest.mark.api  # the API shares the CLI validation (wired in prepare_data)


def frame(rows: int = 40, assets: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        rng.normal(0.0005, 0.01, size=(rows, assets)),
        index=pd.bdate_range("2021-01-04", periods=rows, name="Date"),
        columns=[f"T{i}" for i in range(assets)],
    )


def message(func, *args, error=DataError, **kwargs) -> str:
    with pytest.raises(error) as err:
        func(*args, **kwargs)
    text = str(err.value)
    assert "\n" not in text
    return text


def bad_frames() -> dict[str, tuple[pd.DataFrame, str]]:
    """name -> (frame, a fragment the one-line message must contain)."""
    base = frame()
    text = base.astype({"T1": object})
    text.iloc[6, 1] = "abc"
    huge, below, nan = base.copy(), base.copy(), base.copy()
    huge.iloc[4, 2] = 1e300
    below.iloc[9, 0] = -1.5
    nan.iloc[3, 1] = np.nan
    return {
        "duplicate columns": (base.set_axis(["A", "B", "A"], axis=1), "duplicate ticker(s) 'A'"),
        "constant column": (base.assign(T2=0.001), "constant column(s) with zero variance: 'T2'"),
        "three rows": (base.iloc[:3], f"only 3 rows, need at least {MIN_ROWS}"),
        "text cell": (text, "column 'T1' row 2021-01-12 has non-numeric value 'abc'"),
        "huge cell": (huge, "column 'T2' has out-of-range value 1e+300 on 2021-01-08"),
        "below -1": (below, "column 'T0' has simple return -1.5 on 2021-01-15"),
        "nan": (nan, "column 'T1' has non-finite value nan on 2021-01-07"),
        "unsorted": (base.iloc[::-1], "dates are not sorted"),
        "duplicate dates": (
            base.set_axis(base.index[[0, *range(39)]]),
            "duplicate date 2021-01-04",
        ),
        "bool column": (base.assign(T1=base.T1 > 0), "column 'T1' is not numeric (dtype bool)"),
    }


@pytest.mark.parametrize("case", list(bad_frames()))
def test_bad_frames_are_rejected_with_one_line_naming_the_cell(case):
    bad, fragment = bad_frames()[case]
    text = message(validate_returns_input, bad)
    assert text.startswith("returns: ") and fragment in text, text


@pytest.mark.parametrize(
    "case", ["duplicate columns", "constant column", "three rows", "huge cell", "below -1", "nan"]
)
def test_api_and_cli_share_one_message(case):
    bad, _ = bad_frames()[case]
    cli = message(validate_returns, bad, source="returns", min_rows=MIN_ROWS)
    assert message(validate_returns_input, bad) == cli


def test_valid_inputs_come_back_unchanged():
    good = frame()
    values, tickers, index = validate_returns_input(good)
    np.testing.assert_array_equal(values, good.to_numpy())
    assert tickers == ["T0", "T1", "T2"] and index.equals(good.index)
    assert values.flags.writeable and values.dtype == np.float64
    values32, _, _ = validate_returns_input(good, dtype="float32")
    assert values32.dtype == np.float32
    # odd but valid: int column names, object/int/category columns of numbers, tz-aware dates
    odd = good.set_axis([10, 11, 12], axis=1).astype({11: object})
    odd[12] = pd.Categorical(odd[12])
    odd.index = odd.index.tz_localize("America/New_York")
    values, tickers, index = validate_returns_input(odd)
    np.testing.assert_array_equal(values, good.to_numpy())
    assert tickers == ["10", "11", "12"] and index.tz is not None
    raw = np.arange(80).reshape(40, 2) % 3 - 1  # int64 returns in {-1, 0, 1}
    ints = validate_returns_input(pd.DataFrame(raw))[0]
    np.testing.assert_array_equal(ints, raw.astype(float))


def test_arrays_and_tensors():
    good = frame().to_numpy()
    values, tickers, index = validate_returns_input(good)
    np.testing.assert_array_equal(values, good)
    assert tickers == ["asset_0", "asset_1", "asset_2"] and index is None
    tensor = torch.tensor(good)
    same, _, _ = validate_returns_input(tensor)
    assert same is tensor  # checked in place: no copy
    bad = tensor.clone()
    bad[5, 2] = float("inf")
    assert "column 'asset_2' has non-finite value inf on row 5" in message(
        validate_returns_input, bad
    )
    assert "2-D float tensor" in message(validate_returns_input, tensor[:, 0])
    assert "2-D float tensor" in message(validate_returns_input, tensor.long())
    assert "must be 2-D" in message(validate_returns_input, good[:, 0])
    text = good.astype(object)
    text[3, 1] = "x"
    assert "column 'asset_1' row 3 has non-numeric value 'x'" in message(
        validate_returns_input, text
    )
    assert "constant" in message(validate_returns_input, torch.ones(40, 2))


def test_align_benchmark_matches_dates_and_names_the_gaps():
    index = pd.bdate_range("2021-01-04", periods=40)
    series = pd.Series(np.arange(50.0) / 1000, index=pd.bdate_range("2020-12-28", periods=50))
    aligned = align_benchmark(series, index, 40)
    np.testing.assert_array_equal(aligned, series.loc[index].to_numpy())
    short = series.loc[: index[-4]]  # the last 3 return dates are missing
    assert f"no value on 3 of the 40 return dates, first {index[-3].date()}" in message(
        align_benchmark, short, index, 40
    )
    assert "has 39 rows, the returns 40" in message(align_benchmark, np.zeros(39), None, 40)
    assert "non-finite value nan on row 7" in message(
        align_benchmark, np.where(np.arange(40) == 7, np.nan, 0.0), None, 40
    )
    two = pd.DataFrame({"a": np.zeros(40), "b": np.zeros(40)}, index=index)
    assert "single series, got 2 columns" in message(align_benchmark, two, index, 40)


def test_backtest_align_uses_the_shared_check():
    index = pd.bdate_range("2021-01-04", periods=40)
    series = pd.Series(np.arange(40.0) / 1000, index=index, name="SPX")
    out = backtest_align(series, index)
    assert out.name == "SPX" and out.equals(series)
    assert "no value on 1 of the 40 return dates" in message(backtest_align, series.iloc[1:], index)


def test_init_weights():
    tickers = ["A", "B", "C"]
    by_name = pd.Series({"C": 0.5, "A": 0.2, "B": 0.3})
    np.testing.assert_array_equal(validate_init_weights(by_name, tickers), [0.2, 0.3, 0.5])
    assert validate_init_weights(None, tickers) is None
    assert "shape (3,), one weight per asset, got (2,)" in message(
        validate_init_weights, [0.5, 0.5], tickers, error=ConfigError
    )
    assert "non-finite value nan for 'B'" in message(
        validate_init_weights, [0.5, np.nan, 0.5], tickers, error=ConfigError
    )
    assert "missing C" in message(
        validate_init_weights, by_name.drop("C"), tickers, error=ConfigError
    )


# --- the public API, once prepare_data calls portfolio_sgd.data.inputs ----------------------


@WIRED
@pytest.mark.parametrize(
    "case", ["duplicate columns", "constant column", "three rows", "text cell"]
)
def test_optimize_rejects_what_the_cli_rejects(case):
    bad, fragment = bad_frames()[case]
    with pytest.raises(DataError) as err:
        portfolio_sgd.optimize(bad, steps=5)
    assert fragment in str(err.value) and "\n" not in str(err.value)


@WIRED
def test_optimize_rejects_init_weights_of_the_wrong_length():
    with pytest.raises(ConfigError, match=r"shape \(3,\), one weight per asset, got \(2,\)"):
        portfolio_sgd.optimize(frame(), steps=5, init_weights=np.array([0.5, 0.5]))
