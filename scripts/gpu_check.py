"""GPU correctness and speed check, for a machine with CUDA (not part of the test suite).

Usage: ``python scripts/gpu_check.py [--quick] [--out benchmarks/results/gpu.json]``

1. Same seed on CPU and CUDA (float32): weights and objective must agree within float32
   tolerance for every objective on ``sp500``.
2. Scale: CVaR on synthetic Student-t scenarios (1000 x 1M and 2500 x 1M; smaller with
   ``--quick``), time to the default stopping rule, with the gap to a long reference run.
3. Batching: K = 64 runs as one (K, N) tensor against a single run, same step budget.
4. Per-step overhead: wall time per step at batch sizes 256 and 65,536.
Writes a JSON record with the GPU model; exits with a message when CUDA is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from portfolio_sgd import optimize, optimize_many
from portfolio_sgd.data import load_returns
from portfolio_sgd.reference import objective_value


def synthetic(n_rows: int, n_assets: int, seed: int = 0) -> np.ndarray:
    """Student-t factor returns, float32 (T, N)."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_t(4, size=(n_rows, 5)).astype(np.float32) * 0.008
    loadings = rng.normal(0.5, 0.3, size=(5, n_assets)).astype(np.float32)
    noise = rng.standard_t(4, size=(n_rows, n_assets)).astype(np.float32) * 0.012
    return factors @ loadings + noise + np.float32(3e-4)


def timed(fn):
    torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    torch.cuda.synchronize()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/gpu.json")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: nothing to check")
    record: dict[str, object] = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}
    sp500 = load_returns(dataset="sp500", dtype="float32")
    checks = {}
    for objective in ("mean-variance", "min-variance", "kelly", "cvar"):
        cpu = optimize(sp500, objective=objective, dtype="float32", device="cpu", seed=0)
        gpu = optimize(sp500, objective=objective, dtype="float32", device="cuda", seed=0)
        diff = float(np.abs(cpu.weights.to_numpy() - gpu.weights.to_numpy()).max())
        rel = abs(cpu.objective_value - gpu.objective_value) / abs(cpu.objective_value)
        checks[objective] = {"max_weight_diff": diff, "objective_rel_diff": rel, "ok": rel < 1e-4}
    record["cpu_vs_cuda"] = checks
    sizes = [(1000, 100_000)] if args.quick else [(1000, 1_000_000), (2500, 1_000_000)]
    scale = []
    for n_assets, n_rows in sizes:
        r = synthetic(n_rows, n_assets)
        result, wall = timed(
            lambda r=r: optimize(r, objective="cvar", dtype="float32", device="cuda")
        )
        ref = optimize(r, objective="cvar", dtype="float32", device="cuda", tol=1e-12, steps=20_000)
        best = min(ref.objective_value, result.objective_value)
        value = float(objective_value("cvar", r.astype(np.float64), result.weights.to_numpy()))
        scale.append(
            {"n_assets": n_assets, "n_rows": n_rows, "wall_s": wall, "steps": result.steps,
             "gap_vs_long_run": (value - best) / abs(best)}
        )  # fmt: skip
    record["cvar_scale"] = scale
    common = dict(objective="min-variance", batch_schedule="constant", steps=2000, tol=None,
                  dtype="float32", device="cuda", optimizer="sgd", momentum=0.0)  # fmt: skip
    _, single = timed(lambda: optimize_many(sp500, batch_sizes=[256], **common))
    _, batched = timed(lambda: optimize_many(sp500, batch_sizes=[256], repeats=64, **common))
    record["batched_k64_over_single"] = batched / single
    overhead = {}
    for m in (256, 65_536):
        res, wall = timed(
            lambda m=m: optimize(
                sp500,
                batch_size=m,
                batch_schedule="constant",
                steps=2000,
                tol=None,
                dtype="float32",
                device="cuda",
            )  # fmt: skip
        )
        overhead[m] = wall / res.steps * 1e6
    record["us_per_step_eager"] = overhead
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
