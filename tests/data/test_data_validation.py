"""validate_returns: every rejection names the source and the column or date at fault."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import validate_returns
from portfolio_sgd.errors import DataError


def _returns(rows: int = 40, assets: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        rng.normal(0, 0.01, size=(rows, assets)),
        index=pd.bdate_range("2020-01-01", periods=rows, name="Date"),
        columns=[f"T{i}" for i in range(assets)],
    )


def _error(frame, **kwargs) -> str:
    with pytest.raises(DataError) as err:
        validate_returns(frame, source="returns.csv", **kwargs)
    message = str(err.value)
    assert message.startswith("returns.csv: ")
    assert "\n" not in message
    return message


def test_valid_frame_passes():
    assert validate_returns(_returns(), min_rows=40) is None
    # a plain RangeIndex (synthetic data) is fine too
    assert validate_returns(_returns().reset_index(drop=True)) is None


def test_not_a_frame():
    assert "ndarray" in _error(np.zeros((3, 3)))


@pytest.mark.parametrize("shape", [(0, 3), (5, 0)])
def test_empty(shape):
    frame = _returns(max(shape[0], 1), max(shape[1], 1)).iloc[: shape[0], : shape[1]]
    assert "no data" in _error(frame)


def test_fewer_than_two_assets():
    message = _error(_returns(assets=1))
    assert "only 1 asset ('T0')" in message and "at least 2" in message


def test_too_few_rows():
    message = _error(_returns(rows=12), min_rows=30)
    assert "only 12 rows, need at least 30" in message


def test_non_finite_inf_names_column_and_date():
    frame = _returns()
    frame.iloc[5, 1] = np.inf
    message = _error(frame)
    assert "'T1'" in message and "inf" in message and "2020-01-08" in message


def test_non_finite_nan_names_column_and_date():
    frame = _returns()
    frame.iloc[3, 2] = np.nan
    frame.iloc[7, 0] = -np.inf
    message = _error(frame)
    # row-major first: 2020-01-06 (row 3) comes before row 7
    assert "'T2'" in message and "nan" in message and "2020-01-06" in message
    assert "2 non-finite cells" in message


def test_duplicate_dates():
    frame = _returns()
    index = frame.index.tolist()
    index[4] = index[3]
    frame.index = pd.DatetimeIndex(index, name="Date")
    message = _error(frame)
    assert "duplicate date 2020-01-06" in message


def test_unsorted_dates():
    frame = _returns()
    order = list(range(40))
    order[10], order[11] = 11, 10
    frame = frame.iloc[order]
    message = _error(frame)
    assert "not sorted" in message
    assert "2020-01-15 comes after 2020-01-16" in message


def test_duplicate_tickers():
    frame = _returns(assets=4)
    frame.columns = ["A", "B", "A", "C"]
    assert "duplicate ticker(s) 'A'" in _error(frame)


def test_constant_columns_are_named():
    frame = _returns(assets=4)
    frame["T1"] = 0.0
    frame["T3"] = 0.002
    message = _error(frame)
    assert "constant" in message and "'T1'" in message and "'T3'" in message
    assert "'T0'" not in message


def test_non_numeric_column():
    frame = _returns()
    frame["T1"] = "x"
    assert "'T1' is not numeric" in _error(frame)


def test_default_source_name():
    with pytest.raises(DataError, match=r"^returns: only 1 asset"):
        validate_returns(_returns(assets=1))
