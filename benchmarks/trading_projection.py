"""The trading projection before and after the loop-free kernel (issue 25, item 3).

Two measurements, old and new interleaved in one run (the old kernel is read from git at
``--old-rev`` and swapped in for the module-level ``prox_trading`` of
``constraints/trading/terms.py`` and ``turnover.py``, which the engine calls):

1. the kernel alone: ``prox_trading`` on K rows of N assets with a binding turnover cap
   (with and without per-asset costs, and with market impact), median time per call;
2. ``optimize`` of turnover-limited min-variance on sp500 (8312 x 20, equal-weight holdings,
   cap 0.2), at the defaults and with ``early_finish=False`` (every step runs the
   projection), median wall time, steps, and the largest weight difference old vs new.

    python -m benchmarks.trading_projection              # writes nothing, prints markdown
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

import portfolio_sgd as ps
from portfolio_sgd.constraints.trading import terms as terms_module
from portfolio_sgd.constraints.trading import turnover as turnover_module
from portfolio_sgd.constraints.trading.kernel import prox_trading as new_prox
from portfolio_sgd.data import load_returns

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "portfolio_sgd/constraints/trading/kernel.py"


def old_prox(rev: str) -> Callable[..., torch.Tensor]:
    """``prox_trading`` of the kernel at git revision ``rev`` (a self-contained module)."""
    src = subprocess.run(
        ["git", "show", f"{rev}:{KERNEL}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("old_trading_kernel")
    exec(compile(src, f"{rev}:{KERNEL}", "exec"), module.__dict__)  # noqa: S102
    return module.prox_trading


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def kernel_rows(old: Callable[..., torch.Tensor], repeats: int) -> list[str]:
    """Markdown rows: the kernel alone on a binding cap, old vs new per call."""
    rows = []
    cases = [(20, 1, ""), (20, 8, "costs"), (400, 1, ""), (400, 8, "costs")]
    for n, k, costs in cases + [(20, 1, "costs+impact"), (400, 8, "costs+impact")]:
        rng = np.random.default_rng(0)
        p = torch.full((n,), 1.0 / n, dtype=torch.float64)
        v = p + torch.from_numpy(rng.normal(0.0, 0.05, size=(k, n)))
        lo, hi = torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64)
        tiny = torch.full((n,), 1e-3, dtype=torch.float64)
        kw = {"delta": 0.2, "a": tiny if costs else None, "b": tiny if "impact" in costs else None}
        args, t_old, t_new = (v, p, lo, hi), 0.0, 0.0
        calls = repeats if kw["b"] is None else max(1, repeats // 20)  # the old impact: ~0.5 s
        for _ in range(3):  # interleaved blocks
            dt, w_old = timed(lambda a=args, kw=kw: old(*a, **kw), calls)
            t_old += dt / 3
            dt, w_new = timed(lambda a=args, kw=kw: new_prox(*a, **kw), calls)
            t_new += dt / 3
        diff = float((w_old - w_new).abs().max())
        rows.append(
            f"| prox, N={n}, K={k}{', ' + costs if costs else ''} | {t_old * 1e3:.3f} ms "
            f"| {t_new * 1e3:.3f} ms | {t_old / t_new:.1f}x | {diff:.1e} |"
        )
    return rows


def optimize_rows(old: Callable[..., torch.Tensor], repeats: int) -> list[str]:
    """Markdown rows: turnover-limited min-variance on sp500, old vs new kernel."""
    returns = load_returns(dataset="sp500")
    n = returns.shape[1]
    cons = ps.Constraints(previous_weights=np.full(n, 1.0 / n), max_turnover=0.2)
    rows = []
    for label, config in (
        ("default", None),
        ("early_finish=False", ps.EngineConfig(early_finish=False)),
    ):

        def call(config: Any = config) -> Any:
            return ps.optimize(returns, "min-variance", cons, config, seed=0)

        res = {}
        t = {"old": [], "new": []}
        for _ in range(repeats):
            for name, fn in (("old", old), ("new", new_prox)):
                terms_module.prox_trading = turnover_module.prox_trading = fn
                dt, res[name] = timed(call, 1)
                t[name].append(dt)
        terms_module.prox_trading = turnover_module.prox_trading = new_prox
        diff = float(np.abs(res["old"].weights.to_numpy() - res["new"].weights.to_numpy()).max())
        t_old, t_new = statistics.median(t["old"]), statistics.median(t["new"])
        rows.append(
            f"| optimize sp500, turnover <= 0.2, {label} ({res['new'].steps} steps) "
            f"| {t_old:.3f} s | {t_new:.3f} s | {t_old / t_new:.1f}x | {diff:.1e} |"
        )
    return rows


def main() -> None:
    """Print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-rev", default="cd4d52e", help="git revision of the old kernel")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    old = old_prox(args.old_rev)
    print("| case | old (loop) | new (sorted breakpoints) | speed-up | max abs diff |")
    print("|---|---|---|---|---|")
    for row in kernel_rows(old, 20 * args.repeats) + optimize_rows(old, args.repeats):
        print(row, flush=True)


if __name__ == "__main__":
    main()
