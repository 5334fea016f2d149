"""portfolio-sgd against CVQP (Luxenberg, Perez-Pineiro, Diamond & Boyd, 2025) on scenario CVaR.

Both solvers work the same problem. portfolio-sgd minimises mean-CVaR
``-lam mu.w + CVaR_alpha(-R w)`` on the simplex; by convex duality its optimum ``w*`` also
solves CVQP's form ``max mu.w s.t. CVaR_alpha(-R w) <= kappa`` with ``kappa = CVaR(w*)``
(``q = -mu``, ``A = -R``, ``B = [1'; I]``, ``l = [1; 0]``, ``u = [1; 1]``). Both answers
are scored by one exact float64 evaluation of the mean-CVaR objective, after clipping to
the simplex (CVQP leaves small short positions; its violations before clipping are
reported). The reference optimum is the certified lower bound of our polished answer
(the tail LP's dual bound, :func:`portfolio_sgd.optimality_gap`), so every gap below is
a proven upper bound on the distance to ``f*``. CVQP runs at several tolerances; the
fastest setting meeting the bar (relative gap <= 1e-4, violation <= 1e-6) counts.

A CVaR-constrained max-return feature does not exist in portfolio-sgd yet, so only the
mean-CVaR problem is compared.

    python -m benchmarks.cvqp_peer --rows 20000 100000 --out benchmarks/results/cvqp_peer.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

ALPHA = 0.95
BAR_GAP, BAR_VIOLATION = 1e-4, 1e-6
TOLERANCES = ((1e-5, 1e-4), (1e-6, 1e-5), (1e-7, 1e-6))
"""CVQP (abstol, reltol) settings tried, loosest first."""


@dataclass
class Row:
    data: str
    solver: str
    seconds: float
    relative_gap: float
    violation: float
    min_weight: float
    note: str = ""

    @property
    def meets_bar(self) -> bool:
        return self.relative_gap <= BAR_GAP and self.violation <= BAR_VIOLATION


def bootstrap_rows(x: np.ndarray, n_rows: int, block: float, seed: int) -> np.ndarray:
    """A stationary bootstrap of ``x`` (T0, N) to ``n_rows`` rows (mean block ``block``)."""
    rng = np.random.default_rng(seed)
    new = rng.random(n_rows) < 1.0 / block
    new[0] = True
    starts = rng.integers(0, x.shape[0], size=n_rows)
    pos = np.arange(n_rows)
    began = np.maximum.accumulate(np.where(new, pos, 0))
    return np.ascontiguousarray(x[(starts[began] + pos - began) % x.shape[0]])


def datasets(rows: int) -> dict[str, tuple[np.ndarray, float, str]]:
    """Name -> (returns float64 (T, N), lam, dtype of our run)."""
    from benchmarks.problems import synthetic_returns
    from portfolio_sgd.data import load_returns

    n_syn = 100 if rows <= 20_000 else 500
    stocks = load_returns(dataset="us-stocks-2500").iloc[:, :500].to_numpy()
    ff49 = load_returns(dataset="ff49-daily").to_numpy()
    return {
        f"synthetic {n_syn} x {rows // 1000}k, lam=1": (
            synthetic_returns(rows, n_syn, seed=0).astype(np.float64),
            1.0,
            "float32",
        ),
        f"us-stocks 500 cols, bootstrap {rows // 1000}k, lam=1": (
            bootstrap_rows(stocks, rows, 20.0, 1),
            1.0,
            "float64",
        ),
        f"ff49-daily, bootstrap {rows // 1000}k, lam=1": (
            bootstrap_rows(ff49, rows, 20.0, 2),
            1.0,
            "float64",
        ),
    }


def score(r: np.ndarray, w: np.ndarray, lam: float, lower: float) -> tuple[float, float]:
    """(relative gap to the certified lower bound, objective) of ``w`` clipped to the simplex."""
    from portfolio_sgd.metrics import cvar_and_var

    clipped = np.maximum(w, 0.0)
    clipped /= clipped.sum()
    x = r @ clipped
    value = float(-lam * x.mean() + cvar_and_var(-x[:, None], ALPHA)[0][0])
    return (value - lower) / abs(lower), value


def run_ours(
    name: str, r: np.ndarray, lam: float, dtype: str
) -> tuple[list[Row], np.ndarray, float]:
    from portfolio_sgd import EngineConfig, optimize

    data = r.astype(np.float32) if dtype == "float32" else r
    began = time.perf_counter()
    res = optimize(data, "cvar", config=EngineConfig(dtype=dtype), return_weight=lam)
    seconds = time.perf_counter() - began
    w = res.weights.to_numpy()
    from portfolio_sgd.certificate import optimality_gap

    # certified lower bound on f* of the float64 problem (the tail LP's dual bound)
    lower = float(optimality_gap("cvar", r, w, return_weight=lam).lower_bound[0])
    gap, _ = score(r, w, lam, lower)
    viol = max(abs(w.sum() - 1), max(0.0, -w.min()))
    note = f"{res.steps} steps, polish: {res.polish}"
    row = Row(name, f"portfolio-sgd ({dtype})", seconds, gap, viol, float(w.min()), note)
    return [row], w, lower


def run_cvqp(name: str, r: np.ndarray, lam: float, w_star: np.ndarray, lower: float) -> list[Row]:
    import cvqp
    import scipy.sparse as sp

    from portfolio_sgd.metrics import cvar_and_var

    n = r.shape[1]
    kappa = float(cvar_and_var(-(r @ w_star)[:, None], ALPHA)[0][0])
    b = sp.vstack([sp.csr_matrix(np.ones((1, n))), sp.identity(n, format="csr")]).tocsr()
    lo, hi = np.concatenate([[1.0], np.zeros(n)]), np.ones(n + 1)
    rows = []
    for abstol, reltol in TOLERANCES:
        settings = cvqp.Settings(abstol=abstol, reltol=reltol, time_limit=600.0)
        began = time.perf_counter()
        res = cvqp.solve(None, -r.mean(axis=0), -r, b, lo, hi, ALPHA, kappa, settings=settings)
        seconds = time.perf_counter() - began
        w = res.x
        over = float(cvar_and_var(-(r @ w)[:, None], ALPHA)[0][0]) - kappa
        viol = max(abs(w.sum() - 1), max(0.0, -w.min()), max(0.0, over))
        gap, _ = score(r, w, lam, lower)
        note = f"abstol {abstol:g}, {res.iterations} it, {res.status}, CVaR over cap {over:.1e}"
        rows.append(Row(name, "CVQP", seconds, gap, viol, float(w.min()), note))
    return rows


def markdown(rows: list[Row], command: str) -> str:
    from benchmarks.machine import machine_info

    info = machine_info(int(os.environ.get("OMP_NUM_THREADS", "2")))
    lines = [
        "# portfolio-sgd vs CVQP (mean-CVaR, alpha = 0.95, long-only simplex)",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {info.get('cpu')}, {info.get('logical_cores')} cores, torch threads 2, load "
        f"average {os.getloadavg()[0]:.1f} at the end (shared with other jobs: compare within "
        "a data set, not across).",
        "",
        "Gap: relative, to the certified lower bound of our polished run (a proven bound on",
        "f - f*). Violation: budget, negative weights and (CVQP) CVaR above kappa, before",
        "clipping; both answers are scored after clipping to the simplex. Bar: gap <= 1e-4",
        "and violation <= 1e-6.",
        "",
        "| data | solver | seconds | relative gap | violation | min weight | meets bar | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.data} | {r.solver} | {r.seconds:.2f} | {r.relative_gap:.1e} | "
            f"{r.violation:.1e} | {r.min_weight:.1e} | {'yes' if r.meets_bar else 'no'} | "
            f"{r.note} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000])
    parser.add_argument("--only", default=None, help="substring of the data names to run")
    parser.add_argument("--out", default="benchmarks/results/cvqp_peer.md")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    rows: list[Row] = []
    for n_rows in args.rows:
        for name, (r, lam, dtype) in datasets(n_rows).items():
            if args.only and args.only not in name:
                continue
            ours, w_star, lower = run_ours(name, r, lam, dtype)
            rows += ours + run_cvqp(name, r, lam, w_star, lower)
            print("\n".join(str(x) for x in rows[-4:]), flush=True)
            with open(args.out, "w") as fh:  # rewritten after every data set
                fh.write(markdown(rows, "python -m benchmarks.cvqp_peer " + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
