"""The wide-CSV fast path (data/csv_wide.py) gives exactly the general reader's frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import portfolio_sgd.data.csv_wide as csv_wide
import portfolio_sgd.data.readers as readers
from portfolio_sgd.data.readers import read_table
from portfolio_sgd.errors import DataError


def general(path, monkeypatch, **kwargs) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(readers, "read_csv_wide", lambda *a, **k: None)
        return read_table(path, **kwargs)


def write(tmp_path, body: str, name: str = "r.csv"):
    path = tmp_path / name
    path.write_text(body)
    return path


def test_fast_path_equals_the_general_reader(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2020-01-01", periods=1000)
    frame = pd.DataFrame(rng.normal(0, 0.01, (1000, 7)), index=dates, columns=list("ABCDEFG"))
    frame.iloc[3, 2] = np.nan
    frame["G"] = rng.integers(-3, 3, 1000)  # an integer column
    path = tmp_path / "r.csv"
    frame.to_csv(path, index_label="Date")
    monkeypatch.setattr(csv_wide, "CHUNK_ROWS", 97)  # many blocks, a ragged last one
    calls = []
    real = readers.read_csv_wide
    monkeypatch.setattr(readers, "read_csv_wide", lambda *a: calls.append(1) or real(*a))
    for dtype in ("float64", "float32"):
        fast = read_table(path, dtype=dtype)
        pd.testing.assert_frame_equal(fast, general(path, monkeypatch, dtype=dtype))
        assert fast.to_numpy().flags.c_contiguous and fast.to_numpy().dtype == dtype
    assert len(calls) == 2  # the fast path ran (and gave the frame) both times


def test_text_cells_and_overflow_keep_the_general_messages(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(csv_wide, "CHUNK_ROWS", 2)
    text = write(tmp_path, "Date,A,B\n2020-01-01,0.1,0.2\n2020-01-02,0.1,0.2\n2020-01-03,x,0.1\n")
    with pytest.raises(DataError, match="not numeric|'x'") as fast:
        read_table(text)
    with pytest.raises(DataError) as slow:
        general(text, monkeypatch)
    assert str(fast.value) == str(slow.value)
    big = write(tmp_path, "Date,A\n2020-01-01,0.1\n2020-01-02,1e300\n", "big.csv")
    with pytest.raises(DataError, match="beyond float32"):
        read_table(big, dtype="float32")
    bad_date = write(tmp_path, "Date,A\n2020-01-01,0.1\nnot a date,0.2\n", "d.csv")
    with pytest.raises(DataError) as fast_date:
        read_table(bad_date)
    with pytest.raises(DataError) as slow_date:
        general(bad_date, monkeypatch)
    assert str(fast_date.value) == str(slow_date.value)


def test_gzip_and_non_wide_files_take_the_general_reader(tmp_path) -> None:
    gz = tmp_path / "r.csv.gz"
    pd.DataFrame({"A": [0.1, 0.2]}, index=pd.to_datetime(["2020-01-01", "2020-01-02"])).to_csv(
        gz, index_label="Date"
    )
    kwargs = {"names": ["Date", "A"], "sep": ","}
    assert csv_wide.read_csv_wide(gz, "r", kwargs, "Date", "float64", None) is None
    assert read_table(gz).shape == (2, 1)
