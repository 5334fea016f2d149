"""to_returns, simple_to_log, select_dates and apply_nan_policy against hand computations."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import (
    NanPolicy,
    ReturnsMethod,
    apply_nan_policy,
    select_dates,
    simple_to_log,
    to_returns,
)
from portfolio_sgd.errors import DataError

INDEX = pd.DatetimeIndex(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"], name="Date")


def _prices() -> pd.DataFrame:
    return pd.DataFrame(
        {"A": [100.0, 110.0, 99.0, 99.0], "B": [50.0, 25.0, 50.0, 75.0]}, index=INDEX
    )


def test_simple_returns_by_hand():
    returns = to_returns(_prices())
    expected = [[0.10, -0.5], [-0.10, 1.0], [0.0, 0.5]]
    np.testing.assert_allclose(returns.to_numpy(), expected, rtol=0, atol=1e-15)
    assert list(returns.index) == list(INDEX[1:])  # the first row is dropped
    assert list(returns.columns) == ["A", "B"]


def test_log_returns_by_hand():
    returns = to_returns(_prices(), method="log")
    expected = [
        [math.log(1.1), math.log(0.5)],
        [math.log(0.9), math.log(2.0)],
        [0.0, math.log(1.5)],
    ]
    np.testing.assert_allclose(returns.to_numpy(), expected, rtol=1e-15, atol=1e-15)


def test_enum_and_str_methods_agree_and_match_numpy():
    rng = np.random.default_rng(3)
    prices = pd.DataFrame(
        np.exp(np.cumsum(rng.normal(0, 0.02, size=(50, 4)), axis=0)),
        index=pd.bdate_range("2021-01-01", periods=50),
        columns=list("WXYZ"),
    )
    values = prices.to_numpy()
    simple = to_returns(prices, ReturnsMethod.SIMPLE)
    np.testing.assert_allclose(simple.to_numpy(), values[1:] / values[:-1] - 1, rtol=1e-14)
    log = to_returns(prices, "LOG")
    np.testing.assert_allclose(log.to_numpy(), np.diff(np.log(values), axis=0), atol=1e-14)
    np.testing.assert_allclose(np.expm1(log.to_numpy()), simple.to_numpy(), atol=1e-14)


def test_nan_prices_give_nan_returns_without_filling():
    prices = _prices()
    prices.iloc[1, 0] = np.nan
    returns = to_returns(prices)
    assert np.isnan(returns.iloc[0, 0]) and np.isnan(returns.iloc[1, 0])
    assert returns.iloc[2, 0] == 0.0


@pytest.mark.parametrize("bad", [0.0, -3.5])
def test_non_positive_price_names_column_and_date(bad):
    prices = _prices()
    prices.loc["2020-01-06", "B"] = bad
    with pytest.raises(DataError) as err:
        to_returns(prices, source="prices.csv")
    message = str(err.value)
    assert "prices.csv" in message and "'B'" in message and "2020-01-06" in message
    assert f"{bad:g}" in message


def test_too_few_prices():
    with pytest.raises(DataError, match="at least 2"):
        to_returns(_prices().iloc[:1])


def test_invalid_method_lists_choices():
    with pytest.raises(ValueError, match="'simple', 'log'"):
        to_returns(_prices(), method="arith")
    with pytest.raises(DataError):
        to_returns(_prices(), method="arith")


def test_simple_to_log():
    simple = to_returns(_prices())
    np.testing.assert_allclose(
        simple_to_log(simple).to_numpy(), to_returns(_prices(), "log").to_numpy(), atol=1e-15
    )
    with pytest.raises(DataError, match=r"'A'.*2020-01-03"):
        simple_to_log(pd.DataFrame({"A": [0.1, -1.0]}, index=INDEX[:2]), source="r.csv")


def test_select_dates_is_inclusive():
    prices = _prices()
    out = select_dates(prices, "2020-01-03", "2020-01-06")
    assert list(out.index) == [pd.Timestamp("2020-01-03"), pd.Timestamp("2020-01-06")]
    assert select_dates(prices, None, "2020-01-03").shape[0] == 2
    assert select_dates(prices, pd.Timestamp("2020-01-04"), None).shape[0] == 2
    assert select_dates(prices) is prices


def test_select_dates_errors():
    with pytest.raises(DataError, match="after end"):
        select_dates(_prices(), "2020-02-01", "2020-01-01")
    with pytest.raises(DataError, match=r"prices\.csv: no rows between 2021-01-01\.\..*2020-01-02"):
        select_dates(_prices(), "2021-01-01", None, source="prices.csv")
    with pytest.raises(DataError, match="cannot parse start"):
        select_dates(_prices(), "not a date", None)


def _gappy() -> pd.DataFrame:
    frame = _prices()
    frame["C"] = [np.nan, np.nan, 10.0, 11.0]  # listed late
    frame["D"] = [1.0, np.nan, 1.2, 1.3]  # one interior gap
    return frame


def test_drop_assets_warns_naming_them(caplog):
    with caplog.at_level(logging.WARNING, logger="portfolio_sgd.data"):
        out = apply_nan_policy(_gappy(), "drop-assets", source="mydata")
    assert list(out.columns) == ["A", "B"]
    assert out.shape[0] == 4
    records = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(records) == 1
    message = records[0].getMessage()
    assert records[0].name == "portfolio_sgd.data"
    assert "mydata" in message and "dropped 2 of 4 assets" in message and "C, D" in message


def test_drop_rows(caplog):
    with caplog.at_level(logging.WARNING, logger="portfolio_sgd.data"):
        out = apply_nan_policy(_gappy(), NanPolicy.DROP_ROWS)
    assert list(out.index) == [pd.Timestamp("2020-01-06"), pd.Timestamp("2020-01-07")]
    assert list(out.columns) == ["A", "B", "C", "D"]
    assert "dropped 2 of 4 dates" in caplog.text


def test_raise_names_first_column_and_first_nan_date():
    with pytest.raises(DataError) as err:
        apply_nan_policy(_gappy(), "raise", source="f.csv")
    message = str(err.value)
    assert "f.csv" in message and "'C'" in message and "first on 2020-01-02" in message


def test_rows_missing_everywhere_are_always_dropped(caplog):
    frame = _prices()
    frame.iloc[2] = np.nan
    with caplog.at_level(logging.WARNING, logger="portfolio_sgd.data"):
        out = apply_nan_policy(frame, "raise")
    assert out.shape == (3, 2)
    assert not caplog.records  # nothing dropped that a user would miss


def test_no_nan_is_a_no_op(caplog):
    frame = _prices()
    with caplog.at_level(logging.DEBUG, logger="portfolio_sgd.data"):
        assert apply_nan_policy(frame, "drop-assets") is frame
    assert not caplog.records


def test_invalid_nan_policy():
    with pytest.raises(ValueError, match="'drop-assets', 'drop-rows', 'raise'"):
        apply_nan_policy(_gappy(), "fill")
    # underscores and case are accepted
    assert apply_nan_policy(_gappy(), "DROP_ROWS").shape == (2, 4)


def test_enums_are_str():
    assert NanPolicy.DROP_ASSETS == "drop-assets"
    assert ReturnsMethod("log") is ReturnsMethod.LOG
    assert str(NanPolicy.RAISE) == "raise"
    assert [m.value for m in NanPolicy] == ["drop-assets", "drop-rows", "raise"]
