"""``optimize(..., distributed=True)``: one portfolio optimised by data-parallel ranks.

Every rank calls :func:`optimize_sharded` with the same arguments. A file path is read
shard by shard (each rank only its rows, :mod:`.shard`); an in-memory matrix is split
the same way (each rank keeps a copy of its rows only). The result, identical on every
rank, is returned on every rank; callers write outputs on rank 0 only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..constraints import Constraints
from ..constraints.trading.terms import resolve_tickers
from ..data.inputs import align_benchmark, validate_returns_input
from ..engine import Callback, RunGrid, run_engine
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData, init_array
from ..errors import ConfigError
from ..objectives import ObjectiveSpec
from ..results import OptimizationResult, single_result
from .certificate import NO_CERTIFICATE, sharded_certificate
from .context import DistContext, start
from .finish import sharded_finish
from .handshake import check_same_setup
from .problem import ShardedProblem, sharded_problem
from .setup import build_sharded_state
from .shard import Shard, ShardSource, load_shard, shard_array
from .shrinkage import resolve_sharded_shrinkage


def optimize_sharded(
    returns: Any,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    *,
    benchmark: Any = None,
    init_weights: Any = None,
    callbacks: Sequence[Callback] = (),
    ctx: DistContext | None = None,
) -> OptimizationResult:
    """Optimise one portfolio with the scenarios sharded across the ranks of a group.

    Parameters
    ----------
    returns : str, Path, ShardSource, DataFrame, ndarray or Tensor, shape (T, N)
        A returns file (.npy, .parquet, .csv: each rank reads only its rows; a
        :class:`~.shard.ShardSource` adds tickers and a date window) or a matrix.
    spec, constraints, config
        As :func:`portfolio_sgd.optimize`.
    benchmark : array-like, shape (T,), optional
        Tracking's benchmark (each rank keeps its rows).
    init_weights : array-like, shape (N,), optional
    callbacks : sequence of callables
    ctx : DistContext, optional
        The group; default: joined (or created, for the life of the process) from the
        torchrun environment.

    Returns
    -------
    OptimizationResult
        The same on every rank, after the exact finish (:mod:`.finish`). Objectives of
        the mean and covariance, and CVaR, are certified (:mod:`.certificate`); for the
        others ``certificate_method`` says that no certificate was computed.

    Raises
    ------
    ConfigError, DataError
        As :func:`portfolio_sgd.optimize`, and for settings a sharded run lacks.
    """
    return run_sharded(
        returns,
        spec,
        constraints,
        config,
        benchmark=benchmark,
        init_weights=init_weights,
        callbacks=callbacks,
        ctx=ctx,
    )[0]


def run_sharded(
    returns: Any,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    *,
    benchmark: Any = None,
    init_weights: Any = None,
    callbacks: Sequence[Callback] = (),
    ctx: DistContext | None = None,
) -> tuple[OptimizationResult, ShardedProblem]:
    """:func:`optimize_sharded`, also returning this rank's sharded problem (for further
    reductions over the data, e.g. the fixed-weight performance of the result)."""
    if ctx is None:
        ctx = start(config.device)
        check_same_setup(ctx)  # the same versions on every rank
    shard = _shard(returns, ctx, config)
    constraints = resolve_tickers(constraints, list(shard.tickers))  # holdings, costs
    constraints = constraints.bind(list(shard.tickers))
    local = torch.as_tensor(shard.values, device=ctx.device)
    bench = _benchmark(benchmark, spec, shard, ctx)
    problem = sharded_problem(
        local, shard.offset, shard.total, spec, constraints, ctx, benchmark=bench
    )
    problem = resolve_sharded_shrinkage(problem)  # delta and F from reduced sums
    init = init_array(init_weights, shard.tickers)
    grid = RunGrid(batch_sizes=(int(config.batch_size),), init_weights=init)
    # no CUDA graphs; the exact finish runs after the loop, fed across ranks (.finish)
    loop_config = dataclasses.replace(config, cuda_graphs=False, cvar_polish=False)
    out = run_engine(problem, loop_config, grid, callbacks, builder=build_sharded_state)
    out, gathered = sharded_finish(problem, config, out)
    prepared = PreparedData(problem=_moment_view(problem), tickers=shard.tickers, index=None)
    certificate = sharded_certificate(problem, out, gathered)
    result = single_result(out, prepared, spec, constraints, config, certificate)
    if certificate is None:
        result = dataclasses.replace(result, certificate_method=NO_CERTIFICATE)
    return result, problem


def _shard(returns: Any, ctx: DistContext, config: EngineConfig) -> Shard:
    """This rank's rows of ``returns`` (a path, or a matrix validated as the API does)."""
    dtype = np.float32 if config.dtype == "float32" else np.float64
    if isinstance(returns, str | Path | ShardSource):
        return load_shard(returns, ctx, np.dtype(dtype))
    values, tickers, _ = validate_returns_input(returns, dtype=config.dtype)
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if values.shape[0] < ctx.world_size:
        raise ConfigError(f"{values.shape[0]} rows cannot be split across {ctx.world_size} ranks")
    return shard_array(values, tickers, ctx.rank, ctx.world_size, np.dtype(dtype))


def _benchmark(benchmark: Any, spec: ObjectiveSpec, shard: Shard, ctx: DistContext):  # noqa: ANN202
    """This rank's rows of the benchmark (tracking), else None."""
    if not spec.objective.objective_class.needs_benchmark:  # impl: after shrinkage
        return None
    if benchmark is None:
        raise ConfigError("the tracking objective needs a benchmark series")
    full = align_benchmark(benchmark, None, shard.total)
    local = np.asarray(full[shard.offset : shard.offset + shard.rows], dtype=shard.values.dtype)
    return torch.as_tensor(local, device=ctx.device)


def _moment_view(problem: ShardedProblem) -> ShardedProblem:
    """The problem with the moment rows as returns: what the result's covariance-based
    quantities (risk contributions) are computed from (``n_rows`` stays T)."""
    return dataclasses.replace(problem, returns=problem.moments)
