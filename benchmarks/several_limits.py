"""Time max-return under a single EVaR limit, a single Ulcer limit and the pair
{MAD, CVaR} (the outer approximation) against cvxpy (Clarabel / HiGHS), at 20 and 400 assets.

Run once: ``.venv/bin/python benchmarks/several_limits.py`` (prints a markdown table).
Each limit is the equal-weight portfolio's risk; T = 250 days.
"""

from __future__ import annotations

import math
import platform
import time

import cvxpy as cp
import numpy as np

from portfolio_sgd.constraints.oracle import FeasibleSet
from portfolio_sgd.data import load_returns
from portfolio_sgd.limits.limit_term import measure_term
from portfolio_sgd.limits.outer_approximation import max_return_outer
from portfolio_sgd.measures.kernels.qp_finish import weight_polytope
from portfolio_sgd.measures.registry import get_measure

ALPHA = 0.95
CASES = {"EVaR": ("evar",), "Ulcer": ("ulcer-index",), "MAD+CVaR": ("mad", "cvar")}


def _panel(n: int) -> np.ndarray:
    if n <= 20:
        return load_returns(dataset="sp500").iloc[-250:].to_numpy()[:, :n]
    data = load_returns(dataset="us-stocks-2500").iloc[-250:]
    return data.loc[:, data.notna().all()].iloc[:, :n].to_numpy()


def _cvxpy_rows(name: str, x, t_len: int) -> tuple[object, list]:  # noqa: ANN001
    if name == "evar":
        s, z, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(t_len)
        rows = [cp.constraints.ExpCone(-x - s, z * np.ones(t_len), u), cp.sum(u) <= t_len * z]
        return s - z * math.log1p(-ALPHA), rows
    if name == "ulcer-index":
        peaks, path = cp.Variable(t_len), cp.cumsum(x)
        rows = [peaks >= path, peaks >= 0, peaks[1:] >= peaks[:-1]]
        return cp.norm(peaks - path) / math.sqrt(t_len), rows
    if name == "mad":
        return cp.sum(cp.abs(x - cp.sum(x) / t_len)) / t_len, []
    z = cp.Variable()
    return z + cp.sum(cp.pos(-x - z)) / ((1 - ALPHA) * t_len), []


def _cvxpy(r: np.ndarray, levels: dict[str, float]) -> tuple[float, float]:
    r100 = 100.0 * r
    w = cp.Variable(r.shape[1])
    rows = [cp.sum(w) == 1, w >= 0]
    for name, level in levels.items():
        expr, aux = _cvxpy_rows(name, r100 @ w, r.shape[0])
        rows += [*aux, expr <= 100.0 * level]
    problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), rows)
    conic = any(n in ("evar", "ulcer-index") for n in levels)
    start = time.perf_counter()
    problem.solve(solver="CLARABEL" if conic else "HIGHS")
    return float(problem.value), time.perf_counter() - start


def _ours(r: np.ndarray, levels: dict[str, float]) -> tuple[float, float, float]:
    start = time.perf_counter()
    feasible = FeasibleSet(r.shape[1])
    terms = [measure_term(n, v, r, ALPHA, feasible.polytope()) for n, v in levels.items()]
    answer = max_return_outer(r.mean(axis=0), weight_polytope(feasible), terms)
    return answer.value, answer.relative_gap, time.perf_counter() - start


def main() -> None:
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
        "2 cores shared with other jobs"
    )
    print("| case | N | ours (s) | certified gap | cvxpy (s) | rel. difference |")
    print("|---|---|---|---|---|---|")
    for n in (20, 400):
        r = _panel(n)
        ew = (r @ np.full(r.shape[1], 1.0 / r.shape[1]))[:, None]
        for label, names in CASES.items():
            levels = {m: float(get_measure(m).stated_value(ew, ALPHA)[0]) for m in names}
            value, gap, ours = _ours(r, levels)
            ref, theirs = _cvxpy(r, levels)
            diff = (value - ref) / abs(ref)
            print(
                f"| {label} | {r.shape[1]} | {ours:.2f} | {gap:.1e} | {theirs:.2f} | {diff:.1e} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
