"""The cardinality heuristic: relax, select supports, re-optimise them in batches, swap.

1. **Relax.** Solve the convex problem without the count cap and the minimum position
   (one engine run). Its value minus its certified gap is a valid lower bound on the
   mixed-integer optimum. If its solution already holds a feasible number of assets, all
   at least ``x``, it *is* the mixed-integer optimum (up to that gap): done.
2. **Candidates.** The ``j`` largest relaxed weights for every feasible count ``j``;
   randomly perturbed relaxed weights; and iterative hard thresholding (projected SGD
   onto ``{||w||_0 <= k}``, R restarts as R runs of the engine).
3. **Re-optimise** every candidate support as one batched engine run (K runs, each with
   bounds ``[x, hi]`` on its own support and zeros elsewhere: a convex, feasible problem).
4. **Local search.** Re-optimise all neighbours of the best support (swap one in, one
   out; with ``x > 0`` also drop or add one) as one batched run; move while it improves.

The result reports the support, its certified gap on that support, and the gap to the
relaxed lower bound, a valid (often loose) bound on the distance to the true optimum.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import torch

from ..certificate import accuracy_bar
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData
from ..errors import ConfigError
from ..objectives import ObjectiveSpec
from ..results import CardinalityReport, OptimizationResult, single_result
from .engine_runs import (
    SupportCache,
    engine_row,
    evaluate_supports,
    hard_threshold_runs,
    relaxed_run,
    support_certificate,
)
from .enumeration import enumerate_supports, enumeration_applies
from .supports import Support, initial_candidates, neighbours

#: Random restarts (perturbed relaxed supports) and hard-thresholding runs.
RESTARTS = 8
#: Local-search rounds at most, and the rough cap on the swaps tried per round.
MAX_ROUNDS = 20
NEIGHBOUR_LIMIT = 128


def optimize_cardinality(
    prepared: PreparedData,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    init: np.ndarray | None = None,
) -> OptimizationResult:
    """Optimise with a count cap and/or minimum positions (see the module docstring).

    Raises
    ------
    ConfigError
        For risk parity (its log barrier keeps every weight positive).
    InfeasibleConstraintError
        Before any step, for infeasible settings.
    """
    if spec.impl.feasible_set == "positive-orthant":
        raise ConfigError(
            f"max_assets/min_position do not apply to {spec.objective.value}: "
            "its log barrier holds every asset"
        )
    problem = dataclasses.replace(prepared.problem, constraints=constraints)
    n = problem.n_assets
    constraints.validate(n)
    card = constraints.cardinality
    assert card is not None
    sizes = card.sizes(n)
    out_r, gap_r = relaxed_run(problem, config, init)
    relaxed = out_r.weights[0].detach().to("cpu", torch.float64).numpy()
    f_relaxed = float(out_r.objective[0])
    held = relaxed > 1e-12
    if int(held.sum()) in sizes and bool((relaxed[held] >= card.min_position).all()):
        support = tuple(int(i) for i in np.flatnonzero(held))
        result = single_result(out_r, prepared, spec, constraints, config, None)
        stats = (f_relaxed, f_relaxed, gap_r, 0, 0, "not needed")
        return _finish(
            result, prepared, problem, relaxed, support, stats, "relaxed optimum is feasible"
        )
    if enumeration_applies(spec, constraints, n):
        exact = enumerate_supports(problem, spec, constraints, math.inf)
        result = single_result(out_r, prepared, spec, constraints, config, None)
        stats = (exact.value, f_relaxed, gap_r, exact.n_supports, 0, "every support enumerated")
        return _finish(
            result,
            prepared,
            problem,
            exact.weights,
            exact.support,
            stats,
            "enumeration (proven optimum)",
            lower=exact.lower,
        )
    cache = SupportCache(wall_time=out_r.wall_time)
    iht = _hard_threshold(problem, config, relaxed, max(sizes))
    starts = initial_candidates(
        relaxed, sizes, restarts=RESTARTS, seed=config.seed, iht_weights=iht
    )
    evaluate_supports(problem, config, starts, relaxed, cache)
    rounds, stop = _local_search(problem, config, relaxed, sizes, cache)
    best = cache.best()
    out, k = cache.source[best]
    result = single_result(engine_row(out, k), prepared, spec, constraints, config, None)
    result = dataclasses.replace(result, wall_time=cache.wall_time)
    stats = (cache.values[best], f_relaxed, gap_r, len(cache.values), rounds, stop)
    return _finish(result, prepared, problem, cache.weights[best], best, stats, "heuristic")


def _hard_threshold(problem, config, relaxed: np.ndarray, size: int) -> np.ndarray:  # noqa: ANN001
    """Last iterates (R, N) of R hard-thresholding runs from perturbed relaxed weights."""
    rng = np.random.default_rng(int(config.seed) + 1)
    starts = relaxed[None, :] * np.exp(0.5 * rng.standard_normal((RESTARTS, relaxed.size)))
    starts = starts / starts.sum(axis=1, keepdims=True)
    out = hard_threshold_runs(problem, config, starts, size)
    return out.last_weights.detach().to("cpu", torch.float64).numpy()


def _local_search(
    problem,
    config: EngineConfig,
    relaxed: np.ndarray,
    sizes: list[int],
    cache: SupportCache,  # noqa: ANN001
) -> tuple[int, str]:
    """Swap moves from the best support while one improves: (rounds run, why it stopped)."""
    n = problem.n_assets
    for rnd in range(1, MAX_ROUNDS + 1):
        best = cache.best()
        nbrs = neighbours(best, n, sizes, relaxed, NEIGHBOUR_LIMIT)
        todo = [s for s in nbrs if s not in cache.values]
        if not todo:
            return rnd - 1, "every neighbour of the best support already evaluated"
        evaluate_supports(problem, config, todo, cache.weights[best], cache)
        if cache.best() == best:
            return rnd, "no improving swap (local optimum)"
    return MAX_ROUNDS, f"round limit {MAX_ROUNDS} reached"


def _finish(
    result: OptimizationResult,
    prepared: PreparedData,
    problem,  # noqa: ANN001
    weights: np.ndarray,
    support: Support,
    stats: tuple,
    method: str,
    lower: float | None = None,
) -> OptimizationResult:
    """The result with the weights on ``support``, its certificate and the report
    (``lower``: a proven lower bound on the optimum, besides the relaxation's)."""
    value, f_relaxed, gap_r, n_eval, rounds, stop = stats
    constraints = problem.constraints
    s_gap, s_conv, _ = support_certificate(problem, weights, support)
    lower = f_relaxed - gap_r if lower is None else max(lower, f_relaxed - gap_r)
    gap = max(value - lower, 0.0)
    rel = gap / max(abs(value), 1e-300)
    report = CardinalityReport(
        support=tuple(prepared.tickers[i] for i in support),
        n_held=len(support),
        max_assets=constraints.max_assets,
        min_position=float(constraints.min_position),
        method=method,
        objective_value=float(value),
        relaxed_value=f_relaxed,
        lower_bound=lower,
        gap_to_relaxed=gap,
        relative_gap_to_relaxed=rel,
        support_gap=s_gap,
        support_converged=s_conv,
        candidates_evaluated=int(n_eval),
        local_search_rounds=int(rounds),
        search_stop=stop,
        smallest_held=float(weights[list(support)].min()),
    )
    feasible_relaxed = method == "relaxed optimum is feasible"
    reason = result.stop_reason if feasible_relaxed else f"cardinality search: {stop}"
    return result.with_reports(
        report,
        weights=pd.Series(weights, index=prepared.tickers),
        objective_value=float(value),
        stop_reason=reason,
        optimality_gap=gap,
        relative_gap_bound=rel,
        converged=bool(s_conv and rel <= accuracy_bar(result.spec)),
        certificate_method="cardinality: objective minus the relaxation's certified lower bound",
    )
