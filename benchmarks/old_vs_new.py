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
parser = argparse.ArgumentParser()
parser.add_argument("old")
parser.add_argument("new")
parser.add_argument("--rounds", type=int, default=2)
args = parser.parse_args()
res = {"old": [], "new": []}
for rep in range(args.rounds):
    for tag, path in (("old", args.old), ("new", args.new)):
        p = subprocess.run(
            [sys.executable, "-c", CODE],
            capture_output=True,
            text=True,
            cwd=path,
            env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
        )
        if p.returncode:
            print(p.stderr[-2000:])
            sys.exit(1)
        res[tag].append(json.loads(p.stdout.strip().splitlines()[-1]))
print("files:", res["old"][0]["file"], res["new"][0]["file"])
for k in res["old"][0]:
    if k == "file":
        continue
    o = statistics.median(d[k] for d in res["old"])
    n = statistics.median(d[k] for d in res["new"])
    print(f"{k:22s} old {o:.4f} s  new {n:.4f} s  new/old {n / o:.2f}")
