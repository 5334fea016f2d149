"""The low-level solve: one engine run on a prepared problem, certified, as a result.

Every solver ends here (or in :func:`~portfolio_sgd.solvers.batch.solve_batch` for K
runs at once): the engine loop with its exact finish
(:func:`portfolio_sgd.engine.run_engine`), the optimality certificate
(:func:`portfolio_sgd.certificate.engine_output.certify`) and the result record
(:func:`portfolio_sgd.results.single_result`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..certificate.engine_output import certify
from ..constraints import Constraints
from ..engine import Callback, RunGrid, run_engine
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData
from ..results import OptimizationResult, single_result


def solve(
    prepared: PreparedData,
    constraints: Constraints,
    config: EngineConfig,
    *,
    init: np.ndarray | None = None,
    callbacks: Sequence[Callback] = (),
    row_weights: np.ndarray | None = None,
) -> OptimizationResult:
    """Optimise ``prepared.problem`` once and certify the weights.

    Parameters
    ----------
    prepared : PreparedData
        The problem on the device (its spec is the one optimised).
    constraints : Constraints
        The constraints as the caller stated them (recorded on the result).
    config : EngineConfig
    init : ndarray, shape (N,), optional
        Warm start.
    callbacks : sequence of callables
    row_weights : ndarray, shape (T,), optional
        Row weights with mean 1 (recency): the run minimises ``(1/T) sum_t c_t l_t``.

    Returns
    -------
    OptimizationResult
    """
    rows = row_weights[None, :] if row_weights is not None else None
    grid = RunGrid(batch_sizes=(int(config.batch_size),), init_weights=init, row_weights=rows)
    out = run_engine(prepared.problem, config, grid, callbacks)
    certificate = certify(prepared.problem, out.weights, row_weights=row_weights, finish=out.polish)
    return single_result(out, prepared, prepared.problem.spec, constraints, config, certificate)
