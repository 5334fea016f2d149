"""The built wheel carries the bundled data and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_data_and_entry_point(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-q"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("portfolio_sgd-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data_file in ("sp500_dataset.csv.gz", "sp500_index.csv.gz", "README.md"):
        assert f"portfolio_sgd/bundled_data/{data_file}" in names
    from portfolio_sgd.data.examples import EXAMPLE_FILES  # `portfolio-sgd examples DIR`

    for name in EXAMPLE_FILES:
        assert f"portfolio_sgd/bundled_data/examples/{name}" in names
    for package in ("risk", "backtest", "cli", "data", "plotting"):
        assert f"portfolio_sgd/{package}/__init__.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "portfolio-sgd = portfolio_sgd.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
