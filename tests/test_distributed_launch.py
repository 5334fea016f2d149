"""Robust launch of sharded runs (gloo on this machine): never a hang, one clear line.

Each case starts worker processes the way torchrun starts them (RANK, WORLD_SIZE,
MASTER_ADDR, MASTER_PORT in the environment; ``python -m portfolio_sgd optimize``) and
checks the exit status and what rank 0 prints:

- a rendezvous that fails (a rank alone, a master nobody serves) ends after the join
  timeout (``PORTFOLIO_SGD_JOIN_TIMEOUT``, 2 s here);
- ranks with different package versions or command lines stop at the start-up check,
  with one ``Error:`` line on rank 0 and status 1 on every rank;
- a rank killed mid-run (SIGKILL) makes the other leave with one line, at once.

One quick test per case; the second variant of a case is marked slow (each test starts
processes that import torch).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portfolio_sgd.distributed.launch import free_port
from portfolio_sgd.distributed.timeouts import read_timeouts
from portfolio_sgd.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["optimize", "--objective", "min-variance", "--format", "json"]
PATCH_VERSION = (
    "import sys, portfolio_sgd.distributed.handshake as h; "
    "h.package_version = lambda: '9.9.9'; "
    "from portfolio_sgd.__main__ import run; run(sys.argv[1:])"
)
WAIT_S = 120


def worker(
    rank: int, world: int, port: int, args: list[str], code: str | None = None
) -> subprocess.Popen:
    """One rank of ``python -m portfolio_sgd ARGS`` (or ``python -c code ARGS``)."""
    env = {
        **os.environ,
        "RANK": str(rank),
        "WORLD_SIZE": str(world),
        "LOCAL_RANK": str(rank),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "PORTFOLIO_SGD_JOIN_TIMEOUT": "2",
        "PORTFOLIO_SGD_COLLECTIVE_TIMEOUT": "60",
        "OMP_NUM_THREADS": "1",
        "TORCH_CPP_LOG_LEVEL": "FATAL",
    }
    head = ["-c", code] if code else ["-m", "portfolio_sgd"]
    return subprocess.Popen(
        [sys.executable, *head, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> tuple[int, list[str]]:
    """Exit status and the ``Error:`` lines of a worker (fails the test on a hang)."""
    _, err = proc.communicate(timeout=WAIT_S)
    return proc.returncode, [line for line in err.splitlines() if line.startswith("Error:")]


def test_a_rank_alone_fails_the_rendezvous_with_one_line() -> None:
    began = time.monotonic()
    code, errors = finish(worker(0, 2, free_port(), ARGS))
    assert code == 1
    assert len(errors) == 1 and "rendezvous of 2 ranks" in errors[0], errors
    assert "1/2 clients joined" in errors[0] or "timed out" in errors[0].lower(), errors
    assert time.monotonic() - began < WAIT_S


@pytest.mark.slow
def test_an_unreachable_master_fails_with_one_line() -> None:
    code, errors = finish(worker(1, 2, free_port(), ARGS))  # nobody serves the port
    assert code == 1
    assert len(errors) == 1 and "rendezvous of 2 ranks" in errors[0], errors


def test_a_bad_timeout_setting_is_one_line(monkeypatch) -> None:
    monkeypatch.setenv("PORTFOLIO_SGD_JOIN_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="PORTFOLIO_SGD_JOIN_TIMEOUT"):
        read_timeouts()


def test_mismatched_versions_stop_every_rank_with_one_line_on_rank_0() -> None:
    port = free_port()
    rank0 = worker(0, 2, port, ARGS)
    rank1 = worker(1, 2, port, ARGS, code=PATCH_VERSION)
    (code0, errors0), (code1, errors1) = finish(rank0), finish(rank1)
    assert code0 == 1 and code1 == 1
    assert len(errors0) == 1 and "different versions" in errors0[0], errors0
    assert "9.9.9" in errors0[0]
    assert errors1 == []


@pytest.mark.slow
def test_mismatched_arguments_stop_every_rank_with_one_line_on_rank_0() -> None:
    port = free_port()
    rank0 = worker(0, 2, port, [*ARGS, "--seed", "1"])
    rank1 = worker(1, 2, port, [*ARGS, "--seed", "2"])
    (code0, errors0), (code1, errors1) = finish(rank0), finish(rank1)
    assert code0 == 1 and code1 == 1
    assert len(errors0) == 1 and "different arguments" in errors0[0], errors0
    assert errors1 == []


def test_a_rank_killed_mid_run_ends_the_other_with_one_line() -> None:
    port = free_port()
    rank0 = worker(0, 2, port, ARGS)
    rank1 = worker(1, 2, port, ARGS)
    assert rank1.stderr is not None
    for line in rank1.stderr:  # its data are loaded: the run is under way
        if line.startswith("info:"):
            break
    rank1.send_signal(signal.SIGKILL)
    rank1.wait(timeout=WAIT_S)
    code0, errors0 = finish(rank0)
    assert code0 == 1
    assert len(errors0) == 1 and "another rank ended" in errors0[0], errors0


def rank_pid(launcher: int, rank: int) -> int:
    """The pid of torchrun's worker with LOCAL_RANK ``rank`` (from /proc)."""
    children = subprocess.run(
        ["pgrep", "-P", str(launcher)], capture_output=True, text=True, check=True
    ).stdout.split()
    for pid in children:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        if f"LOCAL_RANK={rank}".encode() in environ:
            return int(pid)
    raise AssertionError(f"no worker with LOCAL_RANK={rank}")


@pytest.mark.slow
def test_under_torchrun_a_killed_rank_stops_the_run_with_one_line_on_rank_0() -> None:
    command = [str(Path(sys.executable).with_name("torchrun")), "--standalone"]
    command += ["--nproc-per-node", "2", "-m", "portfolio_sgd", *ARGS, "--objective", "cvar"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TORCH_CPP_LOG_LEVEL": "FATAL"}
    launcher = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert launcher.stderr is not None
    seen = 0
    for line in launcher.stderr:  # both ranks have loaded their data
        seen += line.startswith("info:")
        if seen == 2:
            break
    os.kill(rank_pid(launcher.pid, 1), signal.SIGKILL)
    _, err = launcher.communicate(timeout=WAIT_S)
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert launcher.returncode == 1
    assert len(errors) == 1, errors
    assert "SIGTERM" in errors[0] or "another rank ended" in errors[0], errors
