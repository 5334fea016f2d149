"""Per-rank reading of returns files (portfolio_sgd.data.shard_reader, distributed.shard).

Each part's reader returns exactly its rows: the parts concatenated equal the
single-process read (``read_table``) bit for bit, for Parquet with many row groups and
with one, CSV (byte ranges) and ``.npy``, with tickers and date windows. Errors found by
one rank are agreed on (one ``Error:`` line, on rank 0). The slow tests launch torchrun
with two gloo ranks and compare against one process (objective 1e-9 relative, weights
1e-6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.data import read_table
from portfolio_sgd.data.shard_reader import read_rows
from portfolio_sgd.distributed.context import DistContext
from portfolio_sgd.distributed.shard import ShardSource, load_shard
from portfolio_sgd.errors import DataError

ROWS, ASSETS = 1_003, 5
F64 = np.dtype(np.float64)
TORCHRUN = Path(sys.executable).with_name("torchrun")


def _frame(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    values = rng.standard_t(4, size=(rows, ASSETS)) * 0.01
    index = pd.bdate_range("2001-01-01", periods=rows, name="Date")
    return pd.DataFrame(values, index=index, columns=[f"S{i}" for i in range(ASSETS)])


def _write(frame: pd.DataFrame, folder: Path) -> dict[str, Path]:
    paths = {k: folder / k for k in ("many.parquet", "one.parquet", "r.csv", "r.npy")}
    frame.to_parquet(paths["many.parquet"], row_group_size=97)
    frame.to_parquet(paths["one.parquet"])
    text = frame.reset_index().assign(Date=frame.index.strftime("%Y-%m-%d"))
    text.to_csv(paths["r.csv"], index=False, float_format="%.17g")
    np.save(paths["r.npy"], frame.to_numpy())
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return _write(_frame(), tmp_path_factory.mktemp("shard"))


@pytest.mark.parametrize("name", ["many.parquet", "one.parquet", "r.csv", "r.npy"])
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_parts_concatenate_to_the_single_process_read(files, name, parts) -> None:
    blocks = [read_rows(files[name], p, parts, F64) for p in range(parts)]
    values = np.vstack([b.values for b in blocks])
    want = np.load(files[name]) if name.endswith(".npy") else read_table(files[name]).to_numpy()
    assert np.array_equal(values, want)  # bit for bit
    assert all(b.values.flags.c_contiguous for b in blocks)
    assert abs(max(b.rows for b in blocks) - min(b.rows for b in blocks)) <= 2
    if not name.endswith(".npy"):
        dates = blocks[0].dates.append([b.dates for b in blocks[1:]])
        assert dates.equals(read_table(files[name]).index)


@pytest.mark.parametrize("name", ["many.parquet", "r.csv"])
def test_tickers_and_dates_per_part_match_the_loader(files, name) -> None:
    window = {"start": "2002-06-03", "end": "2003-06-30"}
    blocks = [
        read_rows(files[name], p, 3, np.dtype(np.float32), tickers=["s3", "S1"], **window)
        for p in range(3)
    ]
    assert blocks[0].rows == 0  # the window starts in part 1's rows
    full = read_table(files[name], dtype="float32").loc[window["start"] : window["end"]]
    assert np.array_equal(np.vstack([b.values for b in blocks]), full[["S3", "S1"]].to_numpy())
    assert blocks[1].tickers == ["S3", "S1"]
    assert blocks[1].values.dtype == np.float32


def test_csv_lines_split_by_bytes_belong_to_one_part(tmp_path) -> None:
    frame = _frame(40)
    path = tmp_path / "crlf.csv"
    text = frame.reset_index().assign(Date=frame.index.strftime("%Y-%m-%d"))
    path.write_bytes(text.to_csv(index=False, float_format="%.17g").encode() + b"\n\n")
    for parts in (2, 5, 40, 60):
        blocks = [read_rows(path, p, parts, F64) for p in range(parts)]
        assert np.array_equal(np.vstack([b.values for b in blocks]), frame.to_numpy())


def test_bad_files_fail_with_one_line(files, tmp_path) -> None:
    frame = _frame(50)
    frame.iloc[30, 2] = np.nan
    frame.to_parquet(tmp_path / "nan.parquet", row_group_size=10)
    read_rows(tmp_path / "nan.parquet", 0, 2, F64)  # part 0 holds rows 0..24: clean
    with pytest.raises(DataError, match=r"column 'S2' row 2001-02-1\d is nan"):
        read_rows(tmp_path / "nan.parquet", 1, 2, F64)
    text = frame.fillna(0.0).astype(object)
    text.iloc[40, 1] = "abc"
    text.reset_index().to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(DataError, match="column 'S1' row .* holds text 'abc'"):
        read_rows(tmp_path / "text.csv", 1, 2, F64)
    with pytest.raises(DataError, match="unknown ticker"):
        read_rows(files["r.csv"], 0, 2, F64, tickers=["NOPE"])
    with pytest.raises(DataError, match="no dates"):
        read_rows(files["r.npy"], 0, 2, F64, start="2001-01-01")
    (tmp_path / "x.txt").write_text("a\n1\n")
    with pytest.raises(DataError, match="a sharded run reads"):
        read_rows(tmp_path / "x.txt", 0, 1, F64)


def test_a_group_of_one_agrees_on_counts_and_rows(files) -> None:
    shard = load_shard(ShardSource(files["r.csv"], end="2001-12-31"), DistContext(), F64)
    assert (shard.offset, shard.total) == (0, shard.rows) and shard.rows == 261
    with pytest.raises(DataError, match="only 2 rows, need at least 30"):
        load_shard(ShardSource(files["r.csv"], end="2001-01-02"), DistContext(), F64)


def _cli(args: list[str], ranks: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    head = [str(TORCHRUN), "--standalone", f"--nproc-per-node={ranks}", "-m"] if ranks else []
    cmd = [*head, "portfolio_sgd", "optimize", *args] if ranks else []
    cmd = cmd or [sys.executable, "-m", "portfolio_sgd", "optimize", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("r.csv", ["--objective", "min-variance"]),
        ("many.parquet", ["--objective", "cvar", "--tickers", "S0,S2,S3,S4"]),
    ],
)
def test_two_torchrun_ranks_equal_one_process(files, name, args) -> None:
    common = ["--returns", str(files[name]), *args, "--format", "json", "--seed", "0"]
    one = json.loads(_cli(common).stdout)
    two = _cli([*common, "--start-date", "2001-01-01"], ranks=2)
    assert two.returncode == 0, two.stderr[-2000:]
    got = json.loads(two.stdout)
    assert got["world_size"] == 2
    rel = abs(got["objective_value"] - one["objective_value"]) / abs(one["objective_value"])
    assert rel <= 1e-9
    dw = max(abs(got["weights"][k] - one["weights"][k]) for k in one["weights"])
    assert dw <= 1e-6


@pytest.mark.slow
def test_nan_on_rank_one_is_one_error_line_on_rank_zero(tmp_path) -> None:
    frame = _frame(200)
    frame.iloc[150, 1] = np.nan  # rank 1 of 2 holds rows 100..199
    path = _write(frame, tmp_path)["r.csv"]
    run = _cli(["--returns", str(path), "--objective", "min-variance"], ranks=2)
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "column 'S1'" in lines[0] and "is nan" in lines[0]
