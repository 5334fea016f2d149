"""Running a function on P local gloo ranks (tests, benchmarks, one-machine runs).

:func:`run_local` starts P processes with ``torch.multiprocessing`` on 127.0.0.1 and a
free port, sets the variables torchrun would set (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT) and calls ``fn(*args)`` in each; rank 0's return value comes
back. For real clusters use torchrun (see the README).
"""

from __future__ import annotations

import os
import socket
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

    Raises
    ------
    RuntimeError
        When a rank fails (its message).
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
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    failed = [r for r in results if not r[1]]
    if failed:
        raise RuntimeError(f"rank {failed[0][0]} failed: {failed[0][2]}")
    return next(r[2] for r in results if r[0] == 0)
