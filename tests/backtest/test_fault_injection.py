"""Fault injection: a backtest killed or failing while it writes ``--output-dir``.

The child is the real ``portfolio-sgd backtest`` command (``sys.executable -c``) on a
tiny returns file, with the output writer patched to pause after its n-th file and say
so through a flag file; the parent then delivers the signal. Whatever happens, the
output folder must hold the complete old set or the complete new set, byte for byte.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.backtest import result as result_module
from portfolio_sgd.cli import main

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, time
from pathlib import Path
from portfolio_sgd.backtest import result as result_module
from portfolio_sgd.cli import main

pause_at, flag = int(sys.argv[1]), Path(sys.argv[2])
original = result_module._write_file
count = 0

def pausing(path, data):
    global count
    original(path, data)
    count += 1
    if count == pause_at:
        flag.write_text(path.name)
        time.sleep(120)

result_module._write_file = pausing
main(sys.argv[3:], prog_name="portfolio-sgd")
"""


def _returns_file(folder: Path, seed: int) -> Path:
    """A tiny returns CSV (40 business days x 3 assets)."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2021-01-04", periods=40, name="date")
    frame = pd.DataFrame(rng.normal(0.0005, 0.01, (40, 3)), index=index, columns=["A", "B", "C"])
    path = folder / f"returns{seed}.csv"
    frame.to_csv(path)
    return path


def _args(returns: Path, out: Path) -> list[str]:
    return [
        "backtest",
        "--returns",
        str(returns),
        "--strategies",
        "equal-weight,buy-and-hold",
        "--lookback",
        "10",
        "--rebalance-every",
        "5",
        "--benchmark",
        "none",
        "--output-dir",
        str(out),
    ]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _old_set(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "bt"
    result = CliRunner().invoke(main, _args(_returns_file(tmp_path, 1), out))
    assert result.exit_code == 0, result.output
    return out, _snapshot(out)


def _manifest_matches(files: dict[str, bytes]) -> bool:
    listed = json.loads(files["manifest.json"])["files"]
    digests = {n: hashlib.sha256(b).hexdigest() for n, b in files.items() if n != "manifest.json"}
    return listed == digests


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".bt."))


def _run_and_signal(tmp_path: Path, out: Path, pause_at: int, sig: int) -> int:
    """Start the child, wait until it pauses after file ``pause_at``, signal it; its exit code."""
    flag = tmp_path / "paused.flag"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", CHILD, str(pause_at), str(flag)]
    cmd += _args(_returns_file(tmp_path, 2), out)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the child never reached the pause"
            time.sleep(0.05)
        proc.send_signal(sig)
        # communicate, not wait: a child that writes more than a pipe holds must not block
        proc.communicate(timeout=60)
        return proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("pause_at", [1, 3, 6])
def test_kill_9_during_the_writes_leaves_the_old_set(tmp_path: Path, pause_at: int) -> None:
    out, before = _old_set(tmp_path)
    code = _run_and_signal(tmp_path, out, pause_at, signal.SIGKILL)
    assert code == -signal.SIGKILL
    after = _snapshot(out)
    assert after == before  # wholly the old set, byte for byte
    assert _manifest_matches(after)


def test_sigint_during_the_writes_cleans_up(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    code = _run_and_signal(tmp_path, out, 2, signal.SIGINT)
    assert code != 0
    assert _snapshot(out) == before
    assert _leftovers(tmp_path) == []  # the interrupt removed the temporary folder


def test_an_uninterrupted_run_replaces_the_whole_set(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    result = CliRunner().invoke(main, _args(_returns_file(tmp_path, 2), out))
    assert result.exit_code == 0, result.output
    after = _snapshot(out)
    assert set(after) == set(before)
    assert all(after[n] != before[n] for n in ("equity.csv", "weights.csv", "metrics.json"))
    assert _manifest_matches(after) and _leftovers(tmp_path) == []


def test_enospc_mid_set_leaves_the_old_set_and_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = _old_set(tmp_path)
    original = result_module._write_file
    calls = []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, data)

    monkeypatch.setattr(result_module, "_write_file", failing)
    result = CliRunner().invoke(main, _args(_returns_file(tmp_path, 2), out))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "No space left" in errors[0]
    assert len(calls) == 3
    assert _snapshot(out) == before
    assert _leftovers(tmp_path) == []
