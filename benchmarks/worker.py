"""Subprocess side of the suite: one process runs one engine on one problem size.

``python -m benchmarks.worker TASK.json OUT.json``. A task is one of

- ``sgd``: portfolio-sgd with its defaults on several objectives in turn (the data is
  loaded once; the peak RSS is reset before each objective through
  ``/proc/self/clear_refs`` so each objective gets its own peak);
- ``cvxpy`` / ``skfolio``: one exact solve (the parent kills it at the wall-clock limit);
- ``bandwidth``: the memory-bandwidth probe of the roofline.

Time-to-gap of SGD: the engine evaluates the full-data objective every ``eval_every``
steps and calls its ``callbacks`` with each evaluated iterate. The worker records them (it does
not change it) to take a timestamp and a copy of the weights at every evaluation; after
the run every copy is re-evaluated in float64 (:mod:`benchmarks.evaluate`). The time of an
evaluation point counts from the call to ``optimize`` (data preparation, curvature
estimate and all earlier evaluations included).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .evaluate import objective_values
from .problems import Size, load_problem


def _proc_status_bytes(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (``VmHWM``, ``VmRSS``) in bytes; None if absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since start or the last reset (VmHWM)."""
    peak = _proc_status_bytes("VmHWM")
    if peak is not None:
        return peak
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def current_rss_bytes() -> int:
    """Current resident set size (VmRSS); 0 where unknown."""
    return _proc_status_bytes("VmRSS") or 0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(int(threads))


def run_sgd(task: dict[str, Any], returns: np.ndarray) -> list[dict[str, Any]]:
    """Run portfolio-sgd's defaults on every objective of ``task``; one record each."""
    import torch

    from portfolio_sgd import optimize, settings_from_options

    _set_threads(task["threads"])
    dtype = task["dtype"]
    # One-time costs (torch._dynamo import on the first torch.optim construction, ~3 s)
    # are paid here, outside every timed run.
    optimize(returns[:256, : min(4, returns.shape[1])], objective="min-variance", steps=3)
    records = []
    for obj in task["objectives"]:
        params = task["params"][obj]
        stamps: list[tuple[float, float, np.ndarray, int]] = []

        def on_evaluation(view, _stamps=stamps):  # noqa: ANN001, ANN202 - EvaluationView
            enter = time.perf_counter() - view.evaluation_seconds
            snapshot = view.weights[0].to(torch.float64).cpu().numpy()
            _stamps.append((enter, view.evaluation_seconds, snapshot, view.step))

        options = dict(task.get("sgd_options", {}))
        options.update(objective=obj, dtype=dtype, seed=0, **params)
        reset_peak_rss()
        rss_before = current_rss_bytes()
        t0 = time.perf_counter()
        res = optimize(returns, *settings_from_options(options), callbacks=[on_evaluation])
        total = time.perf_counter() - t0
        peak = peak_rss_bytes()
        # The last stamp is the engine's final evaluation of the reported iterate (after
        # the loop); the others are the periodic ones.
        times = [s[0] - t0 for s in stamps]
        eval_cost = [s[1] for s in stamps]
        weights = np.stack([s[2] for s in stamps])
        values = objective_values(obj, returns, weights, **params)
        records.append(
            {
                "engine": "portfolio-sgd",
                "objective": obj,
                "status": "ok",
                "time_total": total,
                "loop_time": res.wall_time,
                "steps": res.steps,
                "samples_seen": res.samples_seen,
                "stop_reason": res.stop_reason,
                "lr": res.lr,
                "optimizer": res.optimizer,
                "dtype": dtype,
                "engine_objective": res.objective_value,
                "value": float(values[-1]),
                "trace_time": times,
                "trace_eval_cost": eval_cost,
                "trace_value": [float(v) for v in values],
                "trace_step": [s[3] for s in stamps],
                "n_evaluations": len(stamps),
                "peak_rss": peak,
                "rss_before": rss_before,
                "options": {k: v for k, v in options.items() if k != "objective"},
            }
        )
    return records


def run_cvxpy(task: dict[str, Any], returns: np.ndarray) -> dict[str, Any]:
    """One cvxpy + Clarabel solve through :func:`portfolio_sgd.reference.exact.solve_exact`."""
    from portfolio_sgd.constraints import Constraints
    from portfolio_sgd.reference.exact import solve_exact

    obj, params = task["objective"], task["params"]
    t0 = time.perf_counter()
    sol = solve_exact(obj, returns, Constraints(), time_limit=task["limit"], **params)
    total = time.perf_counter() - t0
    value = objective_values(obj, returns, sol.weights[None, :], **params)[0]
    return {
        "engine": "cvxpy+clarabel",
        "objective": obj,
        "status": sol.status,
        "time_total": total,
        "solve_time": sol.solve_time,
        "value": float(value),
        "weights": [float(x) for x in sol.weights],
        "peak_rss": peak_rss_bytes(),
    }


