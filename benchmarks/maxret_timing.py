"""In-process timing of max return under a volatility cap (issue 25's everyday row).

``python -m benchmarks.maxret_timing [dataset] [cap] [calls]``: prints the median and the
least wall time of ``calls`` calls of ``optimize(returns, "max-return",
max_volatility=cap, seed=0)`` after one warm-up call.
"""

from __future__ import annotations

import statistics
import sys
import time

import portfolio_sgd as ps

from .everyday import load


def main(argv: list[str]) -> None:
    """Time the calls; ``argv``: dataset (sp500), cap (0.21), calls (15)."""
    name = argv[0] if argv else "sp500"
    cap = float(argv[1]) if len(argv) > 1 else 0.21
    calls = int(argv[2]) if len(argv) > 2 else 15
    returns = load(name)
    ps.optimize(returns, "max-return", max_volatility=cap, seed=0)
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        ps.optimize(returns, "max-return", max_volatility=cap, seed=0)
        times.append(time.perf_counter() - began)
    print(f"{name} cap {cap:g}: median {statistics.median(times):.4f} s, least {min(times):.4f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
