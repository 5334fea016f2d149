"""Gap of the cardinality heuristic to the exact mixed-integer optimum on sp500.

Run: ``python -m benchmarks.cardinality_gap [--ks 5 10] [--objectives ...] [--start
YYYY-MM-DD] [--min-position X]``. For each objective and ``k`` it runs
``optimize(..., max_assets=k)`` (the batched support-search heuristic) and the exact
reference of :mod:`portfolio_sgd.reference.cardinality` (support enumeration with a proven
bracket, or CVaR's milp), and prints one markdown table row each: both values, the
relative gap ``(f_heur - f*) / |f*|``, the gap to the relaxed lower bound the heuristic
reports, supports, times. The heuristic's value is passed to the enumeration as an
incumbent: it only prunes supports whose proven lower bound exceeds it, so the exact
optimum found cannot depend on it. Kelly's relaxed optimum holds few assets; when it holds at
most ``k``, it is the mixed-integer optimum itself and its exact value is the convex
``solve_exact``. Results are recorded in ``benchmarks/results/cardinality.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from portfolio_sgd import optimize
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.data import load_returns
from portfolio_sgd.data.benchmark import select_benchmark
from portfolio_sgd.reference.cardinality import exact_cardinality
from portfolio_sgd.reference.exact import objective_value, solve_exact

from .machine import machine_info

OBJECTIVES = ("min-variance", "mean-variance", "cvar", "kelly", "tracking")


def exact_value(
    objective: str, r: np.ndarray, cons: Constraints, bench, relaxed_held: int, incumbent: float
):  # noqa: ANN001, ANN201, E501
    """(value, support size, method, seconds) of the mixed-integer optimum."""
    start = time.perf_counter()
    if (
        objective == "kelly"
        and relaxed_held <= (cons.max_assets or r.shape[1])
        and not cons.min_position
    ):
        sol = solve_exact("kelly", r, cons.relaxed())
        held = int((sol.weights > 1e-7).sum())
        return sol.value, held, "convex optimum (holds <= k)", time.perf_counter() - start
    ex = exact_cardinality(objective, r, cons, benchmark=bench, incumbent=incumbent)
    value = float(objective_value(objective, r, ex.weights, benchmark=bench))
    return value, len(ex.support), ex.method, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES))
    parser.add_argument("--start", default=None)
    parser.add_argument("--min-position", type=float, default=0.0)
    args = parser.parse_args()
    returns = load_returns(dataset="sp500", start=args.start)
    info = machine_info(torch.get_num_threads())
    print(
        f"machine: {info.get('cpu')}, {info.get('logical_cores')} logical cores, load {info.get('load_average_at_start')}"
    )
    print(
        f"data: sp500 {returns.shape[0]} x {returns.shape[1]}, "
        f"{returns.index[0].date()}..{returns.index[-1].date()}, min_position {args.min_position:g}"
    )
    print(
        "| objective | k | heuristic f | exact f* | (f - f*)/abs(f*) | gap to relaxed bound "
        "| held (heur/exact) | method | exact by | heuristic s | exact s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for objective in args.objectives:
        rets, bench = returns, None
        if objective == "tracking":
            rets, bench = select_benchmark(returns, "sp500-index")
        r = rets.to_numpy(dtype=np.float64)
        b = None if bench is None else np.asarray(bench, dtype=np.float64)
        for k in args.ks:
            cons = Constraints(max_assets=k, min_position=args.min_position)
            began = time.perf_counter()
            res = optimize(rets, objective, cons, benchmark=bench, seed=0)
            t_heur = time.perf_counter() - began
            card = res.cardinality
            f_h = float(objective_value(objective, r, res.weights.to_numpy(), benchmark=b))
            relaxed_held = (
                int(np.sum(res.weights.to_numpy() > 1e-12)) if card.method != "heuristic" else k + 1
            )
            f_x, held_x, how, t_x = exact_value(objective, r, cons, b, relaxed_held, f_h)
            gap = (f_h - f_x) / abs(f_x)
            print(
                f"| {objective} | {k} | {f_h:.8g} | {f_x:.8g} | {gap:.2e} | "
                f"{card.relative_gap_to_relaxed:.2%} | {card.n_held}/{held_x} | {card.method} | "
                f"{how} | {t_heur:.1f} | {t_x:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
