"""The frontier as one batched SGD run against a Clarabel loop (``solve_exact`` per point).

Run: ``python -m benchmarks.frontier_timing [--dataset sp500] [--objective mean-variance]
[--points 20]``. Both solve the same K problems (the SGD run's own parameters); the report
gives the machine, the times, their ratio and the largest relative excess of an SGD point
over its exact optimum. Results are recorded in ``benchmarks/results/frontier.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from portfolio_sgd.data import load_returns
from portfolio_sgd.reference.exact import objective_value, solve_exact
from portfolio_sgd.solvers.frontier import efficient_frontier

from .machine import machine_info


def time_frontier(dataset: str, objective: str, points: int, start: str) -> dict[str, object]:
    """Seconds of the batched frontier (all of it, and its final run) and of the loop."""
    returns = load_returns(dataset=dataset, start=start)
    r = returns.to_numpy()
    began = time.perf_counter()
    frontier = efficient_frontier(returns, objective, points=points)
    sgd_total = time.perf_counter() - began
    key = "return_weight" if objective == "cvar" else "risk_aversion"
    began = time.perf_counter()
    exact = [solve_exact(objective, r, **{key: float(lam)}) for lam in frontier.risk_aversion]
    loop = time.perf_counter() - began
    gaps = [
        (objective_value(objective, r, w, **{key: float(lam)}) - e.value) / abs(e.value)
        for w, lam, e in zip(
            frontier.weights.to_numpy(), frontier.risk_aversion, exact, strict=True
        )
    ]
    return {
        "dataset": f"{dataset} from {start} ({r.shape[0]} x {r.shape[1]})",
        "objective": objective,
        "points": points,
        "sgd_total_s": sgd_total,
        "sgd_batched_run_s": frontier.wall_time,
        "clarabel_loop_s": loop,
        "ratio_total": sgd_total / loop,
        "max_relative_gap": float(np.max(gaps)),
    }


def skfolio_interleaved(dataset: str, points: int, start: str | None, repeats: int) -> dict:
    """Ours (mean-variance) and skfolio's ``MeanRisk(efficient_frontier_size=K)``,
    interleaved ``repeats`` times after one warm-up each: medians and ours' worst gap."""
    from skfolio.optimization import MeanRisk

    returns = load_returns(dataset=dataset, start=start) if start else load_returns(dataset=dataset)
    r = returns.to_numpy()
    calls = {
        "ours": lambda: efficient_frontier(returns, "mean-variance", points=points),
        "skfolio": lambda: MeanRisk(efficient_frontier_size=points).fit(r),
    }
    times: dict[str, list[float]] = {k: [] for k in calls}
    out = {}
    for rep in range(repeats + 1):
        for name, call in calls.items():
            began = time.perf_counter()
            out[name] = call()
            if rep:
                times[name].append(time.perf_counter() - began)
    frontier = out["ours"]
    gaps = []
    for w, lam in zip(frontier.weights.to_numpy(), frontier.risk_aversion, strict=True):
        ref = solve_exact("mean-variance", r, risk_aversion=float(lam))
        value = objective_value("mean-variance", r, w, risk_aversion=float(lam))
        gaps.append((value - ref.value) / abs(ref.value))
    ours, peer = float(np.median(times["ours"])), float(np.median(times["skfolio"]))
    return {
        "dataset": f"{dataset} from {start or 'start'} ({r.shape[0]} x {r.shape[1]})",
        "points": points,
        "ours_s": ours,
        "skfolio_s": peer,
        "skfolio/ours": peer / ours,
        "all_certified": bool(frontier.converged.all()),
        "max_relative_gap_vs_clarabel": float(np.max(gaps)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="sp500")
    parser.add_argument("--objective", default="mean-variance")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--start", default="2015-01-01")
    parser.add_argument(
        "--skfolio", action="store_true", help="ours against skfolio, interleaved (all rows)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    print(machine_info(torch.get_num_threads()))
    if args.skfolio:
        row = skfolio_interleaved(args.dataset, args.points, args.start or None, args.repeats)
        for key, value in row.items():
            print(f"{key:>30}: {value:.4g}" if isinstance(value, float) else f"{key:>30}: {value}")
        return
    row = time_frontier(args.dataset, args.objective, args.points, args.start)
    for key, value in row.items():
        print(f"{key:>20}: {value:.4g}" if isinstance(value, float) else f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
