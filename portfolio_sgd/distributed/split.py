"""``--split runs``: the K runs of a sweep divided among ranks, each with all the data.

Inside ``with split_runs(ctx):`` every call of :func:`portfolio_sgd.engine.run_engine`
gives rank r the runs ``[K r // P, K (r + 1) // P)`` of its grid (batch sizes, per-run
parameters, warm starts and row weights sliced alike), runs them on the whole data and
all-gathers the outputs, so every rank continues with the full (K, N) result. The
frontier (its calibration runs and the K points) and the bootstrap (B resamples) are
split this way without changing their code; the work outside the engine (reading the
data, certificates, summaries) is repeated on every rank.

Each slice is a separate batch: its runs draw from their own stream of the shared seed,
and the step size and the tolerance test are those of the slice, so the answers match
the unsplit sweep to the tolerance (exactly, for runs with exact full-data steps and a
fixed step size), not bit for bit.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from ..engine import Callback, EngineOutput, Problem, RunGrid, run_engine
from ..engine.config import EngineConfig
from ..engine.splitting import RUN_SPLITTER
from .context import DistContext, start
from .shard import row_range


@contextlib.contextmanager
def split_runs(ctx: DistContext | None = None) -> Iterator[DistContext]:
    """Divide the runs of every engine call in the block among the group's ranks."""
    ctx = start("cpu") if ctx is None else ctx
    token = RUN_SPLITTER.set(lambda p, c, g, cb: _split_engine(p, c, g, cb, ctx))
    try:
        yield ctx
    finally:
        RUN_SPLITTER.reset(token)


def runs_split() -> bool:
    """Whether engine calls are being divided among ranks now."""
    return RUN_SPLITTER.get() is not None


def slice_grid(grid: RunGrid, lo: int, hi: int) -> RunGrid:
    """Runs ``[lo, hi)`` of ``grid`` (every per-run field sliced alike)."""

    def cut(values):  # noqa: ANN001, ANN202
        return None if values is None else values[lo:hi]

    init = grid.init_weights
    if init is not None and np.ndim(init) == 2:
        init = init[lo:hi]
    return RunGrid(
        batch_sizes=grid.batch_sizes[lo:hi],
        risk_aversions=cut(grid.risk_aversions),
        lr_scales=cut(grid.lr_scales),
        init_weights=init,
        row_weights=cut(grid.row_weights),
    )


def _split_engine(
    problem: Problem,
    config: EngineConfig,
    grid: RunGrid,
    callbacks: Sequence[Callback],
    ctx: DistContext,
) -> EngineOutput:
    """This rank's slice of ``grid`` through the engine, the outputs gathered."""
    lo, hi = row_range(grid.size, ctx.rank, ctx.world_size)
    token = RUN_SPLITTER.set(None)
    try:
        out = run_engine(problem, config, slice_grid(grid, lo, hi), callbacks) if hi > lo else None
    finally:
        RUN_SPLITTER.reset(token)
    parts = [p for p in ctx.gather_objects(_to_cpu(out)) if p is not None]
    return _merge(parts, problem.returns.device)  # type: ignore[arg-type]


def _to_cpu(out: EngineOutput | None) -> EngineOutput | None:
    if out is None:
        return None
    moved = {
        f.name: getattr(out, f.name).detach().cpu()
        for f in dataclasses.fields(out)
        if isinstance(getattr(out, f.name), torch.Tensor)
    }
    return dataclasses.replace(out, **moved)


def _merge(parts: list[EngineOutput], device: torch.device) -> EngineOutput:
    """One output of all the slices, in run order (history: per-run lists joined
    evaluation by evaluation, as far as every slice has evaluations)."""

    def cat(name: str) -> torch.Tensor | None:
        values = [getattr(p, name) for p in parts]
        return None if values[0] is None else torch.cat(values).to(device)

    depth = min(len(p.history) for p in parts)
    history = []
    for i in range(depth):
        rows = [p.history[i] for p in parts]
        merged = {k: sum((r[k] for r in rows), []) for k in rows[0] if isinstance(rows[0][k], list)}
        history.append({"step": max(r["step"] for r in rows), **merged})
    return EngineOutput(
        weights=cat("weights"),  # type: ignore[arg-type]
        last_weights=cat("last_weights"),  # type: ignore[arg-type]
        objective=cat("objective"),  # type: ignore[arg-type]
        var_level=cat("var_level"),
        history=history,
        steps=max(p.steps for p in parts),
        samples_seen=sum((list(p.samples_seen) for p in parts), []),
        wall_time=max(p.wall_time for p in parts),
        lr=parts[0].lr,
        optimizer=parts[0].optimizer,
        averaging=parts[0].averaging,
        stop_reason=", ".join(dict.fromkeys(p.stop_reason for p in parts)),
        step_graphs=parts[0].step_graphs,
    )
