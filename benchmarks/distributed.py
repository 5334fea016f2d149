"""Data-parallel runs (``portfolio_sgd.distributed``): agreement, step time, memory.

``python -m benchmarks.distributed agreement|timing|memory|all [--out FILE]``

- ``agreement``: every objective on a synthetic 100 x 100k panel on 1, 2 and 4 gloo
  ranks: objective relative differences and weight differences against 1 rank;
- ``timing``: seconds per mini-batch and full-data step on 1 and 2 processes, and per
  bare all-reduce of the step's buffer;
- ``memory``: peak RSS of each of 4 ranks on a 500 x 400k float64 ``.npy`` file against
  the target ``1.3 x shard + 500 MB``;
- ``files``: peak RSS of the CLI on >= 1 GB Parquet and CSV files, one process against
  torchrun with 2 and 4 ranks (:mod:`benchmarks.distributed_files`; not part of ``all``).

Results are appended as Markdown to ``--out`` (default
``benchmarks/results/distributed_raw.md``) with the machine and the command.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import distributed_jobs as jobs
from benchmarks.distributed_files import OBJECTIVES as FILE_OBJECTIVES
from benchmarks.distributed_files import files_memory
from portfolio_sgd.distributed.launch import run_local


def agreement(rows: int, assets: int, ranks: list[int], objectives: tuple[str, ...]) -> str:
    runs = {p: run_local(jobs.agreement, p, rows, assets, objectives) for p in ranks}
    lines = [
        f"### Agreement, synthetic {assets} x {rows:,} (float64)",
        "",
        "| objective | ranks | objective value | rel. diff vs 1 rank | max weight diff | steps | stop | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in objectives:
        ref = runs[ranks[0]][name]
        for p in ranks:
            r = runs[p][name]
            rel = abs(r["objective"] - ref["objective"]) / abs(ref["objective"])
            dw = float(np.abs(r["weights"] - ref["weights"]).max())
            lines.append(
                f"| {name} | {p} | {r['objective']:.12g} | {rel:.1e} | {dw:.1e} | "
                f"{r['steps']} | {r['stop']} | {r['seconds']:.1f} |"
            )
    return "\n".join(lines)


def timing(rows: int, assets: int, batch: int, steps: int) -> str:
    lines = [
        f"### Step time, min-variance {assets} x {rows:,}, K = 1, batch {batch}, {steps} steps",
        "",
        "| processes | mini-batch step (ms) | full-data step (ms) | bare all-reduce of N+3 floats (ms) |",
        "|---|---|---|---|",
    ]
    for p in (1, 2):
        t = run_local(jobs.step_timing, p, rows, assets, batch, steps)
        lines.append(
            f"| {p} | {1e3 * t['mini-batch']:.2f} | {1e3 * t['full-data']:.2f} | "
            f"{1e3 * t['all-reduce']:.3f} |"
        )
    return "\n".join(lines)


def memory(rows: int, assets: int, ranks: int, steps: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.npy")
        data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(rows, assets))
        step = 50_000
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            data[start:stop] = jobs.synthetic(stop - start, assets, seed=start)[0]
        data.flush()
        del data
        base = run_local(jobs.baseline_memory, 1)
        ranks_out = run_local(jobs.peak_memory, ranks, path, steps)
    lines = [
        f"### Memory, {ranks} ranks, {assets} x {rows:,} float64 .npy, {steps} steps",
        "",
        f"Baseline (a process that imported portfolio_sgd): {base:.0f} MB peak RSS.",
        "",
        "| rank | shard (MB) | peak RSS (MB) | target 1.3 x shard + 500 (MB) | met |",
        "|---|---|---|---|---|",
    ]
    for r in ranks_out:
        target = 1.3 * r["shard_mb"] + 500
        lines.append(
            f"| {r['rank']} | {r['shard_mb']:.0f} | {r['peak_rss_mb']:.0f} | {target:.0f} | "
            f"{'yes' if r['peak_rss_mb'] <= target else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["agreement", "timing", "memory", "files", "all"])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--assets", type=int, default=None)
    parser.add_argument("--ranks", default="1,2,4")
    parser.add_argument("--objectives", default=",".join(jobs.OBJECTIVES))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--gb", type=float, default=1.05, help="files: size of each file")
    parser.add_argument("--out", default="benchmarks/results/distributed_raw.md")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    parts = []
    if args.what in ("agreement", "all"):
        ranks = [int(p) for p in args.ranks.split(",")]
        objectives = tuple(args.objectives.split(","))
        parts.append(agreement(args.rows or 100_000, args.assets or 100, ranks, objectives))
    if args.what in ("timing", "all"):
        parts.append(timing(args.rows or 100_000, args.assets or 100, 4096, args.steps))
    if args.what in ("memory", "all"):
        parts.append(memory(args.rows or 400_000, args.assets or 500, 4, 20))
    if args.what == "files":
        chosen = tuple(o for o in args.objectives.split(",") if o in FILE_OBJECTIVES)
        parts.append(files_memory(args.gb, args.assets or 100, Path(args.out), chosen))
    load = os.getloadavg()
    header = (
        f"## `python -m benchmarks.distributed {' '.join(argv or sys.argv[1:])}`\n\n"
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the end, "
        f"{time.perf_counter() - began:.0f} s wall.\n"
    )
    text = header + "\n" + "\n\n".join(parts) + "\n"
    print(text)
    with Path(args.out).open("a") as handle:
        handle.write(text + "\n")


if __name__ == "__main__":
    main()
