"""The process group of a data-parallel run: detection, start-up, reductions, teardown.

A run is distributed when ``optimize(..., distributed=True)`` asks for it or when it was
started by ``torchrun`` (the launcher sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``,
see :func:`launched_by_torchrun`). The backend is NCCL when the run's device is CUDA
(each rank on ``cuda:LOCAL_RANK``) and gloo on the CPU. Every reduction goes through
:class:`DistContext`, which is the identity for one process without a process group, so
the same code serves 1 and P ranks.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from ..errors import ConfigError
from .failure import collective_guard, stop_on_sigterm
from .timeouts import read_timeouts

ENV_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
"""Environment variables that torchrun (torch.distributed.run) sets for every worker."""

_WORKING_GROUP: dict[str, Any] = {}
"""The working group :func:`start` created in this process (later runs join it)."""


def launched_by_torchrun() -> bool:
    """Whether this process is a worker of ``torchrun`` (RANK and WORLD_SIZE are set)."""
    return all(key in os.environ for key in ENV_KEYS[:2])


@dataclass
class DistContext:
    """This process's place in the group, and the collective operations the engine uses.

    Attributes
    ----------
    rank, world_size, local_rank : int
    backend : str
        "gloo" or "nccl" ("" without a process group: one process, reductions are no-ops).
    device : torch.device
        Where this rank's tensors live (NCCL reduces CUDA tensors only).
    owns_group : bool
        This context initialised the process group and destroys it in :meth:`close`.
    group : ProcessGroup, optional
        The group the collectives run on (None: the default group). A group this module
        starts is the default group's copy with the collective timeout (:mod:`.timeouts`).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = ""
    device: torch.device = torch.device("cpu")
    owns_group: bool = False
    group: Any = None

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that prints and writes outputs."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        """Whether collectives run (a process group with more than one rank)."""
        return self.backend != "" and self.world_size > 1

    def all_reduce(self, tensor: torch.Tensor, op: str = "sum") -> torch.Tensor:
        """``tensor`` reduced over ranks in place (op "sum", "min" or "max"), returned."""
        if self.active:
            ops = {"sum": dist.ReduceOp.SUM, "min": dist.ReduceOp.MIN, "max": dist.ReduceOp.MAX}
            with collective_guard("an all-reduce"):
                dist.all_reduce(tensor, op=ops[op], group=self.group)
        return tensor

    def all_gather(self, tensor: torch.Tensor) -> torch.Tensor:
        """Every rank's ``tensor`` (same shape on all ranks) stacked: (P, *shape)."""
        if not self.active:
            return tensor.unsqueeze(0)
        parts = [torch.empty_like(tensor) for _ in range(self.world_size)]
        with collective_guard("an all-gather"):
            dist.all_gather(parts, tensor.contiguous(), group=self.group)
        return torch.stack(parts)

    def gather_objects(self, value: object) -> list[object]:
        """Every rank's picklable ``value``, in rank order (on every rank)."""
        if not self.active:
            return [value]
        out: list[object] = [None] * self.world_size
        with collective_guard("an all-gather"):
            dist.all_gather_object(out, value, group=self.group)
        return out

    def broadcast_object(self, value: object) -> object:
        """Rank 0's ``value`` on every rank."""
        if not self.active:
            return value
        box = [value]
        with collective_guard("a broadcast from rank 0"):
            dist.broadcast_object_list(box, src=0, group=self.group)
        return box[0]

    def barrier(self) -> None:
        """Wait for every rank."""
        if self.active:
            with collective_guard("a barrier"):
                dist.barrier(group=self.group)

    def wait_for_main_exit(self) -> None:
        """On a rank other than 0: block until rank 0's process ends (or the collective
        timeout passes), so that rank 0 fails first and alone reports why."""
        if self.active and not self.is_main:
            try:
                dist.barrier(group=self.group)  # rank 0 never enters it: ends when it exits
            except RuntimeError:
                pass

    def close(self) -> None:
        """Destroy the process group if this context created it."""
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()
            self.owns_group = False


def start(device: str = "auto") -> DistContext:
    """Join (or create) the default process group from the torchrun environment.

    The group lives as long as the process (it is destroyed at exit): a second run in
    the same process joins it, since re-creating a group on the same rendezvous races
    against ranks still leaving the old one. The rendezvous and the collectives are bounded
    by the timeouts of :mod:`.timeouts`; a launcher's SIGTERM becomes a
    :class:`~.failure.RankFailure`. Without ``RANK``/``WORLD_SIZE`` (a plain process asked for ``distributed=True``) the
    run is a group of one, with no collectives. ``MASTER_ADDR``/``MASTER_PORT`` default to
    127.0.0.1:29500 when the launcher did not set them.

    Raises
    ------
    ConfigError
        For CUDA asked for but unavailable, or a malformed environment.
    RankFailure
        When the rendezvous fails (:func:`_init_group`).
    """
    try:
        rank = int(os.environ.get("RANK", "0"))
        world = int(os.environ.get("WORLD_SIZE", "1"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError as exc:
        raise ConfigError(f"bad torchrun environment: {exc}") from None
    use_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        raise ConfigError("a distributed CUDA run needs CUDA, which is not available")
    dev = (
        torch.device("cuda", local % torch.cuda.device_count()) if use_cuda else torch.device("cpu")
    )
    backend = "nccl" if use_cuda else "gloo"
    if dist.is_initialized():
        group = _WORKING_GROUP.get("group")
        return DistContext(rank, world, local, dist.get_backend(), dev, False, group)
    if world == 1:
        return DistContext(rank, 1, local, "", dev)
    if use_cuda:
        torch.cuda.set_device(dev)
    group = _WORKING_GROUP["group"] = _init_group(backend, rank, world)
    atexit.register(_destroy)  # one group per process: later runs join it
    stop_on_sigterm()
    return DistContext(rank, world, local, backend, dev, owns_group=True, group=group)


def _init_group(backend: str, rank: int, world: int) -> Any:
    """Rendezvous and start the default group, both bounded by the join timeout; return
    the working group: all ranks, each collective bounded by the collective timeout.

    Raises
    ------
    RankFailure
        When the master cannot be reached or not every rank joins in time.
    """
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    timeouts = read_timeouts()
    where = f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
    what = (
        f"the rendezvous of {world} ranks at {where} (rank {rank}, join timeout "
        f"{timeouts.join.total_seconds():g} s)"
    )
    with collective_guard(what):
        store, _, _ = next(dist.rendezvous("env://", rank, world, timeout=timeouts.join))
        dist.init_process_group(
            backend=backend, store=store, rank=rank, world_size=world, timeout=timeouts.join
        )
        dist.barrier()  # every rank has joined
        return dist.new_group(timeout=timeouts.collective)


def _destroy() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
