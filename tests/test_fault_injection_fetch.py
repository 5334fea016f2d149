"""Fault injection on the download cache (issue 11).

A child process runs ``portfolio-sgd fetch`` with the network faked inside it (the default
downloader is replaced by one serving known prices) and pauses at a chosen point of the
cache write; the parent then kills it with SIGKILL and byte-compares every cache file
with the file before the fetch and the file an uninterrupted fetch writes. Each file must
be wholly one or the other, and the cache must still serve a later fetch. A simulated
disk-full error must leave the old cache intact and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main

REPO = Path(__file__).resolve().parents[1]
TICKERS = ("AAA", "BBB", "CCC")
OLD = ("2022-01-03", "2022-06-30")
NEW = ("2022-01-03", "2022-12-30")

CHILD = r"""
import os, sys, time
import numpy as np, pandas as pd
import pyarrow.parquet as pq
from portfolio_sgd.data import yfinance_cache

point, marker = os.environ["FAULT_POINT"], os.environ["FAULT_MARKER"]
index = pd.bdate_range("2021-06-01", "2023-06-30", name="Date")
rng = np.random.default_rng(7)
closes = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(index), 3)), axis=0)),
                      index=index, columns=["AAA", "BBB", "CCC"])

def fake_download(tickers, *, start, end):  # the network, faked
    rows = closes.loc[(closes.index >= start) & (closes.index < end), list(tickers)]
    return rows.copy()

yfinance_cache.yfinance_download = fake_download

def pause():
    open(marker, "w").close()
    time.sleep(120)

real_write, real_replace = pq.write_table, os.replace
writes, replaces = [], []

def write(table, where, **kwargs):
    real_write(table, where, **kwargs)
    writes.append(where)
    if point == "write" and len(writes) == 2:  # mid-write: a half-written temporary
        size = os.path.getsize(where)
        with open(where, "r+b") as handle:
            handle.truncate(size // 2)
        pause()

def replace(src, dst):
    real_replace(src, dst)
    replaces.append(dst)
    if point == "replace" and len(replaces) == 1:  # between the renames
        pause()

pq.write_table, os.replace = write, replace
from portfolio_sgd.cli import main
main(["fetch", *sys.argv[1:]], standalone_mode=True)
"""


def child(cache: Path, window: tuple[str, str], point: str, marker: Path) -> subprocess.Popen:
    env = dict(os.environ, FAULT_POINT=point, FAULT_MARKER=str(marker))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    args = [*TICKERS, "--start", window[0], "--end", window[1], "--cache-dir", str(cache)]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def files(cache: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((cache / "yfinance").glob("*.parquet"))}


def run_to_end(cache: Path, window: tuple[str, str], marker: Path) -> None:
    proc = child(cache, window, "none", marker)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()


@pytest.fixture(scope="module")
def old_cache(tmp_path_factory) -> Path:
    """A cache folder as the old fetch, run to completion, left it (fetched once)."""
    folder = tmp_path_factory.mktemp("old-cache")
    run_to_end(folder, OLD, tmp_path_factory.mktemp("old-marker") / "marker")
    return folder


@pytest.fixture(scope="module")
def states(tmp_path_factory, old_cache) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The cache files after the old fetch, and after the new one run to completion."""
    folder = tmp_path_factory.mktemp("reference") / "cache"
    shutil.copytree(old_cache, folder)
    old = files(folder)
    run_to_end(folder, NEW, folder.parent / "marker")
    new = files(folder)
    assert set(old) == set(new) == {f"{t}.parquet" for t in TICKERS}
    assert all(old[name] != new[name] for name in old)  # the new fetch changes every file
    return old, new


def copy_of_old(old_cache: Path, tmp_path: Path) -> Path:
    """A private copy of the old fetch's cache (the whole folder, byte for byte)."""
    cache = tmp_path / "cache"
    shutil.copytree(old_cache, cache)
    return cache


@pytest.mark.parametrize("point", ["write", "replace"])
def test_kill_during_cache_write_leaves_each_file_wholly_old_or_new(
    tmp_path, states, old_cache, point
):
    old, new = states
    cache = copy_of_old(old_cache, tmp_path)
    assert files(cache) == old
    marker = tmp_path / "marker"
    proc = child(cache, NEW, point, marker)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the child never reached the cache write"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    after = files(cache)
    assert set(after) == set(old)
    states_seen = [
        "old" if after[n] == old[n] else "new" if after[n] == new[n] else "torn"
        for n in sorted(after)
    ]
    assert "torn" not in states_seen, states_seen
    # killed before any rename: all old; killed between renames: the first file is new
    assert states_seen == (["old"] * 3 if point == "write" else ["new", "old", "old"])
    # whatever was left, the cache still serves the new window, ending as the clean run
    run_to_end(cache, NEW, tmp_path / "m1")
    assert files(cache) == new


def test_disk_full_keeps_the_old_cache_and_no_temporary(tmp_path, states, old_cache, monkeypatch):
    old, _ = states
    cache = copy_of_old(old_cache, tmp_path)
    from portfolio_sgd.data import yfinance_cache

    prices = {}

    def fake_download(tickers, *, start, end):
        import numpy as np
        import pandas as pd

        index = pd.bdate_range(start, pd.Timestamp(end) - pd.Timedelta(days=1))
        prices.update(start=start, end=end)
        return pd.DataFrame(
            np.linspace(90, 110, len(index) * 3).reshape(-1, 3), index=index, columns=list(tickers)
        )

    def full(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(yfinance_cache, "yfinance_download", fake_download)
    monkeypatch.setattr(pq, "write_table", full)
    result = CliRunner().invoke(
        main, ["fetch", *TICKERS, "--start", NEW[0], "--end", NEW[1], "--cache-dir", str(cache)]
    )
    assert result.exit_code == 1 and prices, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: [Errno 28] No space left on device"], result.stderr
    assert files(cache) == old
    assert sorted(p.name for p in (cache / "yfinance").iterdir()) == sorted(old)
