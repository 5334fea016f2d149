"""Scoring of raw worker records, the Markdown/JSON outputs and the roofline figure."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .problems import SIZES

DATASETS = ("sp500", "ff49-daily", "us-stocks-2500")
MB = 1e6


def _gap(value: float | None, ref: float | None) -> float | None:
    if value is None or ref is None or not math.isfinite(value):
        return None
    if ref == 0:
        return 0.0 if value == 0 else math.inf
    return (value - ref) / abs(ref)


def _time_to(trace_t: list[float], gaps: list[float | None], target: float) -> float | None:
    for t, g in zip(trace_t, gaps, strict=True):
        if g is not None and g <= target:
            return t
    return None


def sgd_summary(rec: dict[str, Any], ref: float | None, n_rows: int, n_assets: int, bw: float):
    """Time-to-gap, final gap, throughput and memory of one portfolio-sgd record."""
    gaps = [_gap(v, ref) for v in rec["trace_value"]]
    times = rec["trace_time"]
    cost = rec["trace_eval_cost"]
    before = [sum(cost[:i]) for i in range(len(cost))]
    out: dict[str, Any] = {
        "status": rec.get("status", "ok"),
        "final_gap": gaps[-1],
        "time_total": rec["time_total"],
        "loop_time": rec["loop_time"],
        "steps": rec["steps"],
        "ms_per_step": 1e3 * rec["loop_time"] / max(rec["steps"], 1),
        "eval_time": sum(cost),
        "n_evaluations": rec["n_evaluations"],
        "stop_reason": rec["stop_reason"],
        "peak_rss_mb": rec["peak_rss"] / MB,
        "dtype": rec["dtype"],
        "lr": rec["lr"],
        "samples_seen": rec["samples_seen"],
        "code": rec.get("code"),
        "gap_trace": [[t, g, s] for t, g, s in zip(times, gaps, rec["trace_step"], strict=True)],
    }
    for target in (1e-3, 1e-4):
        hit = _time_to(times, gaps, target)
        key = f"{target:.0e}"
        out[f"t_{key}"] = hit
        if hit is not None:
            idx = times.index(hit)
            out[f"t_{key}_excl_eval"] = hit - before[idx]
            out[f"step_{key}"] = rec["trace_step"][idx]
        else:
            out[f"t_{key}_excl_eval"] = None
    item = 4 if rec["dtype"] == "float32" else 8
    grad_elems = rec["samples_seen"] * n_assets
    eval_elems = (rec["n_evaluations"] - 1) * n_rows * n_assets
    out["grad_elems_per_s"] = grad_elems / max(rec["loop_time"], 1e-12)
    out["streamed_bytes_per_s"] = (grad_elems + eval_elems) * item / max(rec["loop_time"], 1e-12)
    out["bandwidth_fraction"] = out["streamed_bytes_per_s"] / bw if bw else None
    return out


def exact_summary(rec: dict[str, Any] | None, ref: float | None, limit: float) -> dict[str, Any]:
    """Time, status, gap and memory of one exact-solver record."""
    if rec is None:
        return {"status": "not run"}
    status = rec.get("status", "?")
    out: dict[str, Any] = {"status": status}
    if status in ("optimal", "optimal_inaccurate", "ok"):
        out.update(
            time=rec["time_total"],
            gap=_gap(rec["value"], ref),
            peak_rss_mb=rec["peak_rss"] / MB,
        )
    elif status == "skipped":
        out["note"] = rec.get("note")
    else:
        out.update(
            time=None,
            limit=limit,
            peak_rss_mb=(rec.get("peak_rss") or 0) / MB,
            error=rec.get("error"),
        )
    return out


def score(
    config: Any,
    raw: list[dict[str, Any]],
    refs: dict[tuple[str, str], dict[str, Any]],
    machine: dict[str, Any],
    bandwidth: dict[str, Any],
) -> dict[str, Any]:
    """Turn raw records into one scored row per (size, objective) plus target checks."""
    bw = float(bandwidth.get("read_bytes_per_s", 0.0))
    rows = []
    for name in config.sizes:
        size = config.extra_sizes.get(name) or SIZES[name]
        shape = next(
            (r.get("shape") for r in raw if r["size"] == name and r.get("shape")),
            None,
        )
        for obj in config.objectives:
            ref = refs.get((name, obj), {})
            ref_value = ref.get("value")
            recs = {r["engine"]: r for r in raw if r["size"] == name and r["objective"] == obj}
            sgd = recs.get("portfolio-sgd")
            n_rows, n_assets = (size.n_rows, size.n_assets)
            if sgd is not None and "trace_value" in sgd:
                sgd_row = sgd_summary(sgd, ref_value, n_rows, n_assets, bw)
            else:
                sgd_row = {"status": (sgd or {}).get("status", "not run")}
            row = {
                "size": name,
                "objective": obj,
                "n_rows": n_rows,
                "n_assets": n_assets,
                "shape": shape,
                "data_mb_float32": n_rows * n_assets * 4 / MB,
                "reference": ref_value,
                "reference_source": ref.get("source"),
                "sgd": sgd_row,
                "cvxpy": exact_summary(recs.get("cvxpy+clarabel"), ref_value, config.exact_limit),
                "skfolio": exact_summary(recs.get("skfolio"), ref_value, config.exact_limit)
                if obj != "kelly"
                else {"status": "n/a"},
            }
            row["ratio"] = _ratios(row, config.exact_limit)
            rows.append(row)
    doc: dict[str, Any] = {
        "command": config.command,
        "label": config.label,
        "machine": machine,
        "bandwidth": bandwidth,
        "config": {
            "sizes": list(config.sizes),
            "objectives": list(config.objectives),
            "exact_limit_s": config.exact_limit,
            "exact_max_cells": config.exact_max_cells,
            "skfolio": config.skfolio,
            "threads": config.threads,
            "mem_limit_gb": config.mem_limit_gb,
            "seed": config.seed,
        },
        "rows": rows,
    }
    doc["targets"] = check_targets(rows)
    doc["markdown"] = markdown(doc)
    return doc


def _ratios(row: dict[str, Any], limit: float) -> dict[str, Any]:
    """Exact time / SGD time-to-gap; a lower bound ``>`` when every exact solver timed out."""
    times = [row[e]["time"] for e in ("cvxpy", "skfolio") if row[e].get("time") is not None]
    timed_out = any(row[e]["status"] in ("timeout", "memory") for e in ("cvxpy", "skfolio"))
    out: dict[str, Any] = {}
    for key in ("1e-03", "1e-04"):
        t = row["sgd"].get(f"t_{key}")
        if not t:
            out[key] = None
        elif times:
            out[key] = {"value": min(times) / t, "lower_bound": False}
        elif timed_out:
            out[key] = {"value": limit / t, "lower_bound": True}
        else:
            out[key] = None
    return out


def check_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each ``met`` / ``missed`` with the measured number."""
    checks = []

    def add(name: str, measured: float | None, limit: float, unit: str) -> None:
        met = measured is not None and measured <= limit
        checks.append(
            {
                "target": name,
                "limit": limit,
                "measured": measured,
                "unit": unit,
                "met": met,
                "miss_factor": None if measured is None or met else measured / limit,
            }
        )

    for row in rows:
        s, o, sgd = row["size"], row["objective"], row["sgd"]
        if "final_gap" not in sgd:
            continue
        if s == "syn-500x100k" and o == "cvar":
            add("CVaR 500x100k: gap 1e-3 within 2 s", sgd.get("t_1e-03"), 2.0, "s")
            add("CVaR 500x100k: gap 1e-4 within 15 s", sgd.get("t_1e-04"), 15.0, "s")
        if s == "syn-500x100k" and o == "kelly":
            add("Kelly 500x100k: gap 1e-4 within 10 s", sgd.get("t_1e-04"), 10.0, "s")
        budget = 1.3 * row["data_mb_float32"] + 500.0
        add(f"memory {s} {o}: peak RSS <= 1.3 x data + 500 MB", sgd["peak_rss_mb"], budget, "MB")
        if s in DATASETS:
            tol = 1e-3 if o == "cvar" else 1e-4
            gap = sgd["final_gap"]
            add(f"accuracy {s} {o}: default run ends within gap {tol:g}", gap, tol, "rel. gap")
    return checks


