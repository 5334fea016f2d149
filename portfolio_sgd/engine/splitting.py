"""Where :func:`~portfolio_sgd.engine.run_engine` sends a grid of runs.

By default the engine runs every run of a grid in this process. Inside
:func:`portfolio_sgd.distributed.split.split_runs` a *run splitter* is set: each
``run_engine`` call then gives every rank of a torch.distributed group its slice of the
K runs (on all the data) and gathers the outputs, so the sweeps built on the engine
(frontier, bootstrap) are divided among ranks without changing their code.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

RUN_SPLITTER: ContextVar[Any] = ContextVar("RUN_SPLITTER", default=None)
"""A callable ``(problem, config, grid, callbacks) -> EngineOutput``, or None."""
