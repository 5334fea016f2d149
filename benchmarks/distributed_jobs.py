"""Jobs of ``benchmarks/distributed.py``, run on local gloo ranks (importable by spawn)."""

from __future__ import annotations

import time

import numpy as np
import torch

OBJECTIVES = ("min-variance", "mean-variance", "cvar", "kelly", "tracking", "risk-parity")


def synthetic(n_rows: int, n_assets: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A 3-factor panel (n_rows, n_assets) and a benchmark (the equal weight plus noise)."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(0.0, 0.01, (n_rows, 3))
    loadings = rng.uniform(0.2, 1.2, (3, n_assets))
    returns = 3e-4 + factors @ loadings / 3 + rng.normal(0.0, 0.01, (n_rows, n_assets))
    return returns, returns.mean(axis=1) + rng.normal(0.0, 2e-3, n_rows)


def agreement(n_rows: int, n_assets: int, objectives: tuple[str, ...]) -> dict:
    """Objective, weights, steps and seconds of each objective, sharded over this group."""
    import portfolio_sgd as ps

    returns, bench = synthetic(n_rows, n_assets)
    out = {}
    for name in objectives:
        extra = {"benchmark": bench} if name == "tracking" else {}
        began = time.perf_counter()
        r = ps.optimize(returns, name, distributed=True, seed=0, batch_size=1024, **extra)
        out[name] = {
            "objective": r.objective_value,
            "weights": r.weights.to_numpy(),
            "steps": r.steps,
            "stop": r.stop_reason,
            "seconds": time.perf_counter() - began,
        }
    return out


def step_timing(n_rows: int, n_assets: int, batch: int, steps: int) -> dict:
    """Seconds per mini-batch step and per full-data step, and per bare all-reduce of
    the step's (N + 3) floats, on this group."""
    import portfolio_sgd as ps
    from portfolio_sgd.distributed import start

    returns, _ = synthetic(n_rows, n_assets)
    timings = {}
    for label, size in (("mini-batch", batch), ("full-data", n_rows)):
        config = ps.EngineConfig(steps=steps, tol=None, batch_schedule="constant", eval_every=steps)
        r = ps.optimize(returns, "min-variance", config=config, batch_size=size, distributed=True)
        timings[label] = r.wall_time / r.steps
    ctx = start("cpu")
    buf = torch.zeros(n_assets + 3, dtype=torch.float64)
    ctx.barrier()
    began = time.perf_counter()
    for _ in range(steps):
        ctx.all_reduce(buf)
    timings["all-reduce"] = (time.perf_counter() - began) / steps
    return timings


def peak_memory(path: str, steps: int) -> list[dict]:
    """Every rank's peak RSS (MB) and shard size (MB) after a sharded run on ``path``."""
    import portfolio_sgd as ps
    from portfolio_sgd.distributed import row_range, start

    ctx = start("cpu")
    config = ps.EngineConfig(steps=steps, tol=None)
    r = ps.optimize(path, "min-variance", config=config, distributed=True)
    shape = np.load(path, mmap_mode="r").shape
    lo, hi = row_range(shape[0], ctx.rank, ctx.world_size)
    mine = {
        "rank": ctx.rank,
        "peak_rss_mb": peak_rss_mb(),
        "shard_mb": (hi - lo) * shape[1] * 8 / 2**20,
        "objective": r.objective_value,
    }
    return ctx.gather_objects(mine)  # type: ignore[return-value]


def baseline_memory() -> float:
    """Peak RSS (MB) of a process that imported portfolio_sgd and torch, nothing else."""
    import portfolio_sgd  # noqa: F401

    return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM, MB). Unlike ``ru_maxrss``, which a
    spawned child inherits from its parent across fork and exec, it starts afresh."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