def _fmt_t(t: float | None) -> str:
    if t is None:
        return "—"
    return f"{t:.2f} s" if t < 100 else f"{t:.0f} s"


def _fmt_exact(ex: dict[str, Any]) -> str:
    st = ex.get("status")
    if st in ("optimal", "optimal_inaccurate", "ok"):
        flag = "" if st != "optimal_inaccurate" else " (inacc.)"
        return f"{_fmt_t(ex['time'])}{flag}"
    if st in ("timeout",):
        return f"> {ex['limit']:g} s"
    if st == "memory":
        return f"> mem ({ex['peak_rss_mb'] / 1e3:.1f} GB)"
    if st == "skipped":
        return "skipped"
    return str(st)


def _fmt_mb(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x / 1e3:.1f} GB" if x >= 1e3 else f"{x:.0f} MB"


def _fmt_gap(g: float | None) -> str:
    if g is None:
        return "—"
    return f"{g:.1e}"


def markdown(doc: dict[str, Any]) -> str:
    """The Markdown report: machine, headline table, targets, notes."""
    m, bw = doc["machine"], doc["bandwidth"]
    lines = [
        f"# portfolio-sgd benchmarks ({doc['label']})",
        "",
        f"Command: `{doc['command']}`",
        "",
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores, {m['ram_gb']} GB RAM, "
        f"{m['platform']}; device {m['device']}; torch {m['versions']['torch']} with "
        f"{m['torch_threads']} threads; cvxpy {m['versions']['cvxpy']}, "
        f"Clarabel {m['versions']['clarabel']}, skfolio {m['versions']['skfolio']}. "
        f"Load average at start {m['load_average_at_start'][0]:.1f} "
        f"(the machine is shared: timings are noisy).",
        "",
        f"Memory bandwidth (torch, {bw.get('buffer_bytes', 0) / 2**20:.0f} MiB buffer, "
        f"{bw.get('threads')} threads): read {bw.get('read_bytes_per_s', 0) / 1e9:.1f} GB/s, "
        f"copy {bw.get('copy_bytes_per_s', 0) / 1e9:.1f} GB/s.",
        "",
        "| problem | T × N | SGD → 1e-3 | SGD → 1e-4 | SGD final gap | SGD total | "
        "SGD peak RSS | cvxpy+Clarabel | cvxpy RSS | skfolio | best exact / SGD(1e-4) | reference |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["rows"]:
        sgd = r["sgd"]
        ratio = r["ratio"].get("1e-04")
        rtxt = (
            "—"
            if ratio is None
            else ("> " if ratio["lower_bound"] else "") + (f"{ratio['value']:.1f}×")
        )
        src = r["reference_source"] or "—"
        src = "long SGD" if src.startswith("long") else src
        cv = r["cvxpy"]
        lines.append(
            f"| {r['objective']} {r['size']} | {r['n_rows']:,} × {r['n_assets']} | "
            f"{_fmt_t(sgd.get('t_1e-03'))} | {_fmt_t(sgd.get('t_1e-04'))} | "
            f"{_fmt_gap(sgd.get('final_gap'))} | {_fmt_t(sgd.get('time_total'))} | "
            f"{_fmt_mb(sgd.get('peak_rss_mb'))} | {_fmt_exact(cv)} | "
            f"{_fmt_mb(cv.get('peak_rss_mb'))} | {_fmt_exact(r['skfolio'])} | {rtxt} | {src} |"
        )
    lines += ["", "## Targets", "", "| target | measured | limit | verdict |", "|---|---|---|---|"]
    for c in doc["targets"]:
        meas = "not reached" if c["measured"] is None else f"{c['measured']:.3g} {c['unit']}"
        verdict = (
            "met"
            if c["met"]
            else (f"missed ({c['miss_factor']:.1f}×)" if c["miss_factor"] else "missed")
        )
        lines.append(f"| {c['target']} | {meas} | {c['limit']:g} {c['unit']} | {verdict} |")
    lines += [
        "",
        "## SGD detail",
        "",
        "| problem | steps | ms/step | stop | evaluations (time) | samples·assets/s | "
        "fraction of read bandwidth |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in doc["rows"]:
        s = r["sgd"]
        if "steps" not in s:
            continue
        frac = s.get("bandwidth_fraction")
        lines.append(
            f"| {r['objective']} {r['size']} | {s['steps']} | {s['ms_per_step']:.2f} | "
            f"{s['stop_reason']} | {s['n_evaluations']} ({s['eval_time']:.2f} s) | "
            f"{s['grad_elems_per_s']:.3g} | {'—' if frac is None else f'{frac:.2f}'} |"
        )
    codes = {
        json.dumps(r["sgd"].get("code"), sort_keys=True)
        for r in doc["rows"]
        if r["sgd"].get("code")
    }
    if len(codes) > 1:
        lines += [
            "",
            f"Note: the package changed during this run ({len(codes)} code versions among "
            "the SGD workers; see `sgd.code` in the JSON).",
        ]
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


NOTES = """## Method

- Every engine runs in its own subprocess with the same thread settings; peak RSS is that
  process's VmHWM (reset per objective for the SGD worker), the whole process included
  (Python, torch, the data).
- portfolio-sgd runs with its defaults (`optimize(returns, objective=..., seed=0)`;
  float64 on real data, float32 on the float32 synthetic sets). Its full-data objective
  is evaluated by the engine every `eval_every` steps (25 by default); the suite records a timestamp and the weights
  at each evaluation (by wrapping `portfolio_sgd.engine._evaluate`, not changing it) and
  re-evaluates them in float64. "SGD → 1e-3" is the time from the call to `optimize` to
  the first evaluation whose relative gap is ≤ 1e-3 (an upper bound at a resolution of 50
  steps; data preparation, the step-size power iterations and the engine's own
  evaluations included). The one-time torch._dynamo import (~3 s, first `torch.optim`
  construction of a process) is paid by a warm-up run before timing.
- Exact solvers: `portfolio_sgd.reference.exact.solve_exact` (cvxpy + Clarabel, tolerances
  1e-10) and skfolio `MeanRisk` (Clarabel, its defaults). Times include cvxpy's
  compilation, not process start or data loading. "> limit" means the process was
  killed at the wall-clock limit (+15 s grace).
- Relative gap `(f(w) − f*) / |f*|`, `f` in float64 on the full data, `f*` the best exact
  value (or, when no exact solver finished, the best value of a long SGD run, marked
  "long SGD").
- Bandwidth fraction: (samples used by gradients + full passes of the evaluations) × N ×
  bytes per value / loop time, over the measured read bandwidth. One epoch must read the
  T × N matrix at least once, so 1.0 is the roofline.
"""


def figure(doc: dict[str, Any], path: Path) -> None:
    """Roofline PNG: bandwidth fraction per problem, and time to gap vs data size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in doc["rows"] if "steps" in r["sgd"]]
    bw = float(doc["bandwidth"].get("read_bytes_per_s", 0.0)) or 1.0
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    labels = [f"{r['objective']}\n{r['size']}" for r in rows]
    fr = [r["sgd"].get("bandwidth_fraction") or 0.0 for r in rows]
    ax1.bar(range(len(rows)), fr, color="tab:blue")
    ax1.axhline(1.0, color="k", ls="--", lw=1, label="memory-bandwidth roofline")
    ax1.set_xticks(range(len(rows)), labels, rotation=90, fontsize=7)
    ax1.set_ylabel("fraction of read bandwidth (SGD loop)")
    ax1.set_yscale("log")
    ax1.set_title(f"portfolio-sgd streaming rate (bound {bw / 1e9:.1f} GB/s)")
    ax1.legend(fontsize=8)
    markers = {"mean-variance": "o", "min-variance": "s", "cvar": "^", "kelly": "D"}
    xs = []
    for r in doc["rows"]:
        data_bytes = r["n_rows"] * r["n_assets"] * 4
        xs.append(data_bytes)
        mk = markers.get(r["objective"], "o")
        for key, color in (("t_1e-03", "tab:green"), ("t_1e-04", "tab:blue")):
            t = r["sgd"].get(key)
            if t:
                ax2.scatter(data_bytes, t, marker=mk, color=color, s=30)
        ex = r["cvxpy"]
        if ex.get("time"):
            ax2.scatter(data_bytes, ex["time"], marker=mk, color="tab:red", s=30)
        elif ex.get("status") in ("timeout", "memory"):
            ax2.scatter(data_bytes, ex["limit"], marker=mk, color="tab:red", s=30, alpha=0.4)
            ax2.annotate("> limit", (data_bytes, ex["limit"]), fontsize=6)
    if xs:
        lo, hi = min(xs) / 2, max(xs) * 2
        ax2.plot([lo, hi], [lo / bw, hi / bw], "k--", lw=1, label="one read of float32 data")
    for label, color in (
        ("SGD to 1e-3", "tab:green"),
        ("SGD to 1e-4", "tab:blue"),
        ("cvxpy+Clarabel", "tab:red"),
    ):
        ax2.scatter([], [], color=color, label=label)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("data size T × N × 4 bytes")
    ax2.set_ylabel("wall time (s)")
    ax2.set_title("time to solution (markers: o MV, s min-var, ^ CVaR, D Kelly)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(doc: dict[str, Any], out_dir: Path, label: str) -> dict[str, Path]:
    """Write ``<label>.json``, ``<label>.md`` and ``<label>_roofline.png`` into ``out_dir``."""
    paths = {
        "json": out_dir / f"{label}.json",
        "markdown": out_dir / f"{label}.md",
        "figure": out_dir / f"{label}_roofline.png",
    }
    doc["outputs"] = {k: str(v.name) for k, v in paths.items()}
    paths["json"].write_text(json.dumps(_clean(doc), indent=1, allow_nan=False))
    paths["markdown"].write_text(doc["markdown"])
    figure(doc, paths["figure"])
    return paths


def _clean(obj: Any) -> Any:
    """Strict-JSON copy: non-finite floats become None, tuples lists, others str."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    return str(obj)
