"""Issue 11, data half: no silent wrong answers from the inputs.

Every input file is built in tmp_path from the bundled ``sp500`` data, and each test
reproduces one reported symptom exactly, then checks the fixed behaviour against an
independent expectation (dates counted by hand, rows counted with pandas).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.data import load_returns, read_table, select_benchmark, to_returns
from portfolio_sgd.errors import DataError

INDEX_END = pd.Timestamp("2022-12-28")  # last date of the bundled sp500-index


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    """Bundled sp500 simple returns, (8312, 20)."""
    return load_returns(dataset="sp500")


def returns_file(tmp_path, sp500: pd.DataFrame, first: str, rows: int = 300, n: int = 6):
    """Write ``rows`` real return rows of ``n`` assets relabelled on business days from ``first``."""
    frame = sp500.iloc[-rows:, :n].copy()
    frame.index = pd.bdate_range(first, periods=rows, name="Date")
    path = tmp_path / "r.csv"
    frame.to_csv(path)
    return str(path), frame


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_error(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- 1. a default benchmark never cuts the user's rows --------------------------------


def test_default_tracking_benchmark_that_does_not_cover_the_file_is_an_error(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2022-10-03")
    assert frame.index[-1] == pd.Timestamp("2023-11-24")  # the reported 2022-10 .. 2023-11 file
    message = one_error(run("optimize", "--returns", path, "--objective", "tracking"))
    assert "--benchmark" in message and "'sp500-index'" in message
    assert "2022-12-28" in message and "2022-10-03..2023-11-24" in message


def test_explicit_benchmark_leaving_too_few_rows_names_both_ranges(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2022-12-22")
    # the index has 2022-12-22, 23, 27, 28 (26 is a holiday): the reported 4 scenarios
    shared = frame.index[frame.index <= INDEX_END]
    assert list(shared.day) == [22, 23, 26, 27, 28] and len(shared) - 1 == 4
    args = ["optimize", "--returns", path, "--objective", "tracking", "--steps", "5"]
    message = one_error(run(*args, "--benchmark", "sp500-index"))
    assert "share only 4 dates, need at least 30" in message
    assert "1990-01-03..2022-12-28" in message and "2022-12-22..2024-02-14" in message


def test_explicit_benchmark_may_cut_with_a_warning(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2022-10-03")
    result = run(
        "optimize",
        "--returns",
        path,
        "--objective",
        "tracking",
        "--benchmark",
        "sp500-index",
        "--steps",
        "5",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    index = pd.read_csv("data/sp500_index.csv.gz", index_col=0, parse_dates=True).index
    expected = frame.index.intersection(index[1:])  # the index's returns start on its 2nd date
    payload = json.loads(result.stdout)
    assert payload["n_scenarios"] == len(expected) == 61
    assert (payload["start"], payload["end"]) == ("2022-10-03", "2022-12-28")
    assert "warning: benchmark 'sp500-index' has values on 61 of the 300 return dates" in (
        result.stderr
    )


def test_backtest_default_benchmark_is_dropped_not_cutting_the_rows(tmp_path, sp500):
    path, _ = returns_file(tmp_path, sp500, "2022-10-03")
    args = ["backtest", "--returns", path, "--strategies", "equal-weight", "--lookback", "60"]
    default = run(*args, "--format", "json")
    none = run(*args, "--format", "json", "--benchmark", "none")
    assert default.exit_code == 0 and none.exit_code == 0, default.output
    expected = len(range(60, 300, 21))  # rebalances at rows 60, 81, ..., 291 of 300
    for result in (default, none):
        config = json.loads(result.stdout)["config"]
        assert config["n_rebalances"] == expected == 12
    same = ("annual_return", "annual_volatility", "max_drawdown", "avg_turnover")
    for key in same:
        values = [json.loads(r.stdout)["strategies"]["equal-weight"][key] for r in (default, none)]
        assert values[0] == values[1], key
    assert json.loads(default.stdout)["benchmark"] is None
    warnings = [line for line in default.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "does not cover the returns" in warnings[0]


def test_backtest_explicit_benchmark_below_lookback_is_an_error(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2022-12-01")
    index = pd.read_csv("data/sp500_index.csv.gz", index_col=0, parse_dates=True).index
    shared = len(frame.index.intersection(index))
    assert shared == 19  # December 2022 up to the 28th, without the 26th
    message = one_error(
        run(
            "backtest",
            "--returns",
            path,
            "--strategies",
            "equal-weight",
            "--lookback",
            "60",
            "--benchmark",
            "sp500-index",
        )
    )
    assert f"share only {shared} dates, need at least 61" in message


def test_select_benchmark_keeps_rows_when_the_default_covers_them(sp500):
    window = sp500.loc["2015-01-01":"2016-12-31"]
    returns, bench = select_benchmark(window, "sp500-index", default=True, required=True)
    pd.testing.assert_frame_equal(returns, window)
    index = pd.read_csv("data/sp500_index.csv.gz", index_col=0, parse_dates=True).iloc[:, 0]
    expected = (index / index.shift(1) - 1).loc[window.index]
    np.testing.assert_allclose(bench.to_numpy(), expected.to_numpy(), rtol=1e-12)
    # a column of the data is split off without touching the dates
    rest, column = select_benchmark(window, "AAPL", default=True)
    assert list(rest.columns) == [c for c in window.columns if c != "AAPL"]
    assert column.equals(window["AAPL"])
    with pytest.raises(DataError, match="a benchmark is required"):
        select_benchmark(window, None, required=True)


# --- 3. day/month order is never guessed ---------------------------------------------


def monthly_file(tmp_path, sp500, fmt: str, name: str = "m.csv"):
    frame = (1 + sp500).resample("MS").prod().sub(1).iloc[-36:, :5]  # dated on the 1st
    out = frame.copy()
    out.index = out.index.strftime(fmt)
    out.index.name = "Date"
    path = tmp_path / name
    out.to_csv(path)
    return str(path), frame


def test_ambiguous_dd_mm_dates_are_an_error_asking_for_date_format(tmp_path, sp500):
    path, frame = monthly_file(tmp_path, sp500, "%d/%m/%Y")
    message = one_error(run("optimize", "--returns", path, "--steps", "5"))
    assert (
        "ambiguous" in message
        and "--date-format %d/%m/%Y" in message
        and "'01/01/2020'" in (message)
    )
    with pytest.raises(DataError, match="ambiguous"):
        load_returns(returns_path=path)
    good = load_returns(returns_path=path, date_format="%d/%m/%Y")
    expected = pd.DatetimeIndex(frame.index, freq=None, name="Date")
    pd.testing.assert_index_equal(good.index, expected, check_exact=True)
    np.testing.assert_allclose(good.to_numpy(), frame.to_numpy(), rtol=1e-12)
    result = run("optimize", "--returns", path, "--date-format", "%d/%m/%Y", "--steps", "5")
    assert result.exit_code == 0, result.output
    assert "(2020-01-01 .. 2022-12-01)" in result.stdout


@pytest.mark.parametrize(
    ("fmt", "order"), [("%d/%m/%Y", "day"), ("%m/%d/%Y", "month"), ("%d.%m.%Y", "day")]
)
def test_provably_unambiguous_orders_are_read(tmp_path, sp500, fmt, order):
    frame = sp500.loc["2021-01-01":"2021-04-30", ["AAPL", "KO"]]  # days above 12 occur
    out = frame.set_axis(frame.index.strftime(fmt).rename("Date"), axis=0)
    out.to_csv(tmp_path / "d.csv")
    read = read_table(tmp_path / "d.csv")
    pd.testing.assert_index_equal(read.index, frame.index.rename("Date"))
    assert order in ("day", "month")


def test_inconsistent_order_and_wrong_format_are_errors(tmp_path):
    text = "Date,A,B\n13/01/2020,0.01,0.02\n01/14/2020,0.02,0.01\n"
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(DataError, match="ambiguous .both orders occur"):
        read_table(tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("Date,A,B\n2020-01-02,0.01,0.02\n2020-01-03,0.02,0.01\n")
    with pytest.raises(DataError, match=r"line 2 has unparseable date '2020-01-02'.*%d/%m/%Y"):
        read_table(tmp_path / "y.csv", date_format="%d/%m/%Y")
    (tmp_path / "z.csv").write_text("Date,A,B\n1/2/20,0.01,0.02\n1/3/20,0.02,0.01\n")
    with pytest.raises(DataError, match="--date-format"):
        read_table(tmp_path / "z.csv")


def test_month_names_are_unambiguous(tmp_path):
    (tmp_path / "n.csv").write_text("Date,A,B\n2 Jan 2020,0.01,0.02\n3 Feb 2020,0.02,0.01\n")
    read = read_table(tmp_path / "n.csv")
    assert list(read.index) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-02-03")]


# --- 4. out-of-range cells, empty ticker lists -----------------------------------------


def test_simple_return_below_minus_one_names_the_cell(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2020-01-01", rows=60, n=3)
    frame.iloc[7, 1] = -1.5
    frame.to_csv(path)
    message = one_error(run("optimize", "--returns", path, "--steps", "5"))
    assert f"'{frame.columns[1]}'" in message and "-1.5" in message
    assert frame.index[7].date().isoformat() in message and "below -1" in message


def test_huge_cell_is_out_of_range_data_not_a_learning_rate_problem(tmp_path, sp500):
    path, frame = returns_file(tmp_path, sp500, "2020-01-01", rows=60, n=3)
    frame.iloc[11, 2] = 1e300
    frame.to_csv(path)
    for dtype in ("float64", "float32"):
        message = one_error(run("optimize", "--returns", path, "--dtype", dtype, "--steps", "5"))
        assert "out-of-range value 1e+300" in message and "--lr" not in message
        assert f"'{frame.columns[2]}'" in message and frame.index[11].date().isoformat() in message


def test_infinite_price_names_the_cell(tmp_path, sp500):
    prices = (1 + sp500.iloc[:60, :3]).cumprod() * 100
    prices.iloc[5, 0] = np.inf
    when = prices.index[5].date().isoformat()
    with pytest.raises(DataError, match=rf"'AAPL' has non-finite price inf on {when}"):
        to_returns(prices)


def test_empty_ticker_list_is_a_usage_error():
    result = run("optimize", "--tickers", "", "--steps", "5")
    assert result.exit_code == 2 and "ticker list is empty" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(DataError, match="ticker list is empty"):
        load_returns(tickers=[" ", ""])


# --- 5. third-party warnings never reach the terminal -------------------------------


def test_only_our_own_warnings_reach_the_terminal(monkeypatch):
    import logging
    import warnings

    from portfolio_sgd.cli import data_cmds
    from portfolio_sgd.errors import PortfolioSGDWarning

    real = data_cmds.list_datasets

    def noisy():
        warnings.warn("inplace is deprecated", FutureWarning, stacklevel=1)
        warnings.warn("overflow encountered", RuntimeWarning, stacklevel=1)
        logging.getLogger("yfinance").error("1 Failed download:\n['AAPL']: DNSError(...)")
        warnings.warn("the data has\ngaps", PortfolioSGDWarning, stacklevel=1)
        return real()

    monkeypatch.setattr(data_cmds, "list_datasets", noisy)
    result = run("datasets")
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: the data has gaps\n"
    assert "sp500-index" in result.stdout
