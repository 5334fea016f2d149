"""Running a function on P local gloo ranks (tests, benchmarks, one-machine runs).

:func:`run_local` starts P processes with ``torch.multiprocessing`` on 127.0.0.1 and a
free port, sets the variables torchrun would set (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT) and calls ``fn(*args)`` in each; rank 0's return value comes
back. For real clusters use torchrun (see the README).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.multiprocessing as mp


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker(
    rank: int, world: int, port: int, fn: Callable[..., Any], args: tuple, queue: Any
) -> None:
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        OMP_NUM_THREADS="1",
    )
    torch.set_num_threads(1)
    try:
        value = fn(*args)
        queue.put((rank, True, value if rank == 0 else None))
    except Exception as exc:  # reported to the parent, which raises it
        queue.put((rank, False, f"{type(exc).__name__}: {exc}"))
        raise


def run_local(fn: Callable[..., Any], world_size: int, *args: Any) -> Any:
    """``fn(*args)`` on ``world_size`` local gloo ranks; rank 0's return value.

    ``fn`` must be importable (a module-level function) and its arguments picklable.
    A rank that ends without reporting (killed, ``os._exit``) is noticed within
    :data:`POLL_S`; the others are then given :data:`GRACE_S` to report before they are
    terminated, so a dead rank never leaves the caller waiting.

    Raises
    ------
    RuntimeError
        When a rank fails (its message, or its exit code when it ended silently).
    """
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    port = free_port()
    procs = [
        ctx.Process(target=_worker, args=(r, world_size, port, fn, args, queue))
        for r in range(world_size)
    ]
    for p in procs:
        p.start()
    results = _collect(procs, queue)
    failed = [r for r in results.values() if not r[1]]
    if failed:
        first = min(failed, key=lambda r: r[0])
        raise RuntimeError(f"rank {first[0]} failed: {first[2]}")
    return results[0][2]


POLL_S = 0.2
"""How often :func:`run_local` checks that the ranks are alive."""
GRACE_S = 60.0
"""How long the ranks still running may take to report after one ended silently."""


def _collect(procs: list, queue: Any) -> dict[int, tuple]:
    """Every rank's ``(rank, ok, value)``; a rank that exits silently is a failure."""
    results: dict[int, tuple] = {}
    deadline = None
    while len(results) < len(procs):
        while not queue.empty():
            item = queue.get()
            results[item[0]] = item
        for rank, p in enumerate(procs):
            if rank not in results and not p.is_alive() and queue.empty():
                results[rank] = (rank, False, f"ended with exit code {p.exitcode}")
                deadline = deadline or time.monotonic() + GRACE_S
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    for rank, p in enumerate(procs):
        p.join(timeout=GRACE_S if rank in results else 0)
        if p.is_alive():
            p.terminate()
            p.join()
            results.setdefault(rank, (rank, False, "did not finish; terminated"))
    return results
