"""Where a default mean-CVaR run spends its time: a per-phase profile.

Wraps (in this process only, without changing the package) the engine's step factory,
its evaluations, the smoothing continuation, the exact finish and the certificate with
timers, then runs ``optimize(returns, "cvar")`` with the defaults:

* mini-batch steps / exact (full-data) steps: the step closures, by regime;
* evaluations: the periodic full-data objective (and history, callbacks);
* smoothing stages: ``SmoothingContinuation.advance`` (VaR re-fit, curvature);
* early-finish tries: the exact finish tried inside the loop
  (:mod:`portfolio_sgd.engine.early_finish`);
* polish: the exact tail-LP finish after the loop (:mod:`portfolio_sgd.measures.kernels.cvar_polish`);
* certificate: the CVaR dual bound after the run.

Each data set runs twice: with the old schedule (``early_finish=False``,
``sgd_dtype="float64"``: the continuation runs to its floor in the data's dtype) and with
the defaults.

    python -m benchmarks.cvar_profile --out benchmarks/results/cvar_profile.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict

import numpy as np

TIMES: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)


def _timed(label: str, fn):  # noqa: ANN001, ANN202 - any callable
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - began
            COUNTS[label] += 1

    return wrapper


def instrument() -> None:
    """Install the timers (module attributes the engine looks up at call time)."""
    from portfolio_sgd import api
    from portfolio_sgd.engine import continuation, early_finish, loop

    make_step = loop.make_step

    def timed_make_step(state, regime):  # noqa: ANN001, ANN202
        step, key = make_step(state, regime)
        label = "exact steps" if regime.full else "mini-batch steps"
        return _timed(label, step), key

    loop.make_step = timed_make_step
    loop._evaluate_and_record = _timed("evaluations", loop._evaluate_and_record)
    loop.polish_final = _timed("polish", loop.polish_final)
    cls = continuation.SmoothingContinuation
    cls.advance = _timed("smoothing stages", cls.advance)
    early = early_finish.EarlyFinish
    early.attempt = _timed("early-finish tries", early.attempt)
    api.certify = _timed("certificate", api.certify)


PHASES = (
    "mini-batch steps",
    "exact steps",
    "evaluations",
    "smoothing stages",
    "early-finish tries",
    "polish",
)
OLD = {"early_finish": False, "sgd_dtype": "float64"}


def profile(name: str, returns: np.ndarray, dtype: str, old: bool) -> list[str]:
    """Table rows for one run (after a warm-up run that pays one-time imports)."""
    from portfolio_sgd import EngineConfig, optimize

    optimize(returns[:2000], "cvar", config=EngineConfig(steps=30, dtype=dtype))
    TIMES.clear()
    COUNTS.clear()
    config = EngineConfig(dtype=dtype, **({**OLD, "sgd_dtype": dtype} if old else {}))
    began = time.perf_counter()
    res = optimize(returns, "cvar", config=config)
    total = time.perf_counter() - began
    known = sum(TIMES.values())
    schedule = "old schedule" if old else "defaults"
    rows = [
        f"| {name}, {schedule} | total | {total:.2f} | 100% | {res.steps} steps, "
        f"stop: {res.stop_reason}; finish: {res.polish}; objective {res.objective_value:.12g} |"
    ]
    for label in PHASES:
        rows.append(
            f"| | {label} | {TIMES[label]:.2f} | {100 * TIMES[label] / total:.0f}% | "
            f"{COUNTS[label]} calls |"
        )
    rows.append(
        f"| | certificate | {TIMES['certificate']:.2f} | "
        f"{100 * TIMES['certificate'] / total:.0f}% | {res.certificate_method} |"
    )
    rest = total - known
    rows.append(f"| | other (setup, data, step size) | {rest:.2f} | {100 * rest / total:.0f}% | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/cvar_profile.md")
    parser.add_argument("--sets", nargs="+", default=["ff49", "syn20k", "stocks20k"])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    instrument()
    lines = [
        "# Per-phase profile of a default mean-CVaR run (min-CVaR, alpha = 0.95)",
        "",
        f"Command: `python -m benchmarks.cvar_profile {' '.join(sys.argv[1:])}`; CPU, torch "
        f"threads 2, load average {os.getloadavg()[0]:.1f} (shared machine: read the shares).",
        "",
        "| data | phase | seconds | share | note |",
        "|---|---|---|---|---|",
    ]
    for key in args.sets:
        name, returns, dtype = DATA[key]()
        for old in (True, False):
            lines += profile(name, returns, dtype, old)
            print("\n".join(lines[-8:]), flush=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def _ff49() -> tuple[str, np.ndarray, str]:
    from portfolio_sgd.data import load_returns

    return (
        "ff49-daily 13,245 x 49 (float64)",
        load_returns(dataset="ff49-daily").to_numpy(),
        "float64",
    )


def _syn(rows: int, n: int, dtype: str) -> tuple[str, np.ndarray, str]:
    from benchmarks.problems import synthetic_returns

    return f"synthetic {rows // 1000}k x {n} ({dtype})", synthetic_returns(rows, n, seed=0), dtype


def _stocks(rows: int) -> tuple[str, np.ndarray, str]:
    from benchmarks.cvqp_problems import bootstrap_rows
    from portfolio_sgd.data import load_returns

    x = load_returns(dataset="us-stocks-2500").iloc[:, :500].to_numpy()
    name = f"us-stocks 500 cols, bootstrap {rows // 1000}k (float64)"
    return name, bootstrap_rows(x, rows, 20.0, 1), "float64"


DATA = {
    "ff49": _ff49,
    "syn20k": lambda: _syn(20_000, 100, "float32"),
    "syn100k": lambda: _syn(100_000, 500, "float64"),
    "stocks20k": lambda: _stocks(20_000),
    "stocks100k": lambda: _stocks(100_000),
}


if __name__ == "__main__":
    main()
