"""Data-parallel runs with torch.distributed: scenarios sharded across ranks and nodes.

- :mod:`.context`: the process group (gloo on CPU, NCCL on CUDA), torchrun detection,
  the collectives;
- :mod:`.shard`: which rows a rank holds, and reading only those from a file;
- :mod:`.problem`: the sharded problem (global T, all-reduced mean and moments);
- :mod:`.sampling`: a global index stream that each rank filters to its rows, so the
  answers do not depend on the number of ranks;
- :mod:`.selection`: the k-th smallest value over ranks (CVaR's VaR level);
- :mod:`.ops`, :mod:`.smoothing`, :mod:`.setup`: the engine's data passes, CVaR's
  smoothing and the engine state for a sharded problem;
- :mod:`.api`: :func:`optimize_sharded`, behind ``optimize(..., distributed=True)``;
- :mod:`.split`: ``--split runs``, the runs of a sweep divided among ranks.
"""

from __future__ import annotations

from .api import optimize_sharded
from .context import DistContext, launched_by_torchrun, start
from .shard import Shard, ShardSource, load_shard, row_range

__all__ = [
    "DistContext",
    "Shard",
    "ShardSource",
    "launched_by_torchrun",
    "load_shard",
    "optimize_sharded",
    "row_range",
    "start",
]