def run_skfolio(task: dict[str, Any], returns: np.ndarray) -> dict[str, Any]:
    """One skfolio ``MeanRisk`` fit (Clarabel) on the same problem (no Kelly in skfolio).

    Mean-variance maps to ``MAXIMIZE_UTILITY`` with ``risk_aversion = lambda / 2`` and a
    population covariance (``ddof=0``), so that the problem is exactly ours.
    """
    from skfolio import RiskMeasure
    from skfolio.moments import EmpiricalCovariance
    from skfolio.optimization import MeanRisk, ObjectiveFunction
    from skfolio.prior import EmpiricalPrior

    obj, params = task["objective"], task["params"]
    prior = EmpiricalPrior(covariance_estimator=EmpiricalCovariance(ddof=0))
    if obj == "mean-variance":
        model = MeanRisk(
            objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
            risk_measure=RiskMeasure.VARIANCE,
            risk_aversion=0.5 * params["risk_aversion"],
            prior_estimator=prior,
        )
    elif obj == "min-variance":
        model = MeanRisk(risk_measure=RiskMeasure.VARIANCE, prior_estimator=prior)
    elif obj == "cvar":
        model = MeanRisk(risk_measure=RiskMeasure.CVAR, cvar_beta=params["alpha"])
    else:
        raise ValueError(f"skfolio has no {obj} objective")
    data = np.asarray(returns, dtype=np.float64)
    t0 = time.perf_counter()
    model.fit(data)
    total = time.perf_counter() - t0
    w = np.asarray(model.weights_, dtype=np.float64)
    value = objective_values(obj, returns, w[None, :], **params)[0]
    return {
        "engine": "skfolio",
        "objective": obj,
        "status": "ok",
        "time_total": total,
        "value": float(value),
        "weights": [float(x) for x in w],
        "peak_rss": peak_rss_bytes(),
    }


def run_bandwidth(task: dict[str, Any]) -> dict[str, Any]:
    """Sustained memory bandwidth with torch on a buffer far larger than the caches.

    ``read``: ``buf.sum()`` (bytes read / s); ``copy``: ``dst.copy_(src)`` (bytes read +
    written / s). Best of ``repeats``, with ``threads`` torch threads.
    """
    import torch

    _set_threads(task["threads"])
    n = int(task["buffer_bytes"]) // 4
    src = torch.ones(n, dtype=torch.float32)
    dst = torch.empty_like(src)
    src.sum()
    dst.copy_(src)
    read, copy = [], []
    for _ in range(int(task["repeats"])):
        t0 = time.perf_counter()
        src.sum()
        read.append(4 * n / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        dst.copy_(src)
        copy.append(8 * n / (time.perf_counter() - t0))
    return {
        "buffer_bytes": 4 * n,
        "threads": int(task["threads"]),
        "torch_threads_seen": torch.get_num_threads(),
        "cuda_available": bool(torch.cuda.is_available()),
        "read_bytes_per_s": max(read),
        "copy_bytes_per_s": max(copy),
        "read_samples": read,
        "copy_samples": copy,
    }


def main(argv: list[str]) -> int:
    """Entry point: read the task, run it, write the JSON result."""
    task_path, out_path = argv[0], argv[1]
    task = json.loads(Path(task_path).read_text())
    start = time.perf_counter()
    if task["kind"] == "bandwidth":
        result: Any = run_bandwidth(task)
    else:
        size = Size(**task["size"])
        returns, _ = load_problem(size, task.get("seed", 0))
        load_time = time.perf_counter() - start
        rss_data = current_rss_bytes()
        if task["kind"] == "sgd":
            result = {"records": run_sgd(task, returns)}
        elif task["kind"] in ("cvxpy", "skfolio"):
            runner = run_cvxpy if task["kind"] == "cvxpy" else run_skfolio
            records = []
            # one objective, or several in one process on small problems (import once)
            for item in task.get("batch") or [{"objective": task["objective"]}]:
                # one-time costs (lazy imports, the solver's first canonicalisation) are
                # paid on a tiny problem first, as the SGD worker does
                runner({**task, **item}, np.ascontiguousarray(returns[:200, :4]))
                reset_peak_rss()
                records.append(runner({**task, **item}, returns))
            result = {"records": records}
        else:
            raise ValueError(f"unknown task kind {task['kind']!r}")
        result["load_time"] = load_time
        result["rss_after_load"] = rss_data
        result["shape"] = list(returns.shape)
    result["pid"] = os.getpid()
    if task["kind"] == "sgd":
        from .machine import code_version

        # The package may change between workers of one suite run (a live checkout).
        result["code"] = code_version()
        for rec in result["records"]:
            rec["code"] = result["code"]
    Path(out_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
