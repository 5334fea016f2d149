"""NCO's wall time on the US stock panel: the inner problems, one per cluster and fold.

Runs ``optimize(returns, AllocatorSpec("nco", inner=..., cv=...))`` on the first
``--assets`` stocks of ``us_stocks_huge_adjclose_2012_2017.csv.gz`` (daily simple returns,
2012-2017) with min-variance and min-CVaR inside (min-variance across), with and without
cross-validation, and writes a Markdown table (clusters, inner problems, seconds; the
column says "inner runs": the problems, solved by the engine or its finish alone).

With ``--compare`` each case is timed twice in the same process, interleaved, after a
warm-up fit of each objective (the imports paid): "loop", one engine run per inner
problem (the finish-only solver of :mod:`portfolio_sgd.allocators.inner_batch` switched
off), and "one pass", the inner problems solved by their exact finish alone where the
optimum is unique; with the largest weight difference between the two. The section is
appended to ``--out``.

    python -m benchmarks.nco --assets 400 --out benchmarks/results/nco.md
    python -m benchmarks.nco --assets 400 --compare --out benchmarks/results/nco.md
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from benchmarks.machine import machine_info
from portfolio_sgd import optimize
from portfolio_sgd.allocators import AllocatorSpec, inner_batch
from portfolio_sgd.data.registry import bundled_file

CASES = (("min-variance", "ignore"), ("min-cvar", "ignore"), ("min-variance", None))
"""(inner objective, cv): the default 5-fold cv, and in-sample."""

COMPARE_CASES = (*CASES, ("min-cvar", None))
"""``--compare``'s cases: also min-CVaR with the default 5-fold cv."""


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


def compare_case(returns: pd.DataFrame, inner: str, cv: object) -> dict[str, object]:
    """One case timed with one engine run per inner problem, then in one pass."""
    spec = AllocatorSpec("nco", inner=inner, cv=cv)
    with mock.patch.object(inner_batch, "direct_solver", lambda objective, config: None):
        start = time.perf_counter()
        loop = optimize(returns, spec).weights.to_numpy()
        loop_seconds = time.perf_counter() - start
    start = time.perf_counter()
    one_pass = optimize(returns, spec).weights.to_numpy()
    seconds = time.perf_counter() - start
    return {
        "inner": inner,
        "cv": "ignore" if cv == "ignore" else "5-fold KFold",
        "loop s": round(loop_seconds, 2),
        "one pass s": round(seconds, 2),
        "speed-up": f"{loop_seconds / seconds:.1f}x",
        "max abs dw": f"{np.abs(loop - one_pass).max():.1e}",
    }


def compare(returns: pd.DataFrame, args: argparse.Namespace) -> None:
    """``--compare``: warm up, time every case both ways, append the section."""
    for inner, _ in CASES:  # imports and first-call costs, paid once before any timing
        optimize(returns.iloc[-300:, :12], AllocatorSpec("nco", inner=inner, cv="ignore"))
    load_before = os.getloadavg()[0]
    rows = [compare_case(returns, inner, cv) for inner, cv in COMPARE_CASES]
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    info = machine_info(1)
    text = (
        f"\n## Inner problems in one pass against one engine run each ({returns.shape[1]} "
        f"stocks x {returns.shape[0]} days)\n\n"
        f"Command: `python -m benchmarks.nco --assets {args.assets} --compare --out {args.out}`\n\n"
        f"Machine: {info['cpu']}, {info['logical_cores']} logical cores (shared with other "
        f"jobs); load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=400)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    returns = load(args.assets)
    if args.compare:
        compare(returns, args)
        return
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
