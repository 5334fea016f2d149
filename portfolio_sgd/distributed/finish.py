"""The exact finish of a sharded run's weights (the single-process kernels, fed exactly).

- An objective that is a function of the covariance (``is_quadratic``, no benchmark: the
  variance QP finish) is finished on the moment rows (:func:`.problem.moment_rows`),
  which have exactly the data's mean and second moment, the same on every rank.
- A tail objective (``has_var_level``: the CVaR LP) is finished on rows gathered from the
  ranks and verified on every rank (:mod:`.tail_finish`).
- A measure of scenario pieces (MAD, the first lower partial moments) is finished by its
  window LP over every rank's scenarios (:mod:`.pieces_finish`).
- Any other exact finish needs every row on one process: it is off, and the summary says
  why.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..engine.config import EngineConfig
from ..engine.polishing import polish_blocker, polish_with_rows
from ..engine.problem import EngineOutput
from .ops import ShardedHooks
from .pieces_finish import finish_pieces, sharded_pieces
from .problem import ShardedProblem
from .tail_finish import finish_tail

UNSHARDED = "off (sharded run: this exact finish needs every row on one process)"


def sharded_finish(
    problem: ShardedProblem, config: EngineConfig, out: EngineOutput
) -> tuple[EngineOutput, list[np.ndarray] | None]:
    """``out`` with its weights, objective, VaR level and polish summary after the finish
    (identical on every rank), and the tail rows each run gathered (rank 0's, (S_k, N);
    None without a tail finish)."""
    blocked = polish_blocker(problem, config)
    if blocked is not None:
        return dataclasses.replace(out, polish=blocked), None
    impl = problem.spec.impl
    gathered = None
    if impl.is_quadratic and not impl.needs_benchmark:
        finished = polish_with_rows(
            problem.moment_problem(), config, out.weights, out.objective, None
        )[:4]
    elif impl.has_var_level:
        *finished, gathered = finish_tail(problem, out.weights, out.objective)
    elif (model := sharded_pieces(problem)) is not None:
        finished = finish_pieces(problem, model, out.weights, out.objective)
    else:
        return dataclasses.replace(out, polish=UNSHARDED), None
    weights, objective, summary, polished = finished
    var_level = ShardedHooks.var_level(problem, weights) if out.var_level is not None else None
    finished_out = dataclasses.replace(
        out,
        weights=weights.detach().clone(),
        objective=objective,
        var_level=var_level,
        polish=summary,
        polished=polished,
    )
    return finished_out, gathered
