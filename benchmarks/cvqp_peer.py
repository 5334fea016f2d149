"""portfolio-sgd against CVQP (Luxenberg, Perez-Pineiro, Diamond & Boyd, 2025) on scenario CVaR.

Two problems on the long-only simplex at alpha = 0.95: mean-CVaR (``optimize(R, "cvar",
return_weight=lam)``) and CVaR-constrained max-return (``optimize(R, "max-return",
max_cvar=kappa)``; CVQP's native form ``q = -mu``, ``A = -R``, ``B = [1'; I]``,
``l = [1; 0]``, ``u = [1; 1]``). Four data sets per size: the benchmark's synthetic set,
a Student-t factor model (lam = 5), and stationary bootstraps of 500 columns of
us-stocks-2500 and of ff49-daily. Every answer is clipped to the simplex and scored by
one exact float64 evaluation (:mod:`benchmarks.cvqp_problems`); the report gives the
time each solver needs to reach gap <= 1e-4 with violation <= 1e-6
(:mod:`benchmarks.cvqp_compare`, :mod:`benchmarks.cvqp_report`).

    python -m benchmarks.cvqp_peer --rows 20000 100000 500000 \\
        --out benchmarks/results/cvqp_peer.md

(or one size per invocation, the later ones with ``--append``).
The markdown and its JSON (same name, ``.json``) are rewritten atomically after every
data set, so a stopped run leaves a complete partial report.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from .cvqp_compare import Options, Outcome, compare
from .cvqp_problems import LP_MAX_ELEMENTS, datasets
from .cvqp_report import load_outcomes, merge, write_report
from .cvqp_solvers import TOLERANCES, warm_up

PROBLEMS = ("cvar", "max-return")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000])
    parser.add_argument("--only", default=None, help="substring of the data set names to run")
    parser.add_argument("--problems", nargs="+", choices=PROBLEMS, default=list(PROBLEMS))
    parser.add_argument("--out", default="benchmarks/results/cvqp_peer.md")
    parser.add_argument(
        "--cvqp-time-limit", type=float, default=600.0, help="seconds per CVQP setting"
    )
    parser.add_argument(
        "--lp-max-elements",
        type=int,
        default=LP_MAX_ELEMENTS,
        help="largest T x N for the exact HiGHS max-return reference",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument(
        "--no-tight",
        action="store_true",
        help="never run our tight setting (max-return without the LP: the reference is then "
        "the best of our default run and CVQP's tightest)",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the outcomes of the report's JSON already at --out (same problem and "
        "data set: replaced), so sizes can be run in separate invocations",
    )
    return parser.parse_args(argv)


def header(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    """Command, machine, thread counts and versions for the report."""
    from importlib import metadata

    import torch

    from .machine import machine_info

    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{p.get('internal_api')} {p.get('num_threads')} threads" for p in threadpool_info()
        )
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        blas = "BLAS threads unknown"
    return {
        "command": "python -m benchmarks.cvqp_peer " + " ".join(argv),
        "machine": machine_info(torch.get_num_threads()),
        "torch_threads": torch.get_num_threads(),
        "blas": blas or "no BLAS thread pool found",
        "load_start": os.getloadavg()[0],
        "cvqp_version": metadata.version("cvqp"),
        "lp_max_elements": args.lp_max_elements,
        "cvqp_time_limit": args.cvqp_time_limit,
        "tight_runs": not args.no_tight,
        "tolerances": [list(t) for t in TOLERANCES],
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def main(argv: list[str] | None = None) -> list[Outcome]:
    """Run the comparison; returns the outcomes (also written to ``--out``)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    warm_up()
    head = header(args, argv)
    options = Options(args.cvqp_time_limit, TOLERANCES, args.lp_max_elements, not args.no_tight)
    outcomes: list[Outcome] = load_outcomes(args.out) if args.append else []
    for n_rows in args.rows:
        for data in datasets(n_rows, args.only):
            for problem in args.problems:
                outcome = compare(problem, data, options)
                outcomes = merge(outcomes, outcome)
                s = outcome.summary
                print(
                    f"{problem} | {data.name}: ours {s['ours_seconds']} s, "
                    f"CVQP {s['cvqp_seconds']} s, ratio {s['ratio_text']}",
                    flush=True,
                )
            write_report(args.out, outcomes, head)  # after every data set
            del data
    return outcomes


if __name__ == "__main__":
    main()
