"""A 20-point CVaR frontier on sp500's first 1000 days: ours (every point an exact LP)
against skfolio's ``MeanRisk(risk_measure=CVAR, efficient_frontier_size=20)`` at its
defaults, interleaved, medians of the repeats; the points' returns scored against the
max return at the same CVaR (cvxpy + HiGHS).

Run: ``python -m benchmarks.frontier_lp --repeats 3``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

from benchmarks.machine import machine_info
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.solvers.frontier import efficient_frontier

POINTS = 20
DAYS = 1000


def _ours(returns) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Our frontier's weights (K, N)."""
    front = efficient_frontier(returns, "cvar", points=POINTS)
    assert front.steps == 0 and front.converged.all()
    return front.weights.to_numpy()


def _skfolio(returns) -> np.ndarray:  # type: ignore[no-untyped-def]
    """skfolio's frontier weights (K, N) at its defaults."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk

    model = MeanRisk(risk_measure=RiskMeasure.CVAR, efficient_frontier_size=POINTS)
    return np.asarray(model.fit(returns).weights_)


def _shortfall(r: np.ndarray, w: np.ndarray) -> float:
    """Largest relative shortfall of the points' mean returns from the max return at
    their own CVaR (cvxpy + HiGHS)."""
    import cvxpy as cp

    cvar = get_measure("cvar")
    mu = r.mean(axis=0)
    worst = 0.0
    for wk in w:
        level = float(cvar.numpy_value(r @ wk[:, None], 0.95)[0])
        v, z = cp.Variable(r.shape[1]), cp.Variable()
        d = cp.Variable(r.shape[0], nonneg=True)
        rows = [d >= -(r @ v) - z, cp.sum(v) == 1, v >= 0]
        rows.append(z + cp.sum(d) / (0.05 * r.shape[0]) <= level)
        best = cp.Problem(cp.Maximize(mu @ v), rows).solve(solver="HIGHS")
        worst = max(worst, (best - float(mu @ wk)) / abs(best))
    return worst


def main() -> None:
    """Print the markdown rows."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    returns = load_returns(dataset="sp500").iloc[:DAYS]
    r = returns.to_numpy()
    times: dict[str, list[float]] = {"ours": [], "skfolio": []}
    weights = {}
    for _ in range(args.repeats):
        for name, run in (("ours", _ours), ("skfolio", _skfolio)):
            began = time.perf_counter()
            weights[name] = run(returns)
            times[name].append(time.perf_counter() - began)
    info = machine_info(torch.get_num_threads())
    print(f"- machine: {info}; load average {os.getloadavg()}")
    print("\n| solver | median s | runs s | worst return shortfall at own CVaR |")
    print("|---|---|---|---|")
    for name, ts in times.items():
        runs = ", ".join(f"{t:.2f}" for t in ts)
        gap = _shortfall(r, weights[name])
        print(f"| {name} | {statistics.median(ts):.2f} | {runs} | {gap:.1e} |")


if __name__ == "__main__":
    main()
