"""Peak resident memory of a CVaR run loaded from a Parquet or CSV file.

Target (issue 15): peak RSS <= 1.3 x data + 500 MB, where "data" is T x N x 8 bytes, the
size of the returns matrix in float64 (also for ``--dtype float32`` runs), loading from
the file included. Each run is a fresh child process (the CLI, ``python -m portfolio_sgd
optimize --returns FILE --objective cvar``, or the API, ``optimize(load_returns(
returns_path=FILE), "cvar")``) whose peak RSS is read from ``/usr/bin/time -v`` when
available, else from ``getrusage(RUSAGE_CHILDREN)`` in a wrapper process of its own.

Data are real: a stationary bootstrap (mean block 20) of the first columns of the bundled
``us-stocks-2500`` returns, written with a ``Date`` column like the bundled files.

    python -m benchmarks.peak_rss                 # 300 x 60k and 500 x 200k
    python -m benchmarks.peak_rss --quick         # a small smoke test
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1e6
SETS = {"full": ((300, 60_000), (500, 200_000)), "quick": ((50, 5_000),)}
API_CODE = (
    "import sys; from portfolio_sgd import optimize; from portfolio_sgd.data import load_returns; "
    "r = optimize(load_returns(returns_path=sys.argv[1], dtype=sys.argv[2]), 'cvar', "
    "dtype=sys.argv[2]); print(r.converged, float(r.weights.max()))"
)
LOAD_CODE = (
    "import sys, torch; from portfolio_sgd.data import load_returns; "
    "from portfolio_sgd.data.inputs import validate_returns_input; "
    "r = load_returns(returns_path=sys.argv[1], dtype=sys.argv[2]); "
    "v, _, _ = validate_returns_input(r, dtype=sys.argv[2]); print(torch.as_tensor(v).mean())"
)
"""The load path alone, as the engine receives the data (``prepare_data``'s steps)."""


@dataclass
class Row:
    data: str
    entry: str
    fmt: str
    dtype: str
    data_mb: float
    peak_mb: float
    seconds: float
    rc: int

    @property
    def limit_mb(self) -> float:
        return 1.3 * self.data_mb + 500.0


def build_returns(n_cols: int, n_rows: int, seed: int = 1):
    """A (n_rows, n_cols) float64 DataFrame bootstrapped from us-stocks-2500, daily dates."""
    import pandas as pd

    from benchmarks.cvqp_problems import bootstrap_rows
    from portfolio_sgd.data import load_returns

    stocks = load_returns(dataset="us-stocks-2500").iloc[:, :n_cols]
    values = bootstrap_rows(stocks.to_numpy(), n_rows, 20.0, seed)
    dates = pd.date_range("1700-01-01", periods=n_rows, freq="D", name="Date")
    return pd.DataFrame(values, index=dates, columns=list(stocks.columns))


def write_files(frame, folder: Path, stem: str) -> dict[str, Path]:
    """Write ``frame`` as ``stem.parquet`` (pyarrow, Date index) and ``stem.csv``."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    paths = {"parquet": folder / f"{stem}.parquet", "csv": folder / f"{stem}.csv"}
    frame.to_parquet(paths["parquet"], engine="pyarrow")
    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    dates = pa.array(frame.index.date, type=pa.date32())
    table = table.set_column(0, "Date", dates)
    pcsv.write_csv(table, paths["csv"])
    return paths


def child_command(entry: str, path: Path, dtype: str, out: Path) -> list[str]:
    """The command line of one run."""
    if entry in ("api", "load"):
        code = API_CODE if entry == "api" else LOAD_CODE
        return [sys.executable, "-c", code, str(path), dtype]
    return [
        sys.executable,
        "-m",
        "portfolio_sgd",
        "optimize",
        "--returns",
        str(path),
        "--objective",
        "cvar",
        "--dtype",
        dtype,
        "--format",
        "json",
        "--output",
        str(out),
    ]


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of ``cmd`` run in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    if Path("/usr/bin/time").exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as log:
            proc = subprocess.run(
                ["/usr/bin/time", "-v", "-o", log.name, *cmd], env=env, capture_output=True
            )
            text = Path(log.name).read_text()
        kb = next(
            int(line.split(":")[1]) for line in text.splitlines() if "Maximum resident" in line
        )
    else:
        wrapper = (
            "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"
        )
        proc = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True
        )
        kb = int(proc.stdout.strip().splitlines()[-1])
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode()
        print(f"  exit {proc.returncode}: {tail.strip()[-400:]}", file=sys.stderr)
    return kb * 1024 / MB, seconds, proc.returncode


def run_set(n_cols: int, n_rows: int, folder: Path, entries, dtypes, formats) -> list[Row]:
    """Build one data set, write it, and measure every (entry, format, dtype) run on it."""
    stem = f"r{n_cols}x{n_rows}"
    paths = {"parquet": folder / f"{stem}.parquet", "csv": folder / f"{stem}.csv"}
    if not all(p.exists() for p in paths.values()):
        frame = build_returns(n_cols, n_rows)
        write_files(frame, folder, stem)
        del frame
    name, data_mb = f"us-stocks {n_cols} x {n_rows:,}", n_rows * n_cols * 8 / MB
    rows = []
    for entry in entries:
        for fmt in formats:
            size = paths[fmt].stat().st_size / MB
            for dtype in dtypes:
                cmd = child_command(entry, paths[fmt], dtype, folder / "out.json")
                peak, seconds, rc = measure(cmd)
                rows.append(Row(name, entry, fmt, dtype, data_mb, peak, seconds, rc))
                print(
                    f"{name} {entry} {fmt} ({size:.0f} MB file) {dtype}: peak {peak:.0f} MB, "
                    f"limit {rows[-1].limit_mb:.0f} MB, {seconds:.1f} s, rc {rc}",
                    flush=True,
                )
    return rows


def render(rows: list[Row], baseline_mb: float, command: str) -> str:
    """The markdown report."""
    import json

    from benchmarks.machine import machine_info

    lines = [
        "# Peak RSS of a CVaR run loaded from a file",
        "",
        "Target (issue 15): peak RSS <= 1.3 x data + 500 MB. **data** = T x N x 8 bytes, the",
        "size of the returns matrix in float64 (also for float32 runs), in MB (1e6 bytes).",
        "Each run is a fresh process; peak RSS is its maximum resident set size (`/usr/bin/time",
        f'-v`). Baseline, `python -c "import portfolio_sgd, torch"`: {baseline_mb:.0f} MB.',
        "",
        "| data | entry | format | dtype | data MB | peak RSS MB | limit MB | ratio | pass | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = "pass" if r.peak_mb <= r.limit_mb and r.rc == 0 else "FAIL"
        ok += "" if r.rc == 0 else f" (exit {r.rc})"
        lines.append(
            f"| {r.data} | {r.entry} | {r.fmt} | {r.dtype} | {r.data_mb:.0f} | {r.peak_mb:.0f} "
            f"| {r.limit_mb:.0f} | {r.peak_mb / r.limit_mb:.2f} | {ok} | {r.seconds:.1f} |"
        )
    lines += ["", f"Command: `{command}`", "", "Machine:", "", "```"]
    lines += [json.dumps(machine_info(1), indent=1), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small set (smoke test)")
    parser.add_argument(
        "--entries", nargs="+", default=["cli", "api"], choices=["cli", "api", "load"]
    )
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--sets", nargs="+", type=int, default=None, help="indices of the sets")
    parser.add_argument("--out", default=None, help="markdown file (default results/peak_rss.md)")
    parser.add_argument("--data-dir", default=None, help="keep the data files here (reused)")
    args = parser.parse_args(argv)
    sets = SETS["quick" if args.quick else "full"]
    chosen = [sets[i] for i in args.sets] if args.sets else list(sets)
    baseline, _, _ = measure([sys.executable, "-c", "import portfolio_sgd, torch"])
    print(f"baseline (import portfolio_sgd, torch): {baseline:.0f} MB", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="peak_rss_") as tmp:
        folder = Path(args.data_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n_cols, n_rows in chosen:
            rows += run_set(n_cols, n_rows, folder, args.entries, args.dtypes, args.formats)
    command = "python -m benchmarks.peak_rss " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    out = args.out or (None if args.quick else str(ROOT / "benchmarks" / "results" / "peak_rss.md"))
    text = render(rows, baseline, command.strip())
    if out:
        Path(out).write_text(text)
        print(f"wrote {out}")
    else:
        print(text)


if __name__ == "__main__":
    main()
