"""Walk-forward min-variance (issue 25): warm-started backtest against a skfolio loop.

sp500 2010-2022, 252-day windows rebalanced every 21 days (144 windows). Three timed
calls, interleaved ``repeats`` times after one untimed warm-up each (medians):

- ours, warm: ``run_backtest(returns, "sgd:min-variance")`` (each window's exact QP
  finish starts from the previous answer and its active set);
- ours, cold: the same with ``warm_start=False`` (every window from the LP vertex);
- skfolio loop: ``MeanRisk(risk_measure=VARIANCE).fit(window)`` on the same windows.

It also reports the largest relative difference of the windows' objectives, warm
against cold (the warm start must not move the answers)::

    python -m benchmarks.walk_forward [--repeats 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def _calls(returns, lookback: int, every: int) -> dict[str, Callable[[], object]]:  # noqa: ANN001
    """The three timed calls by name."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk

    from portfolio_sgd.backtest import run_backtest

    values = returns.to_numpy()
    rows = list(range(lookback, values.shape[0], every))

    def skfolio_loop() -> list[np.ndarray]:
        return [
            MeanRisk(risk_measure=RiskMeasure.VARIANCE).fit(values[t - lookback : t]).weights_
            for t in rows
        ]

    def ours(warm: bool) -> Callable[[], object]:
        return lambda: run_backtest(
            returns, "sgd:min-variance", lookback=lookback, rebalance_every=every, warm_start=warm
        )

    return {"ours (warm)": ours(True), "ours (cold)": ours(False), "skfolio loop": skfolio_loop}


def report(repeats: int = 3, lookback: int = 252, every: int = 21) -> str:
    """Run the interleaved rounds and return the Markdown report."""
    from portfolio_sgd.data import load_returns

    returns = load_returns(dataset="sp500", start="2010-01-01", end="2022-12-31")
    calls = _calls(returns, lookback, every)
    for call in calls.values():  # warm-up (imports, torch initialisation)
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    outs: dict[str, object] = {}
    for _ in range(repeats):
        for name, call in calls.items():
            seconds, outs[name] = _timed(call)
            times[name].append(seconds)
    med = {name: statistics.median(v) for name, v in times.items()}
    warm = outs["ours (warm)"].rebalances["objective_value"].to_numpy()
    cold = outs["ours (cold)"].rebalances["objective_value"].to_numpy()
    diff = float(np.max(np.abs(warm - cold) / np.abs(cold)))
    peer = med["skfolio loop"]
    lines = [
        "| call | windows | median s | all s | skfolio loop / call |",
        "|---|---|---|---|---|",
    ]
    for name, seconds in med.items():
        runs = ", ".join(f"{v:.3f}" for v in times[name])
        lines.append(f"| {name} | {len(warm)} | {seconds:.3f} | {runs} | {peer / seconds:.2f} |")
    lines += [
        "",
        f"- max relative objective difference, warm vs cold, over the windows: {diff:.1e}",
        f"- load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    text = report(args.repeats)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
