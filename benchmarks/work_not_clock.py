"""Decisions by counted work (issue 25, item 5): the default against ``--no-early-finish``.

On five data sets the package never ships (three heavy-tailed Student-t panels generated
here, a slice of ff49-daily, a slice of us-etfs), min-CVaR at 95% runs with the default
engine (the early exact finish, spaced by counted work) and with ``early_finish=False``,
interleaved in one process (one untimed warm-up, then ``repeats`` rounds; medians). Each
row also checks that the default's weights are bitwise the same in every round (the path
does not depend on the load). ``--hog`` runs a CPU-bound process alongside (a loaded
machine)::

    python -m benchmarks.work_not_clock [--repeats 1] [--hog] [--out FILE]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np
import pandas as pd


def _student_t(t: int, n: int, df: float, seed: int) -> pd.DataFrame:
    """A heavy-tailed panel: one common factor plus idiosyncratic Student-t noise."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_t(df, size=(t, 1)) * 0.008
    noise = rng.standard_t(df, size=(t, n)) * 0.008
    values = np.clip(0.0003 + factor * rng.uniform(0.5, 1.5, n) + noise, -0.95, None)
    return pd.DataFrame(values, columns=[f"A{i}" for i in range(n)])


def data_sets() -> dict[str, pd.DataFrame]:
    """The five unseen sets by name."""
    from portfolio_sgd.data import load_returns

    ff49 = load_returns(dataset="ff49-daily").iloc[-6000:, :30]
    etfs = load_returns(dataset="us-etfs")
    etfs = etfs.loc[:, etfs.notna().all().to_numpy()].iloc[:, 200:260]
    return {
        "student-t df=3, 12000 x 40": _student_t(12_000, 40, 3.0, 11),
        "student-t df=4, 8000 x 80": _student_t(8_000, 80, 4.0, 12),
        "student-t df=2.5, 20000 x 25": _student_t(20_000, 25, 2.5, 13),
        "ff49-daily last 6000 x 30": ff49,
        "us-etfs 1259 x 60 (cols 200-259)": etfs,
    }


def _hog(stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    x = 0
    while not stop.is_set():
        x = (x * 1_103_515_245 + 12_345) % 2_147_483_648


def run(repeats: int = 1) -> list[dict[str, object]]:
    """One row per set: median seconds of both settings, their ratio, bitwise identity."""
    from portfolio_sgd import EngineConfig, optimize

    rows = []
    for name, returns in data_sets().items():
        configs = {"default": EngineConfig(), "no early finish": EngineConfig(early_finish=False)}
        times: dict[str, list[float]] = {k: [] for k in configs}
        weights: list[np.ndarray] = []
        steps: dict[str, int] = {}
        optimize(returns.iloc[:500], "cvar", config=configs["default"], seed=0)  # warm-up
        for _ in range(repeats):
            for label, config in configs.items():
                start = time.perf_counter()
                res = optimize(returns, "cvar", config=config, seed=0)
                times[label].append(time.perf_counter() - start)
                steps[label] = int(res.steps)
                if label == "default":
                    weights.append(res.weights.to_numpy())
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append(
            {
                "set": name,
                "default s": med["default"],
                "no early finish s": med["no early finish"],
                "default / no early finish": med["default"] / med["no early finish"],
                "steps (default / off)": f"{steps['default']} / {steps['no early finish']}",
                "default bitwise same in every round": all(
                    np.array_equal(weights[0], w) for w in weights
                ),
            }
        )
        print(rows[-1], flush=True)
    return rows


def _markdown(rows: list[dict[str, object]]) -> str:
    """A Markdown table of ``rows`` (floats to 3 decimals)."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--hog", action="store_true", help="a CPU-bound process alongside")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    stop = multiprocessing.Event()
    hog = multiprocessing.Process(target=_hog, args=(stop,)) if args.hog else None
    if hog is not None:
        hog.start()
    try:
        rows = run(args.repeats)
    finally:
        if hog is not None:
            stop.set()
            hog.join()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    text = _markdown(rows)
    text += f"\n\n- hog process alongside: {args.hog}; load average at the end: {load}\n"
    print(text)
    if args.out:
        with open(args.out, "a") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
