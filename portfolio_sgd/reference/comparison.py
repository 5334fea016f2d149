"""Compare an SGD result with the exact optimum of the same problem."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..results import OptimizationResult
from .cardinality import exact_cardinality
from .exact import objective_value, relative_gap, solve_exact


def compare_with_exact(
    result: OptimizationResult,
    returns: pd.DataFrame,
    benchmark: pd.Series | np.ndarray | None = None,
) -> dict[str, object]:
    """Solve ``result``'s problem exactly (cvxpy + Clarabel) and measure the SGD gap.

    Parameters
    ----------
    result : OptimizationResult
        An SGD result; its objective parameters and constraints define the problem.
    returns : DataFrame, shape (T, N)
        The returns it was fitted on.
    benchmark : Series or ndarray, shape (T,), optional
        The benchmark returns (tracking).

    Returns
    -------
    dict
        ``objective_value`` (exact), ``sgd_objective_value`` (both on the full data, in
        float64), ``relative_gap`` ``(f_sgd - f*) / |f*|``, ``l1_distance`` of the weights,
        ``solve_time``, ``solver``, ``status`` and the exact ``weights`` by ticker.
    """
    spec = result.spec
    r = returns.to_numpy(dtype=np.float64)
    params = {
        "risk_aversion": spec.risk_aversion,
        "alpha": spec.alpha,
        "return_weight": spec.return_weight,
        "benchmark": None if benchmark is None else np.asarray(benchmark, dtype=np.float64),
    }
    if result.constraints.is_combinatorial:
        exact = _exact_mixed_integer(result, r, params)
    else:
        exact = solve_exact(result.objective, r, result.constraints, budgets=spec.budgets, **params)
    w = result.weights.to_numpy()
    sgd_value = float(objective_value(result.objective, r, w, **params))
    return {
        "objective_value": exact.value,
        "sgd_objective_value": sgd_value,
        "relative_gap": relative_gap(sgd_value, exact.value),
        "l1_distance": float(np.abs(w - exact.weights).sum()),
        "solve_time": exact.solve_time,
        "solver": exact.solver,
        "status": exact.status,
        "weights": {str(t): float(v) for t, v in zip(returns.columns, exact.weights, strict=True)},
    }


def _exact_mixed_integer(result: OptimizationResult, r: np.ndarray, params: dict) -> object:
    """The mixed-integer optimum (enumeration or milp) in :func:`solve_exact`'s shape."""
    start = time.perf_counter()
    exact = exact_cardinality(result.objective, r, result.constraints, **params)
    return SimpleNamespace(
        value=float(objective_value(result.objective, r, exact.weights, **params)),
        weights=exact.weights,
        solve_time=time.perf_counter() - start,
        solver=exact.method,
        status="optimal",
    )
