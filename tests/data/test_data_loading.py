"""load_returns: sources, ticker selection, windows, NaN policies and validation."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import NanPolicy, ReturnsMethod, load_dataset, load_returns
from portfolio_sgd.errors import DataError, FetchError, UnknownDatasetError


def _csv(tmp_path, name, frame: pd.DataFrame):
    path = tmp_path / name
    frame.to_csv(path, index_label="Date")
    return path


def test_default_is_sp500_simple_returns(shared_data):
    returns = load_returns()
    prices = pd.read_csv(shared_data / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    values = prices.to_numpy()
    expected = values[1:] / values[:-1] - 1.0
    assert returns.shape == (8312, 20)
    np.testing.assert_allclose(returns.to_numpy(), expected, rtol=0, atol=1e-15)
    assert returns.index[0] == pd.Timestamp("1990-01-03")
    assert returns.index.name == "Date"
    assert all(dtype == np.float64 for dtype in returns.dtypes)
    assert list(returns.columns) == list(prices.columns)
    assert all(isinstance(c, str) for c in returns.columns)


def test_window_applies_to_prices_before_returns(shared_data):
    returns = load_returns(dataset="sp500", start="2020-01-02", end="2020-01-31", min_rows=20)
    prices = pd.read_csv(shared_data / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    window = prices.loc["2020-01-02":"2020-01-31"].to_numpy()
    # 21 trading days in January 2020 -> 20 returns, the first on 2020-01-03
    assert window.shape[0] == 21
    assert returns.shape == (20, 20)
    assert returns.index[0] == pd.Timestamp("2020-01-03")
    assert returns.index[-1] == pd.Timestamp("2020-01-31")
    np.testing.assert_allclose(returns.to_numpy(), window[1:] / window[:-1] - 1, atol=1e-15)
    # min_rows defaults to 30: a shorter window is rejected with the counts in the message
    with pytest.raises(DataError, match="sp500: only 20 rows, need at least 30"):
        load_returns(dataset="sp500", start="2020-01-02", end="2020-01-31", min_rows=30)


def test_dataset_ticker_selection_and_log_returns():
    returns = load_returns(
        dataset="sp500",
        tickers=["MSFT", "aapl"],  # case-insensitive match
        start="2019-01-01",
        end="2019-12-31",
        returns_method=ReturnsMethod.LOG,
    )
    prices = load_dataset("sp500").loc["2019-01-01":"2019-12-31", ["MSFT", "AAPL"]]
    assert list(returns.columns) == ["MSFT", "AAPL"]
    np.testing.assert_allclose(
        returns.to_numpy(), np.diff(np.log(prices.to_numpy()), axis=0), atol=1e-15
    )


def test_unknown_tickers_are_named():
    with pytest.raises(DataError) as err:
        load_returns(dataset="sp500", tickers=["AAPL", "ZZZZ", "QQQQ"])
    message = str(err.value)
    assert message.startswith("sp500: unknown ticker(s) 'ZZZZ', 'QQQQ'")
    assert "AAPL" in message  # the available ones are listed


def test_returns_dataset_is_not_converted_again():
    returns = load_returns(dataset="ff49-daily", start="2021-01-01")
    stored = load_dataset("ff49-daily").loc["2021-01-01":]
    pd.testing.assert_frame_equal(returns, stored, check_exact=True, check_column_type=False)
    logged = load_returns(dataset="ff49-daily", start="2021-01-01", returns_method="log")
    np.testing.assert_allclose(logged.to_numpy(), np.log1p(stored.to_numpy()), atol=1e-15)


def test_unknown_dataset():
    with pytest.raises(UnknownDatasetError, match="valid datasets: sp500"):
        load_returns(dataset="nope")


def test_single_asset_dataset_is_rejected():
    with pytest.raises(DataError, match="sp500-index: only 1 asset"):
        load_returns(dataset="sp500-index")


def test_more_than_one_source_is_an_error(tmp_path):
    with pytest.raises(DataError, match="exactly one data source"):
        load_returns(dataset="sp500", prices_path=tmp_path / "x.csv")
    with pytest.raises(DataError, match="prices_path and returns_path"):
        load_returns(prices_path="a.csv", returns_path="b.csv")


def test_prices_file_source(tmp_path, make_prices):
    prices = make_prices(["AAA", "BBB", "CCC"], "2021-01-04", 60, seed=1)
    path = _csv(tmp_path, "prices.csv", prices)
    returns = load_returns(prices_path=path, min_rows=50)
    values = prices.to_numpy()
    np.testing.assert_allclose(returns.to_numpy(), values[1:] / values[:-1] - 1, rtol=1e-12)
    assert list(returns.columns) == ["AAA", "BBB", "CCC"]


def test_returns_file_source_long_parquet(tmp_path, make_prices):
    prices = make_prices(["AAA", "BBB"], "2021-01-04", 40, seed=2)
    simple = prices.pct_change().iloc[1:]
    long = simple.reset_index().melt(id_vars="Date", var_name="ticker", value_name="value")
    path = tmp_path / "returns.parquet"
    long.to_parquet(path, index=False)
    returns = load_returns(returns_path=path, layout="long")
    np.testing.assert_allclose(returns.to_numpy(), simple.to_numpy(), rtol=1e-15)
    assert returns.shape == (39, 2)


def test_file_errors_name_the_file(tmp_path, make_prices):
    prices = make_prices(["AAA", "BBB"], "2021-01-04", 40)
    frame = prices.astype(object)
    frame.iloc[3, 1] = "abc"
    path = _csv(tmp_path, "prices.csv", frame)
    with pytest.raises(
        DataError, match=r"prices\.csv: column 'BBB' row 2021-01-07 has non-numeric"
    ):
        load_returns(prices_path=path)
    prices.iloc[5, 0] = -1.0
    path = _csv(tmp_path, "neg.csv", prices)
    with pytest.raises(DataError, match=r"neg\.csv: column 'AAA' has non-positive price -1"):
        load_returns(prices_path=path)


def test_constant_price_asset_is_rejected(tmp_path, make_prices):
    prices = make_prices(["AAA", "BBB", "CCC"], "2021-01-04", 40)
    prices["CCC"] = 7.0
    with pytest.raises(DataError, match="constant column.*'CCC'"):
        load_returns(prices_path=_csv(tmp_path, "p.csv", prices))


def _late_listing(make_prices):
    prices = make_prices(["AAA", "BBB", "CCC", "DDD"], "2021-01-04", 60, seed=4)
    prices.iloc[:10, 2] = np.nan  # CCC lists on day 10
    prices.iloc[20, 3] = np.nan  # DDD has one gap
    return prices


def test_nan_policy_drop_assets_logs_a_warning(tmp_path, make_prices, caplog):
    prices = _late_listing(make_prices)
    path = _csv(tmp_path, "p.csv", prices)
    with caplog.at_level(logging.INFO, logger="portfolio_sgd.data"):
        returns = load_returns(prices_path=path)
    assert list(returns.columns) == ["AAA", "BBB"]
    assert returns.shape == (59, 2)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "dropped 2 of 4 assets" in warnings[0] and "CCC, DDD" in warnings[0]
    assert "p.csv" in warnings[0]
    # a window after the listing and after the gap keeps everything, with no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portfolio_sgd.data"):
        late = load_returns(prices_path=path, start=prices.index[21])
    assert list(late.columns) == ["AAA", "BBB", "CCC", "DDD"]
    assert not caplog.records


def test_nan_policy_drop_rows(tmp_path, make_prices):
    prices = _late_listing(make_prices)
    returns = load_returns(prices_path=_csv(tmp_path, "p.csv", prices), nan_policy="drop-rows")
    kept = prices.dropna()
    values = kept.to_numpy()
    assert returns.shape == (kept.shape[0] - 1, 4)
    np.testing.assert_allclose(returns.to_numpy(), values[1:] / values[:-1] - 1, rtol=1e-12)


def test_nan_policy_raise(tmp_path, make_prices):
    prices = _late_listing(make_prices)
    with pytest.raises(DataError) as err:
        load_returns(prices_path=_csv(tmp_path, "p.csv", prices), nan_policy=NanPolicy.RAISE)
    assert "column 'CCC'" in str(err.value) and "first on 2021-01-04" in str(err.value)


def test_invalid_choices_list_the_valid_ones():
    with pytest.raises(ValueError, match="'drop-assets', 'drop-rows', 'raise'"):
        load_returns(dataset="sp500", nan_policy="zero")
    with pytest.raises(DataError, match="'simple', 'log'"):
        load_returns(dataset="sp500", returns_method="pct")
    with pytest.raises(DataError, match="'wide', 'long'"):
        load_returns(dataset="sp500", layout="tall")


def test_empty_window():
    with pytest.raises(DataError, match="sp500: no rows between 2030-01-01"):
        load_returns(dataset="sp500", start="2030-01-01")


def test_tickers_alone_use_the_yfinance_cache(tmp_path, market, make_prices):
    closes = make_prices(["AAA", "BBB"], "2022-01-03", 80, seed=5)
    fake = market(closes)
    returns = load_returns(
        tickers=["AAA", "BBB"],
        start="2022-01-03",
        end="2022-04-29",
        cache_dir=tmp_path,
        downloader=fake,
    )
    assert len(fake.calls) == 1
    values = closes.to_numpy()
    np.testing.assert_allclose(returns.to_numpy(), values[1:] / values[:-1] - 1, rtol=1e-12)
    # the same request again is served from the cache
    again = load_returns(
        tickers="AAA,BBB", start="2022-01-03", end="2022-04-29", cache_dir=tmp_path, downloader=fake
    )
    assert len(fake.calls) == 1
    pd.testing.assert_frame_equal(again, returns)


def test_tickers_alone_failed_download(tmp_path, market, make_prices):
    fake = market(make_prices(["AAA"], "2022-01-03", 40), fail=ConnectionError("offline"))
    with pytest.raises(FetchError, match="AAA, BBB.*offline"):
        load_returns(
            tickers=["AAA", "BBB"], start="2022-01-03", cache_dir=tmp_path, downloader=fake
        )


def test_float32_loading_never_upcasts():
    from portfolio_sgd.data import load_dataset, load_returns

    r32 = load_returns(dataset="sp500", dtype="float32")
    r64 = load_returns(dataset="sp500")
    assert (r32.dtypes == np.float32).all()
    prices32 = load_dataset("sp500", dtype="float32")
    expected = (prices32 / prices32.shift(1) - 1).iloc[1:]
    np.testing.assert_allclose(r32.to_numpy(), expected.to_numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r32.to_numpy(), r64.to_numpy(), rtol=1e-4, atol=1e-7)
    with pytest.raises(DataError, match="float16"):
        load_returns(dataset="sp500", dtype="float16")
