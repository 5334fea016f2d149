"""Batched engine runs of the cardinality heuristic: the relaxation, hard thresholding,
and many supports re-optimised at once (each run on its own support)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch

from ..certificate.engine_output import certify
from ..constraints import Constraints, SparseSet, SupportSet
from ..engine import EngineOutput, Problem, RunGrid, run_engine
from ..engine.config import Averaging, EngineConfig
from ..engine.setup import evaluate
from .supports import Support


@dataclass
class SupportCache:
    """Every support re-optimised so far: value, weights (N,), and where it came from."""

    values: dict[Support, float] = field(default_factory=dict)
    weights: dict[Support, np.ndarray] = field(default_factory=dict)
    source: dict[Support, tuple[EngineOutput, int]] = field(default_factory=dict)
    wall_time: float = 0.0

    def best(self) -> Support:
        """The support of least objective (ties: the first evaluated)."""
        return min(self.values, key=lambda s: self.values[s])


def relaxed_run(
    problem: Problem, config: EngineConfig, init: np.ndarray | None
) -> tuple[EngineOutput, float]:
    """The convex relaxation (K = 1) and its certified gap."""
    relaxed = dataclasses.replace(problem, constraints=problem.constraints.relaxed())
    grid = RunGrid(batch_sizes=(int(config.batch_size),), init_weights=init)
    out = run_engine(relaxed, config, grid)
    gap = float(certify(relaxed, out.weights).gap[0])
    return out, gap


def hard_threshold_runs(
    problem: Problem, config: EngineConfig, starts: np.ndarray, size: int
) -> EngineOutput:
    """Iterative hard thresholding: projected SGD onto ``{||w||_0 <= size}`` from each row of
    ``starts`` (R, N), as R runs of the engine (no averaging: the last iterate is sparse)."""
    cons = problem.constraints
    sparse = SparseSet(0.0, cons.max_weight, size=int(size))
    cfg = dataclasses.replace(config, averaging=Averaging.NONE, restart=False)
    grid = RunGrid(batch_sizes=(int(config.batch_size),) * len(starts), init_weights=starts)
    return run_engine(dataclasses.replace(problem, constraints=sparse), cfg, grid)


def evaluate_supports(
    problem: Problem,
    config: EngineConfig,
    supports: list[Support],
    warm: np.ndarray,
    cache: SupportCache,
) -> None:
    """Re-optimise every support not in ``cache`` (one engine run per count of assets,
    K = the number of supports of that count), each with bounds ``[x, hi]`` on its
    assets and zeros elsewhere; store values and weights in ``cache``."""
    cons = problem.constraints
    todo = [s for s in dict.fromkeys(supports) if s not in cache.values]
    for size in sorted({len(s) for s in todo}):
        group = [s for s in todo if len(s) == size]
        index = torch.tensor(group, dtype=torch.long, device=problem.returns.device)
        fixed = SupportSet(float(cons.min_position), float(cons.max_weight), index=index)
        grid = RunGrid(
            batch_sizes=(int(config.batch_size),) * len(group),
            init_weights=np.repeat(warm[None, :], len(group), axis=0),
        )
        out = run_engine(dataclasses.replace(problem, constraints=fixed), config, grid)
        out.weights = fixed.project(out.weights)  # exact zeros, floors and caps
        out.objective = evaluate(problem, out.weights, None)
        weights = out.weights.detach().to("cpu", torch.float64).numpy()
        values = out.objective.detach().to("cpu", torch.float64).numpy()
        cache.wall_time += out.wall_time
        for k, s in enumerate(group):
            cache.values[s] = float(values[k])
            cache.weights[s] = weights[k]
            cache.source[s] = (out, k)


def support_certificate(
    problem: Problem, weights: np.ndarray, support: Support
) -> tuple[float, bool, float]:
    """The certified gap, ``converged`` and relative gap of ``weights`` (N,) on the convex
    problem of its support (the sub-panel with bounds ``[x, hi]``)."""
    cons = problem.constraints
    cols = torch.tensor(support, dtype=torch.long, device=problem.returns.device)
    sub = Problem(
        returns=problem.returns.index_select(1, cols),
        mean=problem.mean.index_select(0, cols),
        spec=problem.spec,
        constraints=Constraints(float(cons.min_position), float(cons.max_weight)),
        benchmark=problem.benchmark,
    )
    w = torch.as_tensor(weights[list(support)], dtype=problem.returns.dtype)
    cert = certify(sub, w[None, :].to(problem.returns.device))
    return float(cert.gap[0]), bool(cert.converged[0]), float(cert.relative[0])


def engine_row(out: EngineOutput, k: int) -> EngineOutput:
    """Run ``k`` of a batched engine output as a one-run output (history sliced too)."""
    size = int(out.weights.shape[0])
    history = [
        {
            key: (v[k : k + 1] if isinstance(v, list) and len(v) == size else v)
            for key, v in row.items()
        }
        for row in out.history
    ]
    return dataclasses.replace(
        out,
        weights=out.weights[k : k + 1],
        last_weights=out.last_weights[k : k + 1],
        objective=out.objective[k : k + 1],
        var_level=None if out.var_level is None else out.var_level[k : k + 1],
        history=history,
        samples_seen=list(out.samples_seen[k : k + 1]),
    )
