"""The loop's precision: a float32 phase for float64 problems that end with an exact finish.

A step reads the whole (T, N) matrix at full batch, so float32 data steps about twice as
fast as float64 on a bandwidth-bound CPU or GPU. Where the run ends with an exact float64
finish (CVaR's tail LP, verified on every float64 scenario: :mod:`.cvar_polish`), the
loop's precision does not bound the answer's: the loop only has to bring the weights
close enough for the finish. ``EngineConfig.sgd_dtype`` chooses (``"auto"``: float32 in
that case, while the copy is at most :data:`AUTO_COPY_BYTES`). The float32 copy costs
half the float64 data's memory; the loop's problem is that copy, the finish and the final
evaluation use the float64 problem. The cap keeps a default run's peak memory within
1.3x the float64 data + 500 MB (``benchmarks/results/peak_rss.md``); larger float64
problems step in float64 unless ``sgd_dtype="float32"`` asks for the copy.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..errors import ConfigError
from .config import EngineConfig
from .polishing import polish_blocker
from .problem import Problem, RunGrid

__all__ = ["AUTO_COPY_BYTES", "loop_problem"]

AUTO_COPY_BYTES = 64 * 2**20
"""The largest float32 copy ``sgd_dtype="auto"`` makes (a 128 MiB float64 matrix)."""


def loop_problem(
    problem: Problem, config: EngineConfig, grid: RunGrid, sharded: bool
) -> tuple[Problem, EngineConfig]:
    """The problem and config the loop steps on.

    Parameters
    ----------
    problem : Problem
        In ``config.dtype``.
    config : EngineConfig
    grid : RunGrid
    sharded : bool
        The problem is split across ranks (the loop keeps its dtype).

    Returns
    -------
    (Problem, EngineConfig)
        ``problem`` and ``config`` unchanged, or a float32 copy of the problem and the
        config with ``dtype="float32"``.

    Raises
    ------
    ConfigError
        ``sgd_dtype="float32"`` for float64 runs that cannot take a float32 phase
        (row-weighted runs, sharded problems), or ``"float64"`` for float32 data.
    """
    wanted = config.sgd_dtype
    data64 = problem.returns.dtype == torch.float64
    if wanted == "float64" and not data64:
        raise ConfigError("sgd_dtype float64 needs dtype float64 (the data is float32)")
    if not data64 or wanted == "float64":
        return problem, config
    eligible = not sharded and grid.row_weights is None
    if wanted == "auto":
        copy_bytes = problem.returns.numel() * 4
        quadratic = problem.spec.impl.is_quadratic  # a QP finish: few steps, keep float64
        if (
            copy_bytes > AUTO_COPY_BYTES
            or not eligible
            or quadratic
            or polish_blocker(problem, config)
        ):
            return problem, config
    elif not eligible:
        raise ConfigError("sgd_dtype float32 needs unweighted, single-process float64 runs")
    return _float32_copy(problem), replace(config, dtype="float32")


def _float32_copy(problem: Problem) -> Problem:
    """``problem`` with its data in float32 (the mean rounded from the float64 mean)."""
    bench = problem.benchmark
    return replace(
        problem,
        returns=problem.returns.to(torch.float32),
        mean=problem.mean.to(torch.float32),
        benchmark=None if bench is None else bench.to(torch.float32),
    )
