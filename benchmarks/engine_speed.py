"""Engine speed, old code against new: per-step and per-run times on real panels.

Run it under two checkouts in the same session (e.g. a ``git worktree`` of the commit
before a refactor) and compare::

    PYTHONPATH=<old tree> python -m benchmarks.engine_speed --label old --out old.json
    PYTHONPATH=<new tree> python -m benchmarks.engine_speed --label new --out new.json
    python -m benchmarks.engine_speed --compare old.json new.json

Each case is timed ``--repeats`` times (the minimum is reported: the least disturbed by
other load). Two regimes: the defaults (geometric batches to exact steps, tolerance stop)
and a fixed 400-step mini-batch run (m = 64, constant schedule), which isolates the
per-step overhead of the loop.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

OBJECTIVES = ("mean-variance", "min-variance", "cvar", "kelly")
FIXED = {"batch_schedule": "constant", "batch_size": 64, "steps": 400, "tol": None}


def _run(returns: Any, options: dict[str, Any]) -> Any:
    import portfolio_sgd

    if hasattr(portfolio_sgd, "settings_from_options"):
        return portfolio_sgd.optimize(returns, *portfolio_sgd.settings_from_options(options))
    return portfolio_sgd.optimize(returns, **options)  # the pre-refactor API


def measure(repeats: int) -> dict[str, Any]:
    """Minimum wall time of each (panel, objective, regime) over ``repeats`` runs."""
    import torch

    from portfolio_sgd.data import load_returns

    torch.set_num_threads(1)
    panels = {
        "sp500": load_returns(dataset="sp500"),
        "ff49-daily": load_returns(dataset="ff49-daily", start="2010-01-01"),
    }
    _run(panels["sp500"].iloc[:300], {"objective": "min-variance", "steps": 5})  # warm-up
    rows = {}
    for panel, returns in panels.items():
        for objective in OBJECTIVES:
            for regime, extra in (("defaults", {}), ("fixed-400", FIXED)):
                options = {"objective": objective, "seed": 0, "device": "cpu", **extra}
                best, steps = float("inf"), 0
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    res = _run(returns, options)
                    best = min(best, time.perf_counter() - t0)
                    steps = res.steps
                rows[f"{panel}/{objective}/{regime}"] = {"seconds": best, "steps": steps}
    return rows


def compare(old_path: str, new_path: str) -> str:
    """A Markdown table of new/old time ratios."""
    old, new = (json.load(open(p)) for p in (old_path, new_path))  # noqa: SIM115
    lines = ["| case | steps | old s | new s | new/old |", "|---|---|---|---|---|"]
    ratios = []
    for key, row in old["rows"].items():
        n = new["rows"][key]
        ratio = n["seconds"] / row["seconds"]
        ratios.append(ratio)
        lines.append(
            f"| {key} | {n['steps']} | {row['seconds']:.3f} | {n['seconds']:.3f} | {ratio:.2f} |"
        )
    ratios.sort()
    lines.append(f"\nmedian new/old ratio: {ratios[len(ratios) // 2]:.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="new")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        print(compare(*args.compare))
        return
    record = {"label": args.label, "rows": measure(args.repeats)}
    text = json.dumps(record, indent=2)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
