"""Fixtures of the backtest tests: a small hand-made frame and a short sp500 window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def small_returns() -> pd.DataFrame:
    """Hand-made daily returns (60, 4) on business days."""
    rng = np.random.default_rng(7)
    values = rng.normal(0.0004, 0.012, size=(60, 4)) + rng.normal(0, 0.008, size=(60, 1))
    index = pd.bdate_range("2021-01-04", periods=60, name="date")
    return pd.DataFrame(values, index=index, columns=["AAA", "BBB", "CCC", "DDD"])


@pytest.fixture(scope="session")
def sp500_short() -> pd.DataFrame:
    """The bundled sp500 returns from 2021 on (about 500 rows, 20 assets)."""
    from portfolio_sgd.data import load_returns

    return load_returns(dataset="sp500", start="2021-01-01")
