"""Orchestration: run every engine on every (size, objective) in subprocesses, then score.

Each engine runs in its own process (:mod:`benchmarks.worker`) so that its peak RSS is its
own, and exact solvers can be killed at a wall-clock limit or a memory cap. The parent
polls each child's RSS with psutil (the child's own VmHWM is used when it finishes).

Scoring: the reference optimum ``f_ref`` of a problem is the smallest float64 objective
among the exact solvers that finished (cvxpy + Clarabel, skfolio). When none finished it is
the objective of a long portfolio-sgd run (``tol=None``, a time budget), flagged in the
output. Every gap is ``(f(w) - f_ref) / |f_ref|`` with ``f`` from :mod:`benchmarks.evaluate`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import SIZES, Size, load_problem

OBJECTIVES = ("mean-variance", "min-variance", "cvar", "kelly")
PARAMS: dict[str, dict[str, float]] = {
    "mean-variance": {"risk_aversion": 10.0},
    "min-variance": {},
    "cvar": {"alpha": 0.95},
    "kelly": {},
}
GAPS = (1e-3, 1e-4)
SKFOLIO_OBJECTIVES = ("mean-variance", "min-variance", "cvar")
QUICK_SIZES = ("sp500", "ff49-daily")
FULL_SIZES = (
    "sp500",
    "ff49-daily",
    "us-stocks-2500",
    "syn-100x20k",
    "syn-500x100k",
    "syn-1000x500k",
)
SHARED_PROCESS_CELLS = 2_000_000
"""Problems up to this T x N run all objectives of an exact engine in one process."""
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class SuiteConfig:
    """Settings of one suite run.

    Attributes
    ----------
    sizes, objectives : sequence of str
    exact_limit : float
        Wall-clock limit of one exact solve in seconds (also Clarabel's ``time_limit``).
    exact_max_cells : float
        Exact solvers are skipped (reported as such) on problems with more ``T * N``.
    skfolio : bool
        Also run skfolio where it has the objective.
    threads : int
        torch threads and BLAS/OpenMP threads of every worker.
    mem_limit_gb : float
        A worker whose RSS passes this is killed and reported "> mem".
    long_sgd_budget : float
        Seconds of the long SGD run used as reference when no exact solver finished.
    bandwidth_mb : int
        Buffer of the memory-bandwidth probe.
    seed : int
        Seed of the synthetic data.
    label : str
        ``quick``, ``full`` or ``custom`` (goes into the file names).
    """

    sizes: Sequence[str] = QUICK_SIZES
    objectives: Sequence[str] = OBJECTIVES
    exact_limit: float = 30.0
    exact_max_cells: float = 2e8
    skfolio: bool = True
    threads: int = 2
    mem_limit_gb: float = 16.0
    long_sgd_budget: float = 60.0
    bandwidth_mb: int = 1024
    seed: int = 0
    label: str = "custom"
    command: str = ""
    extra_sizes: dict[str, Size] = field(default_factory=dict)


def _worker_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"):
        env[key] = str(threads)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_worker(
    task: dict[str, Any], limit: float | None, mem_limit_bytes: float, threads: int
) -> dict[str, Any]:
    """Run one task in a child process; return its JSON plus ``_status``/``_wall``/``_rss``.

    ``_status`` is ``ok``, ``timeout`` (killed at ``limit`` seconds), ``memory`` (killed
    at the memory cap) or ``error`` (with ``_error``, the child's last stderr lines).
    """
    import psutil

    with tempfile.TemporaryDirectory(prefix="psgd-bench-") as tmp:
        task_path, out_path = Path(tmp) / "task.json", Path(tmp) / "out.json"
        task_path.write_text(json.dumps(task))
        err_path = Path(tmp) / "stderr.txt"
        with open(err_path, "w") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.worker", str(task_path), str(out_path)],
                env=_worker_env(threads),
                stdout=subprocess.DEVNULL,
                stderr=err,
                cwd=str(Path(__file__).resolve().parent.parent),
            )
            handle = psutil.Process(proc.pid)
            peak, status = 0, "ok"
            while proc.poll() is None:
                try:
                    rss = handle.memory_info().rss
                except psutil.Error:
                    rss = 0
                peak = max(peak, rss)
                elapsed = time.perf_counter() - start
                if limit is not None and elapsed > limit:
                    status = "timeout"
                elif rss > mem_limit_bytes:
                    status = "memory"
                if status != "ok":
                    proc.kill()
                    proc.wait()
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - start
        if status == "ok" and proc.returncode == 0 and out_path.exists():
            out = json.loads(out_path.read_text())
        else:
            out = {}
            if status == "ok":
                status = "error"
                lines = err_path.read_text().strip().splitlines()
                out["_error"] = " | ".join(lines[-3:])[-600:]
    out.update(_status=status, _wall=wall, _rss_polled=peak)
    return out


def measure_bandwidth(config: SuiteConfig) -> dict[str, Any]:
    """Memory bandwidth of this machine with ``config.threads`` torch threads."""
    task = {
        "kind": "bandwidth",
        "threads": config.threads,
        "buffer_bytes": config.bandwidth_mb * 2**20,
        "repeats": 5,
    }
    return run_worker(task, 300, 8 * config.bandwidth_mb * 2**20 + 2**30, config.threads)


def _size(config: SuiteConfig, name: str) -> Size:
    if name in config.extra_sizes:
        return config.extra_sizes[name]
    if name not in SIZES:
        raise ValueError(f"unknown size {name!r}; choose from {', '.join(SIZES)}")
    return SIZES[name]


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_size(config: SuiteConfig, size: Size) -> list[dict[str, Any]]:
    """All engines on all objectives of one size; returns one raw record per engine run."""
    mem = config.mem_limit_gb * 2**30
    base = {"size": size.to_dict(), "seed": config.seed, "threads": config.threads}
    records: list[dict[str, Any]] = []
    _log(f"{size.name}: portfolio-sgd on {', '.join(config.objectives)}")
    sgd_task = {
        **base,
        "kind": "sgd",
        "dtype": size.dtype,
        "objectives": list(config.objectives),
        "params": {o: PARAMS[o] for o in config.objectives},
    }
    out = run_worker(sgd_task, None, mem, config.threads)
    for rec in out.get("records", []):
        rec.update(size=size.name, run_status=out["_status"])
        records.append(rec)
    if out["_status"] != "ok":
        _log(f"  portfolio-sgd failed: {out['_status']} {out.get('_error', '')}")
        for obj in config.objectives:
            records.append(_failed("portfolio-sgd", obj, size, out))
    cells = size.n_rows * size.n_assets
    jobs: list[tuple[str, list[str]]] = []  # (engine, objectives run in one process)
    for eng in ("cvxpy", "skfolio"):
        objs = [o for o in config.objectives if eng == "cvxpy" or o in SKFOLIO_OBJECTIVES]
        if eng == "skfolio" and not config.skfolio:
            continue
        if cells <= SHARED_PROCESS_CELLS:
            jobs.append((eng, objs))  # small: one process, the imports paid once
        else:
            jobs += [(eng, [o]) for o in objs]  # large: a process (and a limit) each
    for eng, objs in jobs:
        name = "cvxpy+clarabel" if eng == "cvxpy" else "skfolio"
        if cells > config.exact_max_cells:
            records += [
                {
                    "engine": name,
                    "objective": obj,
                    "size": size.name,
                    "status": "skipped",
                    "note": f"T*N = {cells:.3g} > {config.exact_max_cells:.3g}",
                }
                for obj in objs
            ]
            continue
        _log(f"{size.name}: {name} {', '.join(objs)} (limit {config.exact_limit:g} s each)")
        task = {
            **base,
            "kind": eng,
            "batch": [{"objective": o, "params": PARAMS[o]} for o in objs],
            "limit": config.exact_limit,
        }
        limit = config.exact_limit * len(objs) + 15.0
        out = run_worker(task, limit, mem, config.threads)
        if out["_status"] == "ok":
            for rec in out["records"]:
                rec.update(size=size.name, wall=rec["time_total"])
                records.append(rec)
        else:
            _log(f"  {name} {', '.join(objs)}: {out['_status']} {out.get('_error', '')}")
            records += [_failed(name, obj, size, out) for obj in objs]
    return records


def _failed(engine: str, obj: str, size: Size, out: dict[str, Any]) -> dict[str, Any]:
    return {
        "engine": engine,
        "objective": obj,
        "size": size.name,
        "status": out["_status"],
        "wall": out["_wall"],
        "peak_rss": out["_rss_polled"],
        "error": out.get("_error"),
    }


def long_sgd_reference(config: SuiteConfig, size: Size, obj: str) -> dict[str, Any]:
    """A long portfolio-sgd run (no tolerance stop, ``long_sgd_budget`` seconds)."""
    task = {
        "size": size.to_dict(),
        "seed": config.seed,
        "threads": config.threads,
        "kind": "sgd",
        "dtype": size.dtype,
        "objectives": [obj],
        "params": {obj: PARAMS[obj]},
        "sgd_options": {"tol": None, "time_budget": config.long_sgd_budget},
    }
    _log(f"{size.name}: long portfolio-sgd reference for {obj} ({config.long_sgd_budget:g} s)")
    out = run_worker(task, None, config.mem_limit_gb * 2**30, config.threads)
    if out["_status"] != "ok":
        return {"status": out["_status"], "value": None}
    rec = out["records"][0]
    return {
        "status": "ok",
        "value": min(rec["trace_value"]),
        "time": rec["time_total"],
        "steps": rec["steps"],
    }


def run_suite(
    sizes: Sequence[str] | None = None,
    objectives: Sequence[str] = OBJECTIVES,
    out_dir: str | os.PathLike[str] | None = None,
    quick: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """Run the suite and write ``<label>.json``, ``<label>.md`` and ``<label>_roofline.png``.

    Parameters
    ----------
    sizes : sequence of str, optional
        Keys of :data:`benchmarks.problems.SIZES`; default the quick or the full list.
    objectives : sequence of str
    out_dir : path, optional
        Default ``benchmarks/results``.
    quick : bool
        Quick mode: the two small real datasets, 30 s exact limit, small bandwidth probe.
    **overrides
        Any :class:`SuiteConfig` field.

    Returns
    -------
    dict
        The JSON document that was written (``rows``, ``machine``, ``bandwidth``, ...).
    """
    from .machine import machine_info
    from .report import score, write_outputs

    label = "quick" if quick else ("full" if sizes is None else "custom")
    defaults: dict[str, Any] = (
        {"exact_limit": 30.0, "bandwidth_mb": 512, "long_sgd_budget": 20.0}
        if quick
        else {"exact_limit": 600.0}
    )
    defaults.update(overrides)
    defaults.setdefault("label", label)
    config = SuiteConfig(
        sizes=tuple(sizes or (QUICK_SIZES if quick else FULL_SIZES)),
        objectives=tuple(objectives),
        **defaults,
    )
    if not config.command:
        config.command = " ".join(["python -m benchmarks", *sys.argv[1:]])
    out_path = Path(out_dir) if out_dir is not None else RESULTS_DIR
    out_path.mkdir(parents=True, exist_ok=True)
    started = time.time()
    machine = machine_info(config.threads)
    _log(f"bandwidth probe ({config.bandwidth_mb} MiB)")
    bandwidth = measure_bandwidth(config)
    raw: list[dict[str, Any]] = []
    loads: list[float] = []
    for name in config.sizes:
        size = _size(config, name)
        _log(f"{size.name}: generating / loading cached data")
        load_problem(size, config.seed)
        loads.append(os.getloadavg()[0])
        raw.extend(run_size(config, size))
        loads.append(os.getloadavg()[0])
    refs: dict[tuple[str, str], dict[str, Any]] = {}
    for name in config.sizes:
        size = _size(config, name)
        for obj in config.objectives:
            exact = [
                r
                for r in raw
                if r["size"] == name
                and r["objective"] == obj
                and r["engine"] != "portfolio-sgd"
                and r.get("status") in ("optimal", "optimal_inaccurate", "ok")
            ]
            if exact:
                best = min(exact, key=lambda r: r["value"])
                refs[(name, obj)] = {"value": best["value"], "source": best["engine"]}
            else:
                long = long_sgd_reference(config, size, obj)
                sgd = [
                    r
                    for r in raw
                    if r["size"] == name and r["objective"] == obj and "trace_value" in r
                ]
                values = [v for r in sgd for v in r["trace_value"]]
                if long["value"] is not None:
                    values.append(long["value"])
                refs[(name, obj)] = {
                    "value": min(values) if values else None,
                    "source": f"long portfolio-sgd run ({config.long_sgd_budget:g} s, "
                    "no exact solver finished)",
                    "long_run": long,
                }
    doc = score(config, raw, refs, machine, bandwidth)
    doc["elapsed"] = time.time() - started
    doc["load_average_during_run"] = loads
    write_outputs(doc, out_path, config.label)
    return doc
