"""The max-Sharpe QP's start: KKT guess against the largest-excess vertex (issue 25).

The Charnes-Cooper QP (``measures/kernels/ratio_qp.py``) on the sample covariance of each
data set, long only (rf = 0), solved from both starts interleaved ``repeats`` times in one process
(one load for both): the active set's iterations (a count, the same on every machine), the
kernel's median seconds, and the largest weight difference between the two answers; then
the whole public call ``optimize(returns, "max-ratio")`` with each start (the solver's
kernel patched to the vertex start for the "before" column), interleaved likewise.

Usage::

    python -m benchmarks.ratio_start --sizes sp500 us-400 --repeats 15
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from unittest import mock

import numpy as np

from .everyday import SIZES, load, machine_line


def measure(size: str, repeats: int) -> str:
    """One markdown row: iterations and median milliseconds from each start, and the
    largest ``|w_guess - w_vertex|``."""
    from portfolio_sgd.constraints.oracle import FeasibleSet
    from portfolio_sgd.measures.kernels.qp_finish import covariance_of
    from portfolio_sgd.measures.kernels.ratio_qp import charnes_cooper_qp

    returns = load(size).to_numpy(dtype=np.float64)
    sigma, mu = covariance_of(returns)
    n = mu.shape[0]
    polytope = FeasibleSet(n, np.zeros(n), np.ones(n)).polytope()
    vertex = np.eye(n)[int(np.argmax(mu))]  # the largest-excess vertex, as the solver passes
    seconds: dict[bool, list[float]] = {False: [], True: []}
    found = {}
    for _ in range(repeats + 1):  # the first round is a warm-up
        for guess in (False, True):
            began = time.perf_counter()
            found[guess] = charnes_cooper_qp(sigma, mu, polytope, vertex, guess=guess)
            seconds[guess].append(time.perf_counter() - began)
    dw = float(np.max(np.abs(found[True].weights - found[False].weights)))
    ms = {g: 1e3 * statistics.median(s[1:]) for g, s in seconds.items()}
    return (
        f"| {size} | {n} | {found[False].iterations} | {ms[False]:.2f} | "
        f"{found[True].iterations} | {ms[True]:.2f} | {ms[False] / ms[True]:.2f} | {dw:.1e} |"
    )


def full_call(size: str, repeats: int) -> str:
    """One markdown row: the median milliseconds of ``optimize(returns, "max-ratio")``
    with the vertex start and with the guess, interleaved."""
    import portfolio_sgd as ps
    from portfolio_sgd.measures.kernels.ratio_qp import charnes_cooper_qp

    returns = load(size)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats + 1):  # the first round is a warm-up
        for guess in (False, True):
            kernel = functools.partial(charnes_cooper_qp, guess=guess)
            with mock.patch("portfolio_sgd.solvers.ratio_exact.charnes_cooper_qp", kernel):
                began = time.perf_counter()
                ps.optimize(returns, "max-ratio", seed=0)
                seconds[guess].append(time.perf_counter() - began)
    ms = {g: 1e3 * statistics.median(s[1:]) for g, s in seconds.items()}
    return f"| {size} | {ms[False]:.1f} | {ms[True]:.1f} | {ms[False] / ms[True]:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ratio_start")
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"- machine: {machine_line()}")
    print()
    print(
        "| data | N | vertex: iterations | vertex: ms | guess: iterations | guess: ms "
        "| speed-up | max abs dw |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        print(measure(size, args.repeats))
    print()
    print("| data | optimize, vertex start: ms | optimize, guess: ms | speed-up |")
    print("|---|---|---|---|")
    for size in args.sizes:
        print(full_call(size, args.repeats))


if __name__ == "__main__":
    main()
