"""Shared fixtures: real bundled panels, and one intra-op thread per test worker.

Tests run in parallel (pytest-xdist, one worker per core); letting each worker also use
every core for tiny tensors makes OpenMP threads fight, so each worker uses one thread.
"""

from __future__ import annotations

import os

import matplotlib
import pandas as pd
import pytest
import torch
from hypothesis import settings

matplotlib.use("Agg")
# CI runs every property test on a fixed set of examples (reproducible: a red CI is a real
# regression, never a newly drawn case); local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")

# A mixed panel of equity, gold and bond ETFs: daily volatilities differ by about 50x
# (SHY about 0.05% a day, GDX about 2.7%), the ill-conditioned case.
ETF_MIX = [
    "SPY",
    "QQQ",
    "IWM",
    "EFA",
    "EEM",
    "XLF",
    "XLE",
    "XLK",
    "GLD",
    "VNQ",
    "XLU",
    "GDX",
    "TLT",
    "AGG",
    "BND",
    "LQD",
    "HYG",
    "IEF",
    "TIP",
    "MUB",
    "SHY",
]


@pytest.fixture(scope="session")
def sp500_returns() -> pd.DataFrame:
    """The default dataset: 20 stocks, daily simple returns 1990-2022 (8312 x 20)."""
    from portfolio_sgd.data import load_returns

    return load_returns(dataset="sp500")


@pytest.fixture(scope="session")
def etf_mix_returns() -> pd.DataFrame:
    """21 ETFs (equity, gold, bonds) 2012-2017: volatilities spanning ~50x."""
    from portfolio_sgd.data import load_returns

    return load_returns(dataset="us-etfs", tickers=ETF_MIX)


@pytest.fixture(scope="session")
def ff49_returns() -> pd.DataFrame:
    """49 industry portfolios, daily returns 2000-2021 (a panel the defaults never saw)."""
    from portfolio_sgd.data import load_returns

    return load_returns(dataset="ff49-daily", start="2000-01-01")


@pytest.fixture(scope="session")
def us_stocks_50() -> pd.DataFrame:
    """The first 50 us-stocks-2500 columns with a full history, last 750 days (750 x 50)."""
    from portfolio_sgd.data import load_returns

    returns = load_returns(dataset="us-stocks-2500")
    full = returns.columns[returns.notna().all().to_numpy()]
    return returns.loc[:, full[:50]].iloc[-750:]
