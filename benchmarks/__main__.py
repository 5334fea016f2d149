"""Command line of the benchmark suite: ``python -m benchmarks [--quick] [options]``."""

from __future__ import annotations

import argparse
import sys

from .problems import SIZES
from .run import OBJECTIVES, run_suite


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the suite, print the Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small real datasets only (~2 min)")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), help="problem sizes")
    parser.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    parser.add_argument("--exact-limit", type=float, help="seconds per exact solve")
    parser.add_argument(
        "--exact-max-cells", type=float, help="skip exact solvers above this T*N (default 2e8)"
    )
    parser.add_argument("--no-skfolio", action="store_true", help="do not run skfolio")
    parser.add_argument("--threads", type=int, default=2, help="torch/BLAS threads (default 2)")
    parser.add_argument("--mem-limit-gb", type=float, help="kill a worker above this RSS")
    parser.add_argument("--long-sgd-budget", type=float, help="seconds of the fallback reference")
    parser.add_argument("--label", help="file name stem of the outputs")
    parser.add_argument("--out", help="output folder (default benchmarks/results)")
    args = parser.parse_args(argv)
    overrides: dict[str, object] = {"threads": args.threads, "skfolio": not args.no_skfolio}
    for key in ("exact_limit", "exact_max_cells", "mem_limit_gb", "long_sgd_budget", "label"):
        value = getattr(args, key)
        if value is not None:
            overrides[key] = value
    doc = run_suite(
        sizes=args.sizes,
        objectives=args.objectives,
        out_dir=args.out,
        quick=args.quick,
        **overrides,
    )
    print(doc["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
