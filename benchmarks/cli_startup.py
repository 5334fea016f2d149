"""Start-up time of the command line: ``--help`` and ``--version`` against ``import torch``.

Each command runs in a fresh process; the cases are interleaved (one round runs every
case once) so that a change in the machine's load hits all of them alike, and the median
of the rounds is reported. Target (issue 22): ``portfolio-sgd --help`` at most 0.3x the
time of ``python -c "import torch"``.

    python -m benchmarks.cli_startup [--repeats 5] [--before OTHER/.venv/bin/portfolio-sgd]
        [--write benchmarks/results/cli_startup.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.3
OPTIMIZE_TARGET = 1.5
SOLVE = "in-process solve (the optimize default, after the imports)"
SOLVE_CODE = (
    "import sys, time; import portfolio_sgd as ps; from portfolio_sgd.data import load_returns; "
    "r = load_returns(dataset='sp500'); t = time.perf_counter(); ps.optimize(r, seed=0); "
    "sys.stdout.write(repr(time.perf_counter() - t))"
)
"""The solve alone, timed inside a process whose imports are done (issue 25, item 6:
``portfolio-sgd optimize`` within 1.5x of ``import torch`` plus the solve)."""


def cases(before: Path | None = None) -> dict[str, list[str]]:
    """Label -> command line. ``portfolio-sgd`` is the installed script next to Python;
    ``before`` is another checkout's script (e.g. main's), for a before/after row."""
    script = Path(sys.executable).with_name("portfolio-sgd")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "portfolio_sgd"]
    extra = {"before: portfolio-sgd --help": [str(before), "--help"]} if before else {}
    return {
        **extra,
        "portfolio-sgd --help": [*cli, "--help"],
        "portfolio-sgd --version": [*cli, "--version"],
        "portfolio-sgd optimize --help": [*cli, "optimize", "--help"],
        "portfolio-sgd backtest --help": [*cli, "backtest", "--help"],
        "portfolio-sgd optimize": [*cli, "optimize"],
        'python -c "import torch"': [sys.executable, "-c", "import torch"],
        SOLVE: [sys.executable, "-c", SOLVE_CODE],
        'python -c "pass"': [sys.executable, "-c", "pass"],
    }


def measure(repeats: int = 5, before: Path | None = None) -> dict[str, list[float]]:
    """Wall seconds of each case, ``repeats`` interleaved rounds (after one warm-up round)."""
    commands = cases(before)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # leave the other checkout as it is
    times: dict[str, list[float]] = {label: [] for label in commands}
    for round_ in range(repeats + 1):
        for label, argv in commands.items():
            start = time.perf_counter()
            done = subprocess.run(
                argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
            )
            seconds = time.perf_counter() - start
            if label == SOLVE:  # the solve's own time, printed by the process
                seconds = float(done.stdout.decode())
            if round_ > 0:  # the first round warms the file cache
                times[label].append(seconds)
    return times


def report(times: dict[str, list[float]], repeats: int, before: Path | None = None) -> str:
    med = {label: statistics.median(t) for label, t in times.items()}
    torch_time = med['python -c "import torch"']
    help_ratio = med["portfolio-sgd --help"] / torch_time
    cpu = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    lines = [
        "# CLI start-up: `--help` and `--version` against `import torch`",
        "",
        "Command (from the repository root, in the project's virtual environment):",
        "",
        f"    python -m benchmarks.cli_startup --repeats {repeats} "
        + (f"--before {before} " if before else "")
        + "--write benchmarks/results/cli_startup.md",
        "",
        f"Machine: {cpu}, {os.cpu_count()} logical cores (shared; load average {load} at the "
        f"end of the run), Python {platform.python_version()}, {platform.system()}. Each "
        f"command in a fresh process, {repeats} interleaved rounds after one warm-up round; "
        "the median wall time.",
        "",
        "| command | median | min | max | / import torch |",
        "|---|---|---|---|---|",
    ]
    for label, t in times.items():
        lines.append(
            f"| `{label}` | {med[label]:.3f} s | {min(t):.3f} s | {max(t):.3f} s | "
            f"{med[label] / torch_time:.2f}x |"
        )
    verdict = "met" if help_ratio <= TARGET else "missed"
    opt_ratio = med["portfolio-sgd optimize"] / (torch_time + med[SOLVE])
    opt_verdict = "met" if opt_ratio <= OPTIMIZE_TARGET else "missed"
    if before is not None:
        lines += ["", f"`before:` is {_checkout(before)}, run the same way."]
    lines += [
        "",
        f"- `portfolio-sgd --help` / `import torch`: **{help_ratio:.2f}x** (target <= {TARGET}x: "
        f"{verdict}).",
        f"- `portfolio-sgd optimize` / (`import torch` + the solve): **{opt_ratio:.2f}x** "
        f"(target <= {OPTIMIZE_TARGET}x: {opt_verdict}).",
        "- None of the help or version commands imports torch, numpy or pandas "
        "(`tests/test_cli_startup.py` checks `sys.modules` for every command).",
        "",
    ]
    return "\n".join(lines)


def _checkout(script: Path) -> str:
    """``script``'s checkout and commit (the script lives in CHECKOUT/.venv/bin/)."""
    root = script.resolve().parents[2] if len(script.resolve().parents) > 2 else script
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown commit"
    return f"`{script}` (the checkout {root} at {commit})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", type=Path, default=None, help="Write the Markdown here.")
    parser.add_argument(
        "--before", type=Path, default=None, help="Another checkout's portfolio-sgd script."
    )
    args = parser.parse_args(argv)
    text = report(measure(args.repeats, args.before), args.repeats, args.before)
    print(text)
    if args.write is not None:
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
