"""Where a default mean-CVaR run spends its time: a per-phase profile.

Wraps (in this process only, without changing the package) the engine's step factory,
its evaluations, the smoothing continuation, the exact finish and the certificate with
timers, then runs ``optimize(returns, "cvar")`` with the defaults:

* mini-batch steps / exact (full-data) steps: the step closures, by regime;
* evaluations: the periodic full-data objective (and history, callbacks);
* smoothing stages: ``SmoothingContinuation.advance`` (VaR re-fit, curvature);
* polish: the exact tail-LP finish (:mod:`portfolio_sgd.engine.cvar_polish`);
* certificate: the CVaR dual bound after the run.

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
    from portfolio_sgd.engine import continuation, loop

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
    api.certify = _timed("certificate", api.certify)


def profile(name: str, returns: np.ndarray, dtype: str) -> list[str]:
    """Table rows for one run (after a warm-up run that pays one-time imports)."""
    from portfolio_sgd import EngineConfig, optimize

    optimize(returns[:2000], "cvar", config=EngineConfig(steps=30, dtype=dtype))
    TIMES.clear()
    COUNTS.clear()
    began = time.perf_counter()
    res = optimize(returns, "cvar", config=EngineConfig(dtype=dtype))
    total = time.perf_counter() - began
    known = sum(TIMES.values())
    rows = [f"| {name} | total | {total:.2f} | 100% | {res.steps} steps, {res.polish} |"]
    for label in ("mini-batch steps", "exact steps", "evaluations", "smoothing stages", "polish"):
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
    args = parser.parse_args()
    import torch

    from benchmarks.problems import synthetic_returns
    from portfolio_sgd.data import load_returns

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
    ff49 = load_returns(dataset="ff49-daily").to_numpy()
    lines += profile("ff49-daily 13,245 x 49 (float64)", ff49, "float64")
    syn = synthetic_returns(20_000, 100, seed=0)
    lines += profile("synthetic 20k x 100 (float32)", syn, "float32")
    with open(args.out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
