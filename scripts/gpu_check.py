"""GPU correctness and speed check, for a machine with CUDA (not part of the test suite).

Usage: ``python scripts/gpu_check.py [--quick] [--device cuda] [--out DIR] [--budget S]
[--sections ...] [--scale-objectives ...] [--reference-steps N]``

Sections (each recorded on its own; a failing one records its error and the rest go on):

1. ``bandwidth``: device-to-device copy rate (bytes read + written), the roofline bound.
2. ``correctness``: every objective on ``sp500`` in float32 with the same seed on the CPU,
   on CUDA with graphed steps and on CUDA eager: weights and objective must agree within
   float32 tolerance; graphed and eager CUDA runs are compared directly.
3. ``overhead``: microseconds per step, eager against CUDA-graphed, at batch sizes 256,
   4096 and 65,536 (min-variance, constant batch, synthetic 100 x 200k).
4. ``batched``: K = 64 runs as one (K, N) tensor against a single run, same step budget.
5. ``scale``: defaults (CVaR unless ``--scale-objectives`` says otherwise) on synthetic
   Student-t scenarios generated on the GPU (1000 x 1M and 2500 x 1M; 500 x 100k with
   ``--quick``): time to gaps of 1e-3 and 1e-4 against the best of the run and a long
   reference run (``--reference-steps``), in float64 evaluation.

Writes ``gpu.json`` and ``gpu.md`` into ``--out`` after every section. ``--device cpu``
runs the same code on the CPU at small sizes (a dry run of the script itself).
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portfolio_sgd import optimize, optimize_many, settings_from_options  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.objectives import (  # noqa: E402
    ObjectiveSpec,
    optimal_var_level,
    scenario_losses,
)

OBJECTIVES = ("mean-variance", "min-variance", "kelly", "cvar")
SECTIONS = ("bandwidth", "correctness", "overhead", "batched", "scale")


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def synthetic(n_rows: int, n_assets: int, device: str, seed: int = 0) -> torch.Tensor:
    """Student-t factor-model simple returns (T, N), float32, generated on ``device``.

    Five factors (market 1% a day, others 0.5%), loadings around 1 on the market,
    idiosyncratic vols 1-3%, drifts 0-8e-4, one Student-t (4 dof) scale per scenario.
    """
    gen = torch.Generator(device=device).manual_seed(seed)
    kw: dict[str, Any] = {"generator": gen, "device": device, "dtype": torch.float32}
    loadings = torch.randn(5, n_assets, **kw) * 0.5
    loadings[0] = 1.0 + 0.3 * torch.randn(n_assets, **kw)
    loadings *= torch.tensor([0.01, 0.005, 0.005, 0.005, 0.005], device=device)[:, None]
    ivol = 0.01 + 0.02 * torch.rand(n_assets, **kw)
    drift = 8e-4 * torch.rand(n_assets, **kw)
    out = torch.empty(n_rows, n_assets, device=device, dtype=torch.float32)
    chunk = max(1, 2**28 // n_assets)
    for start in range(0, n_rows, chunk):
        rows = min(chunk, n_rows - start)
        chi2 = 2.0 * torch._standard_gamma(torch.full((rows, 1), 2.0, device=device))
        mix = torch.sqrt(2.0 / chi2)  # dof 4: sqrt((dof - 2) / chi2_dof)
        block = torch.randn(rows, n_assets, **kw) * ivol
        block += torch.randn(rows, 5, **kw) @ loadings
        block = block * mix + drift
        out[start : start + rows] = torch.expm1(block)
    return out


def exact_value(objective: str, returns: torch.Tensor, w: np.ndarray) -> float:
    """Objective of weights ``w`` (default parameters) in float64 on the full data.

    The portfolio returns are formed in float64 in row chunks (the data stay float32 on
    the device); the losses are the library's own per-scenario losses, with CVaR's VaR
    level at its exact quantile and variances centred on the full-data mean.
    """
    spec = ObjectiveSpec(objective=objective)
    w64 = torch.as_tensor(np.array(w), device=returns.device, dtype=torch.float64)
    chunk = max(1, 2**26 // returns.shape[1])
    x = torch.cat([returns[i : i + chunk].double() @ w64 for i in range(0, len(returns), chunk)])
    x = x[None, :]  # (1, T)
    t = optimal_var_level(x, spec.alpha) if spec.has_var_level else None
    return float(scenario_losses(spec, x, x.mean(dim=1), t).mean())


def traced_optimize(returns: Any, **options: Any) -> tuple[Any, list]:
    """``optimize`` with a (time, weights) stamp at every full-objective evaluation."""
    device = options["device"]
    stamps: list[tuple[float, np.ndarray]] = []

    def on_evaluation(view: Any) -> None:
        if not view.final:
            sync(device)
            stamps.append((time.perf_counter(), view.weights[0].double().cpu().numpy()))

    sync(device)
    t0 = time.perf_counter()
    res = run_opt(returns, callbacks=[on_evaluation], **options)
    sync(device)
    total = time.perf_counter() - t0
    return res, [(s - t0, w) for s, w in stamps] + [(total, res.weights.to_numpy())]


def run_opt(returns: Any, callbacks: Any = (), **options: Any) -> Any:
    """``optimize`` from flat options (objective, constraints and engine fields)."""
    return optimize(returns, *settings_from_options(options), callbacks=callbacks)


def run_many(returns: Any, batch_sizes: list[int], repeats: int = 1, **options: Any) -> Any:
    """``optimize_many`` from flat options."""
    settings = settings_from_options(options)
    return optimize_many(returns, *settings, batch_sizes=batch_sizes, repeats=repeats)


class Check:
    """Runs sections under a time budget and writes the record after each."""

    def __init__(self, out: Path, budget: float, device: str) -> None:
        self.out, self.budget, self.device = out, budget, device
        self.start = time.perf_counter()
        self.record: dict[str, Any] = {"sections": {}}
        out.mkdir(parents=True, exist_ok=True)

    def section(self, name: str, fn: Callable[[], Any], need: float) -> None:
        left = self.budget - (time.perf_counter() - self.start)
        if left < need:
            self.record["sections"][name] = {"skipped": f"{left:.0f} s left, needs ~{need:.0f}"}
        else:
            t0 = time.perf_counter()
            try:
                result = fn()
                result["seconds"] = round(time.perf_counter() - t0, 1)
                self.record["sections"][name] = result
            except Exception as exc:  # noqa: BLE001 - record and go on
                self.record["sections"][name] = {
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=6),
                }
        print(name, json.dumps(self.record["sections"][name], default=str)[:1500], flush=True)
        self.write()

    def write(self) -> None:
        (self.out / "gpu.json").write_text(json.dumps(self.record, indent=2, default=str))
        (self.out / "gpu.md").write_text(markdown(self.record))


def bandwidth(device: str) -> dict[str, Any]:
    n = 2**28 if device == "cuda" else 2**25  # 1 GiB / 128 MiB of float32
    a = torch.rand(n, device=device)
    b = torch.empty_like(a)
    b.copy_(a)
    sync(device)
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        b.copy_(a)
    sync(device)
    seconds = (time.perf_counter() - t0) / reps
    return {"copy_GBps": 2 * a.numel() * 4 / seconds / 1e9, "buffer_MiB": n * 4 / 2**20}


def correctness(device: str) -> dict[str, Any]:
    sp500 = load_returns(dataset="sp500", dtype="float32")
    rows = {}
    for objective in OBJECTIVES:
        base = dict(objective=objective, dtype="float32", seed=0)
        cpu = run_opt(sp500, device="cpu", **base)
        graphed = run_opt(sp500, device=device, **base)
        eager = run_opt(sp500, device=device, cuda_graphs=False, **base)
        w_cpu, w_g, w_e = (r.weights.to_numpy() for r in (cpu, graphed, eager))
        rel = abs(graphed.objective_value - cpu.objective_value) / abs(cpu.objective_value)
        rows[objective] = {
            "max_weight_diff_cpu_vs_cuda": float(np.abs(w_cpu - w_g).max()),
            "objective_rel_diff_cpu_vs_cuda": rel,
            "max_weight_diff_graphed_vs_eager": float(np.abs(w_g - w_e).max()),
            "steps_cpu_graphed_eager": [cpu.steps, graphed.steps, eager.steps],
            "step_graphs": graphed.step_graphs,
            "ok": bool(rel < 1e-4 and np.abs(w_cpu - w_g).max() < 1e-3),
        }
    return {"objectives": rows, "ok": all(r["ok"] for r in rows.values())}


def overhead(device: str, quick: bool) -> dict[str, Any]:
    data = synthetic(50_000 if quick else 200_000, 100, device, seed=1)
    steps = 300 if device == "cpu" else 3000
    table = {}
    for m in (256, 4096, 65_536):
        row = {}
        for graphs in (False, True):
            kw = dict(
                objective="min-variance",
                batch_schedule="constant",
                batch_size=m,
                steps=steps,
                tol=None,
                eval_every=steps,
                dtype="float32",
                device=device,
                cuda_graphs=graphs,
                seed=0,
            )
            run_opt(data, **{**kw, "steps": 20, "eval_every": 20})  # warm-up
            res = run_opt(data, **kw)
            row["graphed" if graphs else "eager"] = {
                "us_per_step": res.wall_time / res.steps * 1e6,
                "step_graphs": res.step_graphs,
                "objective": res.objective_value,
            }
        row["speedup"] = row["eager"]["us_per_step"] / row["graphed"]["us_per_step"]
        table[str(m)] = row
    return {"shape": list(data.shape), "steps": steps, "by_batch_size": table}


def batched(device: str) -> dict[str, Any]:
    data = synthetic(100_000, 100, device, seed=2)
    steps = 300 if device == "cpu" else 2000
    kw = dict(
        objective="min-variance",
        batch_schedule="constant",
        steps=steps,
        tol=None,
        eval_every=steps,
        dtype="float32",
        device=device,
        seed=0,
    )
    out = {}
    for graphs in (True, False):
        run_many(data, batch_sizes=[256], repeats=4, cuda_graphs=graphs, **kw)  # warm-up
        single = run_many(data, batch_sizes=[256], cuda_graphs=graphs, **kw)
        many = run_many(data, batch_sizes=[256], repeats=64, cuda_graphs=graphs, **kw)
        out["graphed" if graphs else "eager"] = {
            "single_s": single.wall_time,
            "k64_s": many.wall_time,
            "k64_over_single": many.wall_time / single.wall_time,
        }
    return out


def scale(device: str, quick: bool, reference_steps: int, objectives: list[str]) -> dict[str, Any]:
    sizes = [(500, 100_000)] if quick else [(1000, 1_000_000), (2500, 1_000_000)]
    if device == "cpu":
        sizes = [(100, 20_000)]
    rows = []
    for (n_assets, n_rows), objective in itertools.product(sizes, objectives):
        data = synthetic(n_rows, n_assets, device, seed=0)
        sync(device)
        kw = dict(objective=objective, dtype="float32", device=device, seed=0)
        run_opt(data[:4096], **{**kw, "steps": 30})  # warm-up (kernels, handles)
        res, stamps = traced_optimize(data, **kw)
        long_run, _ = traced_optimize(data, tol=None, steps=reference_steps, **kw)
        values = [exact_value(objective, data, w) for _, w in stamps]
        best = min(min(values), exact_value(objective, data, long_run.weights.to_numpy()))
        gaps = [(v - best) / abs(best) for v in values]

        times = [s for s, _ in stamps]

        def first(level: float, times: list[float] = times, gaps: list[float] = gaps) -> Any:
            return next((s for s, g in zip(times, gaps, strict=True) if g <= level), None)

        bytes_per_pass = n_rows * n_assets * 4
        rows.append(
            {
                "objective": objective,
                "n_assets": n_assets,
                "n_rows": n_rows,
                "data_GB": bytes_per_pass / 1e9,
                "time_to_1e-3_s": first(1e-3),
                "time_to_1e-4_s": first(1e-4),
                "total_s": stamps[-1][0],
                "final_gap": gaps[-1],
                "steps": res.steps,
                "loop_s": res.wall_time,
                "ms_per_step": res.wall_time / res.steps * 1e3,
                "stop_reason": res.stop_reason,
                "step_graphs": res.step_graphs,
                "samples_assets_per_s": res.samples_seen * n_assets / res.wall_time,
                "long_run_steps": long_run.steps,
                "long_run_s": long_run.wall_time,
                "reference_value": best,
            }
        )
        del data
        if device == "cuda":
            torch.cuda.empty_cache()
    return {"rows": rows}


def markdown(record: dict[str, Any]) -> str:
    """A short Markdown report of the record."""
    s = record["sections"]
    lines = [f"# GPU check ({record.get('gpu', '?')})", ""]
    lines.append(f"Command: `{record.get('command', '')}`  ")
    lines.append(f"torch {record.get('torch')}, CUDA {record.get('cuda')}, {record.get('host')}")
    lines.append("")
    if "bandwidth" in s and "copy_GBps" in s["bandwidth"]:
        lines.append(f"Device copy bandwidth: {s['bandwidth']['copy_GBps']:.0f} GB/s")
        lines.append("")
    if "correctness" in s and "objectives" in s["correctness"]:
        lines += [
            "| objective | CPU vs CUDA max dw | rel. objective diff | graphed vs eager max dw"
            " | steps (cpu/graphed/eager) | graphs |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in s["correctness"]["objectives"].items():
            lines.append(
                f"| {name} | {r['max_weight_diff_cpu_vs_cuda']:.1e} | "
                f"{r['objective_rel_diff_cpu_vs_cuda']:.1e} | "
                f"{r['max_weight_diff_graphed_vs_eager']:.1e} | "
                f"{'/'.join(map(str, r['steps_cpu_graphed_eager']))} | {r['step_graphs']} |"
            )
        lines.append("")
    if "overhead" in s and "by_batch_size" in s["overhead"]:
        lines += ["| batch m | eager us/step | graphed us/step | speed-up |", "|---|---|---|---|"]
        for m, r in s["overhead"]["by_batch_size"].items():
            lines.append(
                f"| {m} | {r['eager']['us_per_step']:.0f} | {r['graphed']['us_per_step']:.0f} "
                f"| {r['speedup']:.1f}x |"
            )
        lines.append("")
    if "batched" in s and "graphed" in s["batched"]:
        for mode in ("graphed", "eager"):
            r = s["batched"][mode]
            lines.append(
                f"K = 64 vs single ({mode}): {r['k64_s']:.3f} s vs {r['single_s']:.3f} s "
                f"= {r['k64_over_single']:.2f}x  "
            )
        lines.append("")
    if "scale" in s and "rows" in s["scale"]:
        lines += [
            "| objective | N x T | data | to 1e-3 | to 1e-4 | total | steps | ms/step "
            "| final gap |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in s["scale"]["rows"]:
            t3, t4 = r["time_to_1e-3_s"], r["time_to_1e-4_s"]
            lines.append(
                f"| {r.get('objective', 'cvar')} | {r['n_assets']} x {r['n_rows']:,} | "
                f"{r['data_GB']:.1f} GB | "
                f"{'-' if t3 is None else f'{t3:.2f} s'} | {'-' if t4 is None else f'{t4:.2f} s'}"
                f" | {r['total_s']:.2f} s | {r['steps']} | {r['ms_per_step']:.2f} | "
                f"{r['final_gap']:.1e} |"
            )
        lines.append("")
    for name, r in s.items():
        if "error" in r or "skipped" in r:
            lines.append(f"- {name}: {r.get('error') or r.get('skipped')}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--out", default="benchmarks/results/gpu")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds for all sections")
    parser.add_argument(
        "--sections",
        nargs="+",
        default=list(SECTIONS),
        choices=list(SECTIONS),
        help="which sections to run (default: all)",
    )
    parser.add_argument(
        "--scale-objectives",
        nargs="+",
        default=["cvar"],
        choices=list(OBJECTIVES),
        help="objectives of the scale section",
    )
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=3000,
        help="step budget of the long CVaR reference run of the scale section",
    )
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("no CUDA device: nothing to check")
    check = Check(Path(args.out), args.budget, args.device)
    gpu = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor()
    check.record.update(
        gpu=gpu,
        torch=torch.__version__,
        cuda=torch.version.cuda,
        host=platform.platform(),
        command="python " + " ".join(sys.argv),
    )
    dev, quick = args.device, args.quick
    runs = {
        "bandwidth": (lambda: bandwidth(dev), 5),
        "correctness": (lambda: correctness(dev), 30),
        "overhead": (lambda: overhead(dev, quick), 30),
        "batched": (lambda: batched(dev), 20),
        "scale": (lambda: scale(dev, quick, args.reference_steps, args.scale_objectives), 60),
    }
    for name in SECTIONS:
        if name in args.sections:
            fn, need = runs[name]
            check.section(name, fn, need)
    print(markdown(check.record))


if __name__ == "__main__":
    main()
