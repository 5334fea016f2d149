"""Regenerate the example input files in data/examples/ (shipped in the wheel).

``portfolio-sgd examples DIR`` copies them into a folder. Returns come from the bundled
sp500 dataset (2022); the holdings, costs and budgets are illustrative numbers; the
sectors are a copy of data/sp500_sectors.csv. Run from the repository root::

    python scripts/make_examples.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from portfolio_sgd.data import load_returns

OUT = Path(__file__).resolve().parents[1] / "data" / "examples"

HOLDINGS = {
    "AAPL": 0.15,
    "MSFT": 0.15,
    "JNJ": 0.15,
    "PG": 0.10,
    "KO": 0.10,
    "XOM": 0.10,
    "JPM": 0.10,
    "WMT": 0.05,
    "UNH": 0.05,
    "HD": 0.05,
}
COST_BPS = {"AMD": 15.0, "BBY": 20.0, "GE": 10.0, "RRC": 40.0, "LLY": 8.0}  # others: 5 bps
LONG_TICKERS = ["AAPL", "MSFT", "JNJ", "KO", "XOM"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    returns = load_returns(dataset="sp500", start="2022-01-01")
    returns.index = returns.index.strftime("%Y-%m-%d")
    returns.index.name = "Date"
    returns.to_csv(OUT / "returns_wide.csv", float_format="%.6g")
    long = returns[LONG_TICKERS].stack().rename("value").reset_index()
    long.columns = ["date", "ticker", "value"]
    long.to_csv(OUT / "returns_long.csv", index=False, float_format="%.6g")
    pd.Series(HOLDINGS, name="weight").rename_axis("ticker").to_csv(OUT / "holdings.csv")
    costs = {t: COST_BPS.get(t, 5.0) for t in returns.columns}
    pd.Series(costs, name="bps").rename_axis("ticker").to_csv(OUT / "costs.csv")
    sectors = pd.read_csv(OUT.parent / "sp500_sectors.csv")
    heavy = {"Consumer Staples", "Health Care"}
    budgets = {
        a: 2.0 if s in heavy else 1.0 for a, s in zip(sectors.asset, sectors.sector, strict=True)
    }
    pd.Series(budgets, name="budget").rename_axis("ticker").to_csv(OUT / "budgets.csv")
    shutil.copyfile(OUT.parent / "sp500_sectors.csv", OUT / "sectors.csv")
    for path in sorted(OUT.iterdir()):
        print(f"{path.name:<18} {path.stat().st_size:>8} bytes")


if __name__ == "__main__":
    main()
