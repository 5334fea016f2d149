"""The built wheel and sdist carry every module, the bundled data and the console script."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "portfolio_sgd").rglob("*.py") if p.is_file()
)
DATA_FILES = sorted(
    str(p.relative_to(ROOT / "data"))
    for p in (ROOT / "data").rglob("*")
    if p.is_file() and p.suffix in {".gz", ".csv", ".md", ".parquet"}
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, as ``python -m build`` makes them."""
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_wheel_has_every_module_of_the_source_tree(dist: Path) -> None:
    (wheel,) = dist.glob("portfolio_sgd-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert len(SOURCES) > 150
    assert [s for s in SOURCES if s not in names] == []


def test_wheel_has_the_bundled_data_and_the_entry_point(dist: Path) -> None:
    (wheel,) = dist.glob("portfolio_sgd-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert "sp500_dataset.csv.gz" in DATA_FILES
    missing = [f for f in DATA_FILES if f"portfolio_sgd/bundled_data/{f}" not in names]
    assert missing == []
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "portfolio-sgd = portfolio_sgd.cli:main" in archive.read(entry).decode()


def test_sdist_has_the_sources_and_the_data(dist: Path) -> None:
    (sdist,) = dist.glob("portfolio_sgd-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert [s for s in SOURCES if s not in names] == []
    assert [f for f in DATA_FILES if f"data/{f}" not in names] == []
    assert {"pyproject.toml", "setup.py", "README.md"} <= names
