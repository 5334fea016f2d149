"""read_table: wide and long CSV/Parquet, and every file error naming file, column and row."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from portfolio_sgd.data import DataLayout, read_table
from portfolio_sgd.errors import DataError

WIDE = "Date,AAPL,MSFT\n2020-01-02,10.0,20.0\n2020-01-03,11.0,19.0\n2020-01-06,12.5,21.0\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _expected_wide():
    index = pd.DatetimeIndex(["2020-01-02", "2020-01-03", "2020-01-06"], name="Date")
    return pd.DataFrame({"AAPL": [10.0, 11.0, 12.5], "MSFT": [20.0, 19.0, 21.0]}, index=index)


def _check(frame):
    expected = _expected_wide()
    assert list(frame.columns) == ["AAPL", "MSFT"]
    assert frame.index.name == "Date"
    np.testing.assert_array_equal(frame.index.to_numpy(), expected.index.to_numpy())
    np.testing.assert_array_equal(frame.to_numpy(), expected.to_numpy())
    assert all(dtype == np.float64 for dtype in frame.dtypes)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("prices.csv", WIDE),
        ("prices.txt", WIDE.replace(",", "\t")),
        ("prices.tsv", WIDE.replace(",", "\t")),
        ("prices_semicolon.csv", WIDE.replace(",", ";")),
        ("bom.csv", "\ufeff" + WIDE),
        ("padded.csv", "Date , AAPL ,MSFT\n" + WIDE.split("\n", 1)[1]),
    ],
)
def test_wide_csv_variants(tmp_path, name, text):
    _check(read_table(_write(tmp_path, name, text)))


def test_wide_csv_gz_and_str_path(tmp_path):
    path = tmp_path / "prices.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(WIDE)
    _check(read_table(str(path)))


def test_date_column_option_and_float32(tmp_path):
    text = "AAPL,when,MSFT\n10,2020-01-02,20\n11,2020-01-03,19\n12.5,2020-01-06,21\n"
    frame = read_table(_write(tmp_path, "p.csv", text), date_column="when", dtype="float32")
    assert list(frame.columns) == ["AAPL", "MSFT"]
    assert frame.dtypes.iloc[0] == np.float32
    np.testing.assert_array_equal(frame.to_numpy(), _expected_wide().to_numpy(np.float32))


def test_unsorted_rows_are_an_error_naming_the_dates(tmp_path):
    lines = WIDE.strip().split("\n")
    text = "\n".join([lines[0], lines[3], lines[1], lines[2]]) + "\n"
    with pytest.raises(DataError, match=r"p\.csv: dates are not sorted: .* comes after"):
        read_table(_write(tmp_path, "p.csv", text))


def test_missing_cells_are_nan(tmp_path):
    text = "Date,AAPL,MSFT\n2020-01-02,,20\n2020-01-03,NaN,19\n2020-01-06,12.5,\n"
    frame = read_table(_write(tmp_path, "p.csv", text))
    assert frame.isna().to_numpy().tolist() == [[True, False], [True, False], [False, True]]


def test_integer_yyyymmdd_dates(tmp_path):
    text = "Date,AAPL,MSFT\n20200102,10,20\n20200103,11,19\n20200106,12.5,21\n"
    _check(read_table(_write(tmp_path, "p.csv", text)))


def test_parquet_round_trip_with_index(tmp_path):
    expected = _expected_wide()
    path = tmp_path / "prices.parquet"
    expected.to_parquet(path)
    _check(read_table(path))


def test_parquet_round_trip_with_date_column_and_pq_suffix(tmp_path):
    table = _expected_wide().reset_index().rename(columns={"Date": "day"})
    table["day"] = table["day"].dt.strftime("%Y-%m-%d")  # dates stored as text
    path = tmp_path / "prices.pq"
    table.to_parquet(path, index=False)
    _check(read_table(path))
    _check(read_table(path, date_column="day"))


def test_parquet_float32_values(tmp_path):
    path = tmp_path / "p.parquet"
    _expected_wide().astype(np.float32).to_parquet(path)
    frame = read_table(path)
    _check(frame)


def test_long_csv_pivot(tmp_path):
    text = (
        "date,ticker,value\n"
        "2020-01-02,MSFT,20\n2020-01-02,AAPL,10\n"
        "2020-01-03,AAPL,11\n2020-01-03,MSFT,19\n"
        "2020-01-06,MSFT,21\n2020-01-06,AAPL,12.5\n"
    )
    frame = read_table(_write(tmp_path, "long.csv", text), layout="long")
    # columns in order of first appearance, values pivoted
    assert list(frame.columns) == ["MSFT", "AAPL"]
    _check(frame[["AAPL", "MSFT"]])


def test_long_layout_custom_columns_gaps_and_enum(tmp_path):
    text = (
        "Symbol;Day;Close;Volume\nNA;2020-01-02;5;1\nAAPL;2020-01-02;10;1\nAAPL;2020-01-03;11;1\n"
    )
    frame = read_table(
        _write(tmp_path, "long.txt", text),
        layout=DataLayout.LONG,
        date_column="Day",
        ticker_column="symbol",  # matched case-insensitively
        value_column="Close",
    )
    assert list(frame.columns) == ["NA", "AAPL"]  # the ticker "NA" is not a missing value
    assert frame.loc["2020-01-03", "AAPL"] == 11.0
    assert np.isnan(frame.loc["2020-01-03", "NA"])


def test_long_parquet_round_trip(tmp_path):
    wide = _expected_wide()
    long = wide.reset_index().melt(id_vars="Date", var_name="ticker", value_name="value")
    path = tmp_path / "long.parquet"
    long.to_parquet(path, index=False)
    _check(read_table(path, layout="long"))


# ---------------------------------------------------------------- errors


def _error(path, **kwargs) -> str:
    with pytest.raises(DataError) as err:
        read_table(path, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_non_numeric_cell_names_file_column_and_row(tmp_path):
    path = _write(tmp_path, "returns.csv", WIDE.replace("11.0", "abc"))
    message = _error(path)
    assert message == f"{path}: column 'AAPL' row 2020-01-03 has non-numeric value 'abc'"


def test_non_numeric_cell_relative_path_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "returns.csv", WIDE.replace("19.0", "n/a?"))
    message = _error("returns.csv")
    assert message == "returns.csv: column 'MSFT' row 2020-01-03 has non-numeric value 'n/a?'"


def test_non_numeric_cell_in_parquet(tmp_path):
    frame = _expected_wide().astype(object)
    frame.iloc[2, 1] = "x"
    frame = frame.astype(str)
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    message = _error(path)
    assert "p.parquet" in message and "'MSFT'" in message and "2020-01-06" in message


def test_non_numeric_value_in_long_layout(tmp_path):
    text = "date,ticker,value\n2020-01-02,AAPL,1\n2020-01-03,MSFT,oops\n"
    message = _error(_write(tmp_path, "long.csv", text), layout="long")
    assert "long.csv" in message and "'value'" in message
    assert "2020-01-03" in message and "'MSFT'" in message and "'oops'" in message


def test_missing_file(tmp_path):
    message = _error(tmp_path / "nope.csv")
    assert "nope.csv" in message and "not found" in message


def test_directory(tmp_path):
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    assert "directory" in _error(folder)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path, text):
    message = _error(_write(tmp_path, "empty.csv", text))
    assert "empty.csv" in message and "empty" in message


def test_empty_gz_file(tmp_path):
    path = tmp_path / "empty.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("")
    assert "empty" in _error(path)


def test_header_only(tmp_path):
    message = _error(_write(tmp_path, "head.csv", "Date,AAPL,MSFT\n"))
    assert "head.csv" in message and "no data rows" in message


def test_only_a_date_column(tmp_path):
    message = _error(_write(tmp_path, "d.csv", "Date\n2020-01-02\n"))
    assert "no asset columns" in message


def test_unparseable_date_names_column_and_line(tmp_path):
    text = WIDE.replace("2020-01-03", "03/13/20x")
    message = _error(_write(tmp_path, "p.csv", text))
    assert "p.csv" in message and "'Date'" in message
    assert "line 3" in message and "'03/13/20x'" in message


def test_missing_date(tmp_path):
    text = WIDE.replace("2020-01-06", "")
    message = _error(_write(tmp_path, "p.csv", text))
    assert "line 4" in message and "no date" in message


def test_duplicate_tickers(tmp_path):
    text = "Date,AAPL,MSFT,AAPL\n2020-01-02,1,2,3\n"
    message = _error(_write(tmp_path, "p.csv", text))
    assert "p.csv" in message and "duplicate column" in message and "'AAPL'" in message


def test_duplicate_tickers_after_stripping_spaces(tmp_path):
    text = "Date,AAPL, AAPL\n2020-01-02,1,2\n"
    assert "'AAPL'" in _error(_write(tmp_path, "p.csv", text))


def test_duplicate_dates(tmp_path):
    text = WIDE + "2020-01-03,1,2\n"
    message = _error(_write(tmp_path, "p.csv", text))
    assert "p.csv" in message and "duplicate date 2020-01-03" in message


def test_duplicate_long_pairs(tmp_path):
    text = "date,ticker,value\n2020-01-02,AAPL,1\n2020-01-03,AAPL,2\n2020-01-03,AAPL,3\n"
    message = _error(_write(tmp_path, "long.csv", text), layout="long")
    assert "duplicate (date, ticker) pair (2020-01-03, 'AAPL')" in message


def test_long_layout_missing_column(tmp_path):
    text = "date,symbol,value\n2020-01-02,AAPL,1\n"
    message = _error(_write(tmp_path, "long.csv", text), layout="long")
    assert "'ticker'" in message and "'symbol'" in message


def test_missing_date_column_option(tmp_path):
    message = _error(_write(tmp_path, "p.csv", WIDE), date_column="when")
    assert "'when'" in message and "'AAPL'" in message


def test_unsupported_extension(tmp_path):
    message = _error(_write(tmp_path, "p.xlsx", WIDE))
    assert "p.xlsx" in message and ".csv" in message and ".parquet" in message


def test_ragged_csv(tmp_path):
    text = WIDE + "2020-01-07,1,2,3,4\n"
    message = _error(_write(tmp_path, "ragged.csv", text))
    assert "ragged.csv" in message and "cannot parse CSV" in message


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not a parquet file at all")
    assert "bad.parquet" in _error(path)


def test_invalid_layout(tmp_path):
    with pytest.raises(ValueError, match="'wide', 'long'"):
        read_table(_write(tmp_path, "p.csv", WIDE), layout="tall")


def test_windows_line_endings(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(WIDE.replace("\n", "\r\n").encode())
    _check(read_table(path))


def test_unsupported_dtype(tmp_path):
    with pytest.raises(DataError, match="float64, float32"):
        read_table(_write(tmp_path, "p.csv", WIDE), dtype="int32")


@settings(max_examples=25, deadline=None, database=None)
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(2, 12), st.integers(1, 5)),
        elements=st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False),
    ),
    suffix=st.sampled_from([".csv", ".csv.gz", ".parquet"]),
)
def test_round_trip_property(tmp_path_factory, values, suffix):
    index = pd.bdate_range("2001-01-01", periods=values.shape[0], name="Date")
    frame = pd.DataFrame(values, index=index, columns=[f"A{i}" for i in range(values.shape[1])])
    path = tmp_path_factory.mktemp("prop") / f"p{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path)
    back = read_table(path)
    assert list(back.columns) == list(frame.columns)
    np.testing.assert_array_equal(back.index.to_numpy(), index.to_numpy())
    np.testing.assert_allclose(back.to_numpy(), values, rtol=1e-15, atol=0)
