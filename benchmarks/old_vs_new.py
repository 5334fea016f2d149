"""Old code against new, in one run: the same in-process calls on bundled sp500, interleaved.

    git worktree add /tmp/old <commit>
    python -m benchmarks.old_vs_new /tmp/old .

Each checkout runs in its own process (``PYTHONPATH`` = that checkout), three timed calls
per case after one warm-up (the middle one kept); the two checkouts alternate ``--rounds``
times and the medians are printed with their ratio.
"""

import argparse
import json
import statistics
import subprocess
import sys

CODE = r"""
import time, json, sys
from portfolio_sgd import optimize
from portfolio_sgd.data import load_returns
import portfolio_sgd
r = load_returns(dataset="sp500")
cases = {"min-variance": dict(objective="min-variance"), "mean-variance": dict(objective="mean-variance"),
         "cvar": dict(objective="cvar"), "risk-parity": dict(objective="risk-parity"),
         "max-return vol cap": dict(objective="max-return", max_volatility=0.18),
         "mv bootstrap 50": dict(objective="min-variance", bootstrap=50)}
out = {"file": portfolio_sgd.__file__}
for k, kw in cases.items():
    obj = kw.pop("objective"); optimize(r, obj, **kw)
    ts = []
    for _ in range(3):
        t = time.perf_counter(); optimize(r, obj, **kw); ts.append(time.perf_counter() - t)
    out[k] = sorted(ts)[1]
print(json.dumps(out))
"""


def run_checkout(path: str) -> dict[str, float]:
    """One process on ``path``'s code: the median of three calls per case."""
    env = {"PYTHONPATH": path, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, cwd=path, env=env
    )
    if proc.returncode:
        sys.exit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    res: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        res["old"].append(run_checkout(args.old))
        res["new"].append(run_checkout(args.new))
    print("files:", res["old"][0]["file"], res["new"][0]["file"])
    for k in res["old"][0]:
        if k == "file":
            continue
        old = statistics.median(d[k] for d in res["old"])
        new = statistics.median(d[k] for d in res["new"])
        print(f"{k:22s} old {old:.4f} s  new {new:.4f} s  new/old {new / old:.2f}")


if __name__ == "__main__":
    main()
