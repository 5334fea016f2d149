"""Before/after of the fixed set-up costs (issue 25), in one run, interleaved.

Two long-lived worker processes, one per checkout (each with its own virtual
environment, so each imports its own ``portfolio_sgd``), load the data once and then
time single calls on request. The driver asks them in turn, call by call, so both
versions see the same machine load, and reports the median of ``repeats`` calls per
problem, with cvxpy + Clarabel (timed in the "after" worker) for the ratio.

    python -m benchmarks.fixed_costs --before /work/main --after . --repeats 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

PROBLEMS = (
    "min-variance sp500",
    "mean-variance sp500",
    "max-Sharpe sp500",
    "risk parity sp500",
    "sector caps sp500",
    "min-variance 400",
)


def _calls() -> dict[str, Callable[[], Any]]:
    """Our calls and the cvxpy + Clarabel ones, keyed ``"ours <problem>"`` / ``"peer <problem>"``."""
    import portfolio_sgd as ps
    from benchmarks.everyday import LAMBDA, cvxpy_peer, cvxpy_sharpe_peer, group_rows, load, sectors

    sp500, wide = load("sp500"), load("us-400")
    groups, caps = sectors(sp500)
    a, b = group_rows(sp500, groups, caps)
    cons = ps.Constraints(groups=groups, linear=caps)
    return {
        "ours min-variance sp500": lambda: ps.optimize(sp500, "min-variance", seed=0),
        "ours mean-variance sp500": lambda: ps.optimize(
            sp500, "mean-variance", risk_aversion=LAMBDA, seed=0
        ),
        "ours max-Sharpe sp500": lambda: ps.optimize(sp500, "max-ratio", seed=0),
        "ours risk parity sp500": lambda: ps.optimize(sp500, "risk-parity", seed=0),
        "ours sector caps sp500": lambda: ps.optimize(sp500, "min-variance", cons, seed=0),
        "ours min-variance 400": lambda: ps.optimize(wide, "min-variance", seed=0),
        "peer min-variance sp500": lambda: cvxpy_peer(sp500, "min-variance"),
        "peer mean-variance sp500": lambda: cvxpy_peer(sp500, "mean-variance"),
        "peer max-Sharpe sp500": lambda: cvxpy_sharpe_peer(sp500),
        "peer risk parity sp500": lambda: cvxpy_peer(sp500, "risk-parity"),
        "peer sector caps sp500": lambda: cvxpy_peer(sp500, "sector-caps", a=a, b=b),
        "peer min-variance 400": lambda: cvxpy_peer(wide, "min-variance"),
    }


def worker() -> None:
    """Answer ``name`` lines on stdin with the call's wall time (one JSON line each)."""
    sys.path.insert(0, os.getcwd())  # the checkout's own package and benchmarks first
    import portfolio_sgd

    calls = _calls()
    for call in calls.values():  # warm-up, untimed
        call()
    print(json.dumps({"ready": portfolio_sgd.__file__}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        began = time.perf_counter()
        calls[name]()
        print(json.dumps({"seconds": time.perf_counter() - began}), flush=True)


def _start(checkout: Path) -> subprocess.Popen:
    """A worker in ``checkout``'s virtual environment."""
    python = checkout / ".venv" / "bin" / "python"
    proc = subprocess.Popen(
        [str(python), str(Path(__file__).resolve()), "--worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(checkout),
    )
    print(f"{checkout}: {json.loads(proc.stdout.readline())['ready']}", file=sys.stderr)
    return proc


def _ask(proc: subprocess.Popen, name: str) -> float:
    proc.stdin.write(name + "\n")
    proc.stdin.flush()
    return float(json.loads(proc.stdout.readline())["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("/work/main"))
    parser.add_argument("--after", type=Path, default=Path("."))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    before, after = _start(args.before.resolve()), _start(args.after.resolve())
    times: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for problem in PROBLEMS:  # interleaved: before, after, peer, call by call
            times.setdefault(f"before {problem}", []).append(_ask(before, f"ours {problem}"))
            times.setdefault(f"after {problem}", []).append(_ask(after, f"ours {problem}"))
            times.setdefault(f"peer {problem}", []).append(_ask(after, f"peer {problem}"))
    for proc in (before, after):
        proc.stdin.close()
        proc.wait()
    print(
        f"| problem | before (s) | after (s) | cvxpy+Clarabel (s) | peer/after "
        f"| min before / after / peer (s) | (median of {args.repeats}) |"
    )
    print("|---|---|---|---|---|---|---|")
    for problem in PROBLEMS:
        med = {k: statistics.median(times[f"{k} {problem}"]) for k in ("before", "after", "peer")}
        low = {k: min(times[f"{k} {problem}"]) for k in ("before", "after", "peer")}
        print(
            f"| {problem} | {med['before']:.4f} | {med['after']:.4f} | {med['peer']:.4f} "
            f"| {med['peer'] / med['after']:.2f} "
            f"| {low['before']:.4f} / {low['after']:.4f} / {low['peer']:.4f} | |"
        )
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
