"""Risk limits: the Lagrangian search (SGD) against Clarabel and CVQP.

Run: ``python -m benchmarks.risk_limits [--datasets sp500 ff49-daily us-etfs]
[--start 2015-01-01] [--measures volatility cvar]``. For each panel and measure the
limit is set halfway (in risk) between the minimum-risk portfolio and the best single
asset, so it binds. Three solvers maximise the mean return under it: ``optimize(...,
"max-return", max_volatility= / max_cvar=)``, ``solve_exact`` (cvxpy + Clarabel) and, for
CVaR, CVQP (ADMM for CVaR-constrained QPs, ``q = -mu``, ``A = -R``, ``B = [1'; I]``). Every
answer is scored by one exact float64 evaluation: the relative violation of the limit
and the relative excess of ``-mu.w`` over Clarabel's optimum. Results are recorded in
``benchmarks/results/risk_limits.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from portfolio_sgd import optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.limits import limit_risk
from portfolio_sgd.reference.exact import solve_exact

from .machine import machine_info

ETF_COLUMNS = 21
"""us-etfs: the first columns of the panel (the whole panel has hundreds of ETFs)."""


def midway_limit(r: np.ndarray, measure: str) -> float:
    """Halfway in risk between the exact minimum-risk portfolio and the best asset."""
    low = solve_exact("min-variance" if measure == "volatility" else "cvar", r).weights
    top = np.eye(r.shape[1])[r.mean(axis=0).argmax()]
    risks = limit_risk(measure, r @ np.stack([low, top]).T, 0.95)
    return float(risks[0] + 0.5 * (risks[1] - risks[0]))


def score(r: np.ndarray, w: np.ndarray, measure: str, level: float, best: float) -> tuple:
    """``(relative violation, relative objective excess)`` of weights ``w`` (N,)."""
    risk = float(limit_risk(measure, r @ w[:, None], 0.95)[0])
    value = -float(r.mean(axis=0) @ w)
    return max(risk - level, 0.0) / level, (value - best) / abs(best)


def solve_cvqp(r: np.ndarray, level: float) -> np.ndarray:
    """CVQP's max-return portfolio under ``CVaR_0.95 <= level`` (long-only, invested)."""
    import cvqp

    n = r.shape[1]
    b = np.vstack([np.ones((1, n)), np.eye(n)])
    lo, hi = np.r_[1.0, np.zeros(n)], np.r_[1.0, np.ones(n)]
    settings = cvqp.Settings(abstol=1e-7, reltol=1e-6)
    return cvqp.solve(None, -r.mean(axis=0), -r, b, lo, hi, 0.95, level, settings=settings).x


def bench(dataset: str, start: str, measure: str) -> list[dict[str, object]]:
    """One row per solver for ``dataset`` and ``measure``."""
    returns = load_returns(dataset=dataset, start=start)
    if dataset == "us-etfs":
        returns = returns.iloc[:, :ETF_COLUMNS]
    r = returns.to_numpy()
    level = midway_limit(r, measure)
    key = "max_volatility" if measure == "volatility" else "max_cvar"
    began = time.perf_counter()
    exact = solve_exact("max-return", r, **{key: level})
    solvers = {"clarabel": (exact.weights, time.perf_counter() - began)}
    began = time.perf_counter()
    ours = optimize(returns, "max-return", **{key: level})
    solvers["portfolio-sgd"] = (ours.weights.to_numpy(), time.perf_counter() - began)
    if measure == "cvar":
        began = time.perf_counter()
        solvers["cvqp"] = (solve_cvqp(r, level), time.perf_counter() - began)
    rows = []
    for name, (w, seconds) in solvers.items():
        violation, excess = score(r, w, measure, level, exact.value)
        rows.append(
            {
                "data": f"{dataset} from {start} ({r.shape[0]} x {r.shape[1]})",
                "limit": f"{measure} <= {level:.5g}",
                "solver": name,
                "seconds": seconds,
                "violation": violation,
                "excess": excess,
                "note": _note(ours) if name == "portfolio-sgd" else "",
            }
        )
    return rows


def _note(result: object) -> str:
    """The search's account: rounds, stop reason, certified gap, multiplier."""
    rep = result.risk_limit  # type: ignore[attr-defined]
    return (
        f"{rep.rounds} rounds, {rep.stop_reason}, certified {result.relative_gap_bound:.1e}, "  # type: ignore[attr-defined]
        f"multiplier {rep.multiplier:.3g}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["sp500", "ff49-daily", "us-etfs"])
    parser.add_argument("--measures", nargs="+", default=["volatility", "cvar"])
    parser.add_argument("--start", default="2015-01-01")
    args = parser.parse_args()
    import torch

    print(machine_info(torch.get_num_threads()))
    print(
        "| data | limit | solver | time (s) | violation (rel.) | objective excess (rel.) | note |"
    )
    print("|---|---|---|---|---|---|---|")
    for dataset in args.datasets:
        for measure in args.measures:
            for row in bench(dataset, args.start, measure):
                print(
                    f"| {row['data']} | {row['limit']} | {row['solver']} | {row['seconds']:.2f} "
                    f"| {row['violation']:.1e} | {row['excess']:.1e} | {row['note']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
