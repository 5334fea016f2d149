"""Time the frontier and the backtest under risk limits against cvxpy (sp500, 20 assets).

Run once: ``.venv/bin/python benchmarks/frontier_backtest_limits.py`` (prints markdown rows).
Frontier: 8 points, mean-variance, one CVaR limit at the equal-weight portfolio's CVaR
(T = 250 days); cvxpy solves the same 8 capped problems (Clarabel). Backtest:
``sgd:max-return`` under {CVaR, MAD} limits, lookback 250, 4 rebalances; cvxpy solves the
same 4 windows (Clarabel). Both report the largest relative difference in return.
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np

from portfolio_sgd import frontier_under_limits
from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure

ALPHA = 0.95


def _reference(r: np.ndarray, caps: dict[str, float]) -> tuple[float, float]:
    """``(max mu.w, solve seconds)`` within the caps (each measure's ``cvxpy_limit``),
    long-only and fully invested, by cvxpy (Clarabel)."""
    w = cp.Variable(r.shape[1], nonneg=True)
    rows = [cp.sum(w) == 1]
    for name, level in caps.items():
        rows += get_measure(name).cvxpy_limit(cp, w, r, level, ALPHA)
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), rows)
    problem.solve(solver=cp.CLARABEL)
    return float(problem.value), float(problem.solver_stats.solve_time)


def _frontier_row(data: np.ndarray, frame: object) -> str:
    n = data.shape[1]
    level = float(get_measure("cvar").stated_value((data @ np.full(n, 1 / n))[:, None])[0])
    began = time.perf_counter()
    front = frontier_under_limits(frame, "mean-variance", 8, limits={"cvar": level})
    ours = time.perf_counter() - began
    diffs, ref_time = [], 0.0
    for k in range(1, 8):
        value, seconds = _reference(data, {"cvar": level, "volatility": float(front.risk[k])})
        ref_time += seconds
        diffs.append(abs(float(data.mean(axis=0) @ front.weights.iloc[k]) - value) / abs(value))
    return (
        f"| frontier, 8 points, CVaR limit | {n} | {ours:.2f} | {bool(front.converged.all())} "
        f"| {ref_time:.2f} | {max(diffs):.1e} |"
    )


def _backtest_row(frame: object) -> str:
    limits = {"cvar": 0.03, "mean-absolute-deviation": 0.012}
    began = time.perf_counter()
    result = run_backtest(
        frame, ["sgd:max-return"], lookback=250, rebalance_every=25, limits=limits
    )
    ours = time.perf_counter() - began
    wide = result.weights_at("sgd:max-return")
    diffs, ref_time = [], 0.0
    for k, date in enumerate(wide.index):
        t = frame.index.get_loc(date)
        r = frame.iloc[t - 250 : t].to_numpy()
        value, seconds = _reference(r, limits)
        ref_time += seconds
        w = wide.iloc[k].reindex(frame.columns).to_numpy()
        diffs.append(abs(float(r.mean(axis=0) @ w) - value) / abs(value))
    return (
        f"| backtest, {len(wide)} windows, CVaR+MAD limits | {frame.shape[1]} | {ours:.2f} "
        f"| True | {ref_time:.2f} | {max(diffs):.1e} |"
    )


def main() -> None:
    frame = load_returns(dataset="sp500").iloc[-250:]
    print("| case | N | ours (s) | certified | cvxpy (s) | max rel. difference |")
    print("|---|---|---|---|---|---|")
    print(_frontier_row(frame.to_numpy(), frame))
    print(_backtest_row(load_returns(dataset="sp500").iloc[-350:]))


if __name__ == "__main__":
    main()
