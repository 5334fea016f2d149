"""Peak memory of sharded runs reading big Parquet and CSV files (per-rank readers).

Writes a Parquet file (many row groups) and a CSV file of Student-t returns, each of at
least ``--gb`` GB, in a temporary folder under /tmp (deleted at the end), then runs
``portfolio-sgd optimize`` on each file for each objective in one process and under
``torchrun`` with 2 and 4 gloo ranks, once each. Every process writes its peak RSS
(VmHWM) through :mod:`benchmarks.rss_child`. The baseline is the same command on a
2,000-row file (one process, and each torchrun size: its ranks' import baseline). The
table reports each rank's ``(peak - baseline) / (single peak - single baseline)``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TORCHRUN = str(Path(sys.executable).with_name("torchrun"))
CHUNK_ROWS = 65_536
OBJECTIVES = {"min-variance": [], "cvar": ["--alpha", "0.99"]}


def _chunk(start: int, rows: int, assets: int) -> pd.DataFrame:
    rng = np.random.default_rng(start)
    values = rng.standard_t(5, size=(rows, assets)) * 0.01
    dates = pd.Timestamp("2000-01-01") + pd.to_timedelta(np.arange(start, start + rows), "min")
    frame = pd.DataFrame(values, columns=[f"A{i:03d}" for i in range(assets)])
    frame.insert(0, "Date", dates)
    return frame


def write_parquet(path: Path, rows: int, assets: int) -> None:
    """A wide Parquet file, one row group per :data:`CHUNK_ROWS` rows."""
    writer = None
    for start in range(0, rows, CHUNK_ROWS):
        table = pa.Table.from_pandas(_chunk(start, min(CHUNK_ROWS, rows - start), assets))
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()  # type: ignore[union-attr]


def write_csv(path: Path, rows: int, assets: int) -> None:
    """A wide CSV file (dates, then 10 significant digits)."""
    for start in range(0, rows, CHUNK_ROWS):
        frame = _chunk(start, min(CHUNK_ROWS, rows - start), assets)
        frame.to_csv(path, mode="a", header=start == 0, index=False, float_format="%.10g")


def run(path: Path, objective: str, ranks: int, folder: Path) -> dict[str, float]:
    """Peak RSS (MB) of each process of one run: ``{"single": x}`` or ``{"rank0": x, ...}``."""
    out = Path(tempfile.mkdtemp(dir=folder))
    head = [TORCHRUN, "--standalone", f"--nproc-per-node={ranks}"] if ranks else [sys.executable]
    cmd = [*head, "-m", "benchmarks.rss_child", str(out), "optimize", "--returns", str(path)]
    cmd += ["--objective", objective, *OBJECTIVES[objective], "--steps", "300"]
    cmd += ["--format", "json", "--output", str(out / "result.json")]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return {p.stem: float(p.read_text()) for p in sorted(out.glob("*.mb"))}


def files_memory(
    gb: float, assets: int, out: Path, objectives: tuple[str, ...] = tuple(OBJECTIVES)
) -> str:
    """Write the files, run every configuration of ``objectives`` (keys of
    :data:`OBJECTIVES`) once; each table row is also appended to ``out`` as soon as it is
    measured, after a line with the machine's load at the start. Returns the Markdown table."""
    rows_pq, rows_csv = int(gb * 1e9 / (8 * assets)) + 1, int(gb * 1e9 / (13 * assets)) + 1
    load = os.getloadavg()[0]
    lines = [
        f"### Memory of per-rank reading, {assets} assets, Student-t returns, float64",
        "",
        f"{os.cpu_count()} CPUs, load average {load:.2f} at the start; {', '.join(objectives)}.",
        "",
        "Baselines: min-variance on a 2,000-row file (one process; each rank under torchrun).",
        "",
        "| file | objective | processes | peak RSS per process (MB) | baseline (MB) | "
        "ratio (peak - base) / (single - single base) | same, with the single base | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    _append(out, lines)
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        folder = Path(tmp)
        small = folder / "small.parquet"
        write_parquet(small, 2_000, assets)
        base = {p: run(small, "min-variance", p, folder) for p in (0, 2, 4)}
        files = {"parquet": folder / "big.parquet", "csv": folder / "big.csv"}
        write_parquet(files["parquet"], rows_pq, assets)
        write_csv(files["csv"], rows_csv, assets)
        for objective in objectives:
            for kind, path in files.items():
                size = path.stat().st_size / 1e9
                rows = rows_pq if kind == "parquet" else rows_csv
                label = f"{kind}, {size:.2f} GB, {rows:,} rows"
                lines += _rows(label, objective, path, base, folder, out)
    return "\n".join(lines)


def _append(out: Path, lines: list[str]) -> None:
    with out.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def _rows(
    label: str, objective: str, path: Path, base: dict, folder: Path, out_file: Path
) -> list[str]:
    out, single = [], None
    for ranks in (0, 2, 4):
        began = time.perf_counter()
        peaks = run(path, objective, ranks, folder)
        seconds = time.perf_counter() - began
        own = max(base[ranks].values())
        sbase = base[0]["single"]
        if ranks == 0:
            single = peaks["single"] - sbase
        top = max(peaks.values())
        ratio = (top - own) / single  # type: ignore[operator]
        ratio_single = (top - sbase) / single  # type: ignore[operator]
        shown = ", ".join(f"{v:.0f}" for v in peaks.values())
        lines = f"| {label} | {objective} | {ranks or 1} | {shown} | {own:.0f} | "
        out.append(lines + f"{ratio:.2f} | {ratio_single:.2f} | {seconds:.0f} |")
        _append(out_file, out[-1:])
    return out
