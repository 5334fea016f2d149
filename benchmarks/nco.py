"""NCO's wall time on the US stock panel: the inner runs, one per cluster and fold.

Runs ``optimize(returns, AllocatorSpec("nco", inner=..., cv=...))`` on the first
``--assets`` stocks of ``us_stocks_huge_adjclose_2012_2017.csv.gz`` (daily simple returns,
2012-2017) with min-variance and min-CVaR inside (min-variance across), with and without
cross-validation, and writes a Markdown table (clusters, inner engine runs, seconds).

The inner runs go one cluster (and fold) at a time: a batch of the engine shares its
bounds across runs, and its per-run row weights (which would batch a cluster's folds) have
no exact finish and refuse CVaR. This is the baseline a batched inner path is measured
against.

    python -m benchmarks.nco --assets 400 --out benchmarks/results/nco.md
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from benchmarks.machine import machine_info
from portfolio_sgd import optimize
from portfolio_sgd.allocators import AllocatorSpec
from portfolio_sgd.data.registry import bundled_file

CASES = (("min-variance", "ignore"), ("min-cvar", "ignore"), ("min-variance", None))
"""(inner objective, cv): the default 5-fold cv, and in-sample."""


def load(n_assets: int) -> pd.DataFrame:
    """The first ``n_assets`` stocks of the bundled US panel, daily simple returns."""
    with bundled_file("us_stocks_huge_adjclose_2012_2017.csv.gz") as path:
        prices = pd.read_csv(path, usecols=range(n_assets + 1), index_col=0, parse_dates=True)
    return prices.pct_change().iloc[1:].dropna(axis=1)


def run_case(returns: pd.DataFrame, inner: str, cv: object) -> dict[str, object]:
    """One NCO fit, timed; the number of inner engine runs it made."""
    start = time.perf_counter()
    result = optimize(returns, AllocatorSpec("nco", inner=inner, cv=cv))
    seconds = time.perf_counter() - start
    clusters = result.to_dict()["allocator"]["clusters"]
    multi = sum(len(c) > 1 for c in clusters)
    folds = 1 if cv == "ignore" else 5
    return {
        "inner": inner,
        "cv": "ignore" if cv == "ignore" else "5-fold KFold",
        "clusters": len(clusters),
        "inner runs": multi * (1 + (0 if folds == 1 else folds)),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=400)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    returns = load(args.assets)
    rows = []
    for inner, cv in CASES:
        rows.append(run_case(returns, inner, cv))
        _write(returns, args, rows)


def _write(returns: pd.DataFrame, args: argparse.Namespace, rows: list[dict]) -> None:
    """Print the table of ``rows`` so far (and write it to ``args.out``)."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    table = "\n".join(lines)
    info = machine_info(1)
    text = (
        f"# NCO on {returns.shape[1]} US stocks x {returns.shape[0]} days\n\n"
        f"Command: `python -m benchmarks.nco --assets {args.assets} --out {args.out}`\n\n"
        f"Machine: {info['cpu']}, {info['logical_cores']} logical cores (shared with other jobs)\n\n{table}\n"
    )
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
