"""Min-Gini-mean-difference at T = 10,000 x 200, solved with a certificate.

Run: ``python -m benchmarks.gini [--rows 10000] [--assets 200] [--seed 0]`` (a seeded
Student-t factor panel, 10,000 days x 200 assets) and ``--dataset ff49-daily`` (the last
``--rows`` days of a real panel). The exact pair LP has ``T (T - 1) / 2`` rows (5e7 at
T = 10,000: ``1e10`` nonzeros with 200 assets), out of reach; cvxpy's form (one ``|.|``
per pair) is built only to show that. The run reports:

- the time of ``optimize(returns, ObjectiveSpec("min-risk", measure="gini"))`` (mini-batch
  SGD on pairs within each batch, then the window-LP finish over pairs);
- the Gini value of the weights three ways: the engine's, ``numpy_value`` (sorted
  returns, ``O(T log T)``) and the brute-force mean over all ``T (T - 1)`` pairs (in row
  chunks, ``O(T^2)``);
- the certificate: a proven lower bound on the optimum (the window dual LP, evaluated with
  the feasible set's own linear oracle), and the relative gap.

Results are recorded in ``benchmarks/results/gini.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from portfolio_sgd import optimize
from portfolio_sgd.certificate.api import optimality_gap
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure
from portfolio_sgd.objectives import ObjectiveSpec

from .machine import machine_info


def factor_panel(rows: int, assets: int, seed: int) -> pd.DataFrame:
    """Daily returns (rows, assets): 5 Student-t factors plus t noise, ~1-3% daily vol."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 1.0, size=(5, assets)) * np.array(
        [[1.0], [0.5], [0.4], [0.3], [0.2]]
    )
    factors = rng.standard_t(5, size=(rows, 5)) * 0.006
    noise = rng.standard_t(4, size=(rows, assets)) * rng.uniform(0.006, 0.02, size=assets)
    drift = rng.uniform(-1e-4, 6e-4, size=assets)
    return pd.DataFrame(factors @ loadings + noise + drift).add_prefix("A")


def pair_mean(x: np.ndarray, chunk: int = 500) -> float:
    """``mean_{i != j} |x_i - x_j|`` by brute force over all pairs (row chunks)."""
    total, n = 0.0, len(x)
    for start in range(0, n, chunk):
        total += float(np.abs(x[start : start + chunk, None] - x[None, :]).sum())
    return total / (n * (n - 1))


def run(returns: pd.DataFrame) -> dict[str, object]:
    """Solve min-GMD on ``returns`` and check its value and certificate."""
    gini = get_measure("gini")
    began = time.perf_counter()
    res = optimize(returns, ObjectiveSpec("min-risk", measure="gini"))
    seconds = time.perf_counter() - began
    x = returns.to_numpy() @ res.weights.to_numpy()
    exact = float(gini.numpy_value(x)[0])
    lower = float(res.objective_value - res.optimality_gap)
    spec = ObjectiveSpec("min-risk", measure="gini")
    began = time.perf_counter()
    again = optimality_gap(spec, returns, res.weights.to_numpy()[None, :])
    certify_seconds = time.perf_counter() - began
    return {
        "shape": f"{returns.shape[0]} x {returns.shape[1]}",
        "seconds": round(seconds, 2),
        "engine_value": float(res.objective_value),
        "numpy_value": exact,
        "pair_mean_value": pair_mean(x),
        "lower_bound": lower,
        "relative_gap": (exact - lower) / exact,
        "converged": bool(res.converged),
        "dtype": res.dtype,
        "stop_reason": res.stop_reason,
        "recertified_lower_bound": float(again.lower_bound[0]),
        "recertified_relative_gap": float(again.relative[0]),
        "recertified_violation": float(again.violation[0]),
        "recertified_converged": bool(again.converged[0]),
        "certificate_seconds": round(certify_seconds, 2),
        "finish": str(res.polish),
        "held": int((res.weights.to_numpy() > 1e-8).sum()),
        "pair_lp_rows": returns.shape[0] * (returns.shape[0] - 1) // 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default=None)
    args = parser.parse_args()
    if args.dataset:
        returns = load_returns(dataset=args.dataset).iloc[-args.rows :]
    else:
        returns = factor_panel(args.rows, args.assets, args.seed)
    import torch

    print(machine_info(torch.get_num_threads()))
    for key, value in run(returns).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
