"""Fixtures of the report tests: a returns file whose tickers hold HTML, and headless
Chromium driven by Selenium.

The browser is Debian's ``chromium`` with ``chromium-driver`` (``.ci/run`` installs both).
Without them the browser tests skip locally, with the reason, and fail in CI (``CI`` set):
a missing browser must never turn the check green.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "report"
"""Screenshots of each section (gitignored)."""
SCRIPT_TICKER = "<script>alert(1)</script>"
IMG_TICKER = '<img src=x onerror="window.__xss=1">'
HOSTILE = {"WMT": SCRIPT_TICKER, "JNJ": IMG_TICKER}
"""Two tickers the min-variance portfolio of sp500 2019-2022 holds, renamed to HTML."""


def _missing_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for name in ("chromium", "chromedriver"):
        if shutil.which(name) is None:
            return (
                f"{name} is not on PATH: apt-get install -y chromium chromium-driver "
                "(.ci/run installs them)"
            )
    return None


def require_browser() -> None:
    """Skip (locally) or fail (in CI) when headless Chromium cannot be driven."""
    why = _missing_browser()
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the report's browser tests must run in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium WebDriver that records the console (browser log)."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def hostile_returns_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sp500 returns 2019-2022 as a CSV whose WMT and JNJ columns are named with HTML."""
    from portfolio_sgd.data import load_returns

    returns = load_returns(dataset="sp500", start="2019-01-01").rename(columns=HOSTILE)
    path = tmp_path_factory.mktemp("report-data") / "returns.csv"
    returns.to_csv(path, date_format="%Y-%m-%d")
    return path


def written_frame(path: Path) -> pd.DataFrame:
    """A returns CSV read back (dates as index)."""
    return pd.read_csv(path, index_col=0, parse_dates=True)
