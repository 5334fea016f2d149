"""Float64 against float32 for default mean-CVaR runs (issue: float64 within 1.5x float32).

Each data set is solved three times after a warm-up, in one process: ``dtype="float32"``
(float32 data), ``dtype="float64"`` with the defaults (``sgd_dtype="auto"``: float32
steps, float64 finish) and ``dtype="float64", sgd_dtype="float64"`` (every step in
float64). The table gives wall seconds, the ratio to float32, the stop reason and the
objective of each answer evaluated in float64 on the float64 data.

    python -m benchmarks.dtype_speed --out benchmarks/results/dtype_speed.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

SETTINGS = (
    ("float32", {"dtype": "float32"}),
    ("float64 (defaults: sgd_dtype auto)", {"dtype": "float64"}),
    ("float64, every step float64", {"dtype": "float64", "sgd_dtype": "float64"}),
)


def data_sets(rows: int) -> dict[str, tuple[np.ndarray, float]]:
    """Name -> (float64 returns (T, N), return weight lam)."""
    from benchmarks.cvqp_problems import bootstrap_rows, student_t_factor_returns
    from benchmarks.problems import synthetic_returns
    from portfolio_sgd.data import load_returns

    stocks = load_returns(dataset="us-stocks-2500").iloc[:, :300].to_numpy()
    ff49 = load_returns(dataset="ff49-daily").to_numpy()
    k = rows // 1000
    return {
        f"synthetic {k}k x 500, lam=1": (synthetic_returns(rows, 500, seed=0) * 1.0, 1.0),
        f"Student-t factor {k}k x 500, lam=5": (student_t_factor_returns(rows, 500, 0), 5.0),
        f"us-stocks 300 cols, bootstrap {k}k, lam=1": (bootstrap_rows(stocks, rows, 20.0, 1), 1.0),
        f"ff49-daily, bootstrap {k}k, lam=1": (bootstrap_rows(ff49, rows, 20.0, 2), 1.0),
    }


def measure(name: str, r: np.ndarray, lam: float) -> list[str]:
    """Table rows for one data set."""
    from portfolio_sgd import EngineConfig, optimize
    from portfolio_sgd.measures.performance import cvar_and_var

    optimize(r[:2000], "cvar", config=EngineConfig(steps=30))  # warm-up (imports)
    rows, base = [], None
    for label, kwargs in SETTINGS:
        data = r.astype(np.float32) if kwargs["dtype"] == "float32" else r
        began = time.perf_counter()
        res = optimize(data, "cvar", config=EngineConfig(**kwargs), return_weight=lam)
        seconds = time.perf_counter() - began
        base = base or seconds
        x = r @ res.weights.to_numpy(dtype=np.float64)
        value = float(-lam * x.mean() + cvar_and_var(-x[:, None], 0.95)[0][0])
        rows.append(
            f"| {name} | {label} | {seconds:.2f} | {seconds / base:.2f} | {res.steps} | "
            f"{res.stop_reason} | {value:.12g} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", default="benchmarks/results/dtype_speed.md")
    args = parser.parse_args()
    import torch

    from benchmarks.machine import machine_info
    from portfolio_sgd.utils.atomic import atomic_write_text

    torch.set_num_threads(2)
    info = machine_info(2)
    lines = [
        "# Float64 against float32: default mean-CVaR runs (alpha = 0.95)",
        "",
        f"Command: `python -m benchmarks.dtype_speed {' '.join(sys.argv[1:])}`; "
        f"{info.get('cpu')}, torch threads 2.",
        "",
        "| data | setting | seconds | vs float32 | steps | stop | objective (float64) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (r, lam) in data_sets(args.rows).items():
        lines += measure(name, r.astype(np.float64), lam)
        print("\n".join(lines[-3:]), flush=True)
    lines.append(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}.")
    atomic_write_text(args.out, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
