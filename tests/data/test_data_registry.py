"""Bundled datasets: metadata against the files, values against the curated originals."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import (
    DEFAULT_DATASET,
    DatasetInfo,
    dataset_info,
    list_datasets,
    load_dataset,
)
from portfolio_sgd.data.registry import bundled_file
from portfolio_sgd.errors import DataError, UnknownDatasetError

REPO = Path(__file__).resolve().parents[2]
NAMES = ["sp500", "sp500-index", "ff49-daily", "ff3-factors-daily", "us-etfs", "us-stocks-2500"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_list_datasets_names_and_default_first():
    infos = list_datasets()
    assert [i.name for i in infos] == NAMES
    assert infos[0].name == DEFAULT_DATASET == "sp500"
    assert all(isinstance(i, DatasetInfo) for i in infos)
    assert {i.kind for i in infos} == {"prices", "returns"}


def test_dataset_info_to_dict_is_json_ready():
    info = dataset_info("ff49-daily")
    data = info.to_dict()
    assert data["kind"] == "returns"
    assert data["n_assets"] == 49
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "name",
        "kind",
        "description",
        "source",
        "filename",
        "n_rows",
        "n_assets",
        "start",
        "end",
    }


def test_dataset_info_is_frozen():
    info = dataset_info("sp500")
    with pytest.raises(AttributeError):
        info.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("alias", ["SP500", " sp500 ", "US_ETFS", "Us-Stocks-2500"])
def test_dataset_names_ignore_case_and_underscores(alias):
    assert dataset_info(alias).name == alias.strip().lower().replace("_", "-")


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(UnknownDatasetError) as err:
        dataset_info("sp600")
    message = str(err.value)
    assert "'sp600'" in message
    for name in NAMES:
        assert name in message
    assert isinstance(err.value, DataError)
    with pytest.raises(UnknownDatasetError, match="sp600"):
        load_dataset("sp600")


@pytest.mark.parametrize("name", NAMES)
def test_metadata_matches_the_file_and_the_original(name, shared_data):
    info = dataset_info(name)
    frame = load_dataset(name)
    original = pd.read_csv(shared_data / info.filename, index_col=0, parse_dates=True)
    # metadata against the file, read independently
    assert frame.shape == (info.n_rows, info.n_assets) == original.shape
    assert frame.index[0] == pd.Timestamp(info.start) == original.index[0]
    assert frame.index[-1] == pd.Timestamp(info.end) == original.index[-1]
    # structure
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.name == "Date"
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert list(frame.columns) == [str(c) for c in original.columns]
    assert all(isinstance(c, str) for c in frame.columns)
    # values: exactly the stored values (byte-identical copies parsed by the same parser)
    np.testing.assert_array_equal(frame.to_numpy(), original.to_numpy(dtype=np.float64))
    np.testing.assert_array_equal(frame.index.to_numpy(), original.index.to_numpy())


def test_sp500_equals_pandas_read_csv_exactly(shared_data):
    expected = pd.read_csv(shared_data / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    frame = load_dataset("sp500")
    pd.testing.assert_frame_equal(frame, expected, check_exact=True, check_column_type=False)
    # a hand check of the first row in the file: AAPL 0.264, XOM 4.068 on 1990-01-02
    assert frame.loc["1990-01-02", "AAPL"] == 0.264
    assert frame.loc["1990-01-02", "XOM"] == 4.068


def test_kinds_match_the_values():
    # price datasets are positive levels; the returns dataset is centred near zero
    for info in list_datasets():
        frame = load_dataset(info.name)
        if info.kind == "prices":
            assert (frame.to_numpy() > 0).all()
        else:
            values = frame.to_numpy()
            assert abs(np.median(values)) < 1e-2
            assert values.min() > -1.0


def test_float32_dtype():
    frame32 = load_dataset("us-etfs", dtype="float32")
    frame64 = load_dataset("us-etfs")
    assert all(dtype == np.float32 for dtype in frame32.dtypes)
    np.testing.assert_allclose(frame32.to_numpy(), frame64.to_numpy(), rtol=1e-6)
    assert load_dataset("sp500", dtype=np.float32).dtypes.iloc[0] == np.float32


@pytest.mark.parametrize("dtype", ["int64", "float16", "bogus"])
def test_unsupported_dtype(dtype):
    with pytest.raises(DataError, match="float64, float32"):
        load_dataset("sp500", dtype=dtype)


def test_bundled_copies_are_byte_identical_to_the_originals(shared_data):
    for info in list_datasets():
        with bundled_file(info.filename) as path:
            assert _sha256(path) == _sha256(shared_data / info.filename), info.filename


def test_readme_records_every_sha256():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    recorded = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.M)
    )
    files = {info.filename for info in list_datasets()}
    assert set(recorded) == files
    for info in list_datasets():
        with bundled_file(info.filename) as path:
            assert _sha256(path) == recorded[info.filename]


def test_data_folder_is_lean():
    shipped = {p.name for p in (REPO / "data").iterdir() if not p.name.startswith(".")}
    expected = {info.filename for info in list_datasets()} | {"README.md", "__init__.py"}
    expected |= {"sp500_sectors.csv"}  # the GICS sectors of sp500's 20 stocks (--groups)
    expected |= {"examples"}  # example input files (portfolio-sgd examples DIR)
    assert shipped - {"__pycache__"} == expected


def test_us_stocks_2500_loads_quickly():
    import time

    began = time.perf_counter()
    frame = load_dataset("us-stocks-2500")
    elapsed = time.perf_counter() - began
    assert frame.shape == (1260, 2500)
    assert elapsed < 10.0  # about 1 s on a laptop; generous for loaded CI machines


def _source_data_dir() -> Path:
    from portfolio_sgd.data import registry

    folder = Path(registry.__file__).resolve().parents[2] / "data"
    if not (folder / "sp500_index.csv.gz").is_file():
        pytest.skip("not a source checkout: no top-level data/ folder next to the package")
    return folder


def test_bundled_file_prefers_the_installed_package(tmp_path, monkeypatch):
    from portfolio_sgd.data import registry

    source = _source_data_dir()
    package = tmp_path / "fake_bundled_pkg"
    package.mkdir()
    (package / "__init__.py").write_text('"""Fake bundled data."""\n')
    (package / "tiny.csv").write_text("Date,A\n2020-01-02,1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_PACKAGE", "fake_bundled_pkg")
    with registry.bundled_file("tiny.csv") as path:
        assert path.resolve() == (package / "tiny.csv").resolve()
    # a file the package lacks falls back to the source checkout's data/ folder
    with registry.bundled_file("sp500_index.csv.gz") as path:
        assert path == source / "sp500_index.csv.gz"


def test_bundled_file_falls_back_and_reports_a_missing_file(monkeypatch):
    from portfolio_sgd.data import registry

    source = _source_data_dir()
    monkeypatch.setattr(registry, "_PACKAGE", "no_such_package_for_portfolio_sgd")
    with registry.bundled_file("sp500_dataset.csv.gz") as path:
        assert path == source / "sp500_dataset.csv.gz"
    with pytest.raises(DataError, match="'missing.csv.gz' is missing; reinstall"):
        with registry.bundled_file("missing.csv.gz"):
            pass


def test_library_never_reads_the_shared_folder():
    from portfolio_sgd.data import registry

    sources = Path(registry.__file__).resolve().parent.glob("*.py")
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for needle in ("../shared", "/shared/", '"shared"'):
            assert needle not in text, (source.name, needle)
