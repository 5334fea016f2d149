"""Jobs that tests/test_distributed.py runs on local gloo ranks (importable by spawn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

OBJECTIVES = ("min-variance", "mean-variance", "cvar", "kelly", "tracking", "risk-parity")


def sp500_panel() -> tuple[pd.DataFrame, np.ndarray]:
    """The last 3000 rows of sp500 and a benchmark (tracking): the equal-weight index."""
    from portfolio_sgd.data import load_returns

    returns = load_returns(dataset="sp500").iloc[-3000:]
    noise = np.random.default_rng(3).normal(0.0, 2e-3, len(returns))
    return returns, returns.to_numpy().mean(axis=1) + noise


def synthetic_panel(n_rows: int, n_assets: int = 100) -> np.ndarray:
    """A factor model panel (n_rows, n_assets) of daily-like returns."""
    rng = np.random.default_rng(7)
    factors = rng.normal(0.0, 0.01, (n_rows, 3))
    loadings = rng.uniform(0.2, 1.2, (3, n_assets))
    return 3e-4 + factors @ loadings / 3 + rng.normal(0.0, 0.01, (n_rows, n_assets))


def optimize_all(synthetic_rows: int) -> dict:
    """Every objective on sp500, two on the synthetic panel; (objective, weights) each."""
    import portfolio_sgd as ps

    returns, bench = sp500_panel()
    out = {}
    for name in OBJECTIVES:
        extra = {"benchmark": bench} if name == "tracking" else {}
        r = ps.optimize(returns, name, distributed=True, seed=0, **extra)
        out[("sp500", name)] = (r.objective_value, r.weights.to_numpy(), r.stop_reason)
    synth = synthetic_panel(synthetic_rows)
    for name in ("min-variance", "cvar"):
        r = ps.optimize(synth, name, distributed=True, seed=0, batch_size=512)
        out[("synthetic", name)] = (r.objective_value, r.weights.to_numpy(), r.stop_reason)
    out["selection"] = selection_cases()
    out["frontier"] = split_frontier(returns)
    return out


def split_frontier(returns: pd.DataFrame) -> np.ndarray:
    """A 4-point frontier with its runs split among the ranks (--split runs)."""
    from portfolio_sgd.distributed.split import split_runs
    from portfolio_sgd.solvers.frontier import efficient_frontier

    with split_runs():
        return efficient_frontier(returns.iloc[:, :8], points=4).weights.to_numpy()


def selection_cases() -> list[tuple[float, float]]:
    """(distributed k-th smallest, torch.kthvalue) pairs over ties and edge ranks."""
    from portfolio_sgd.distributed import row_range, start
    from portfolio_sgd.distributed.selection import kth_smallest

    ctx = start("cpu")
    rng = np.random.default_rng(11)
    values = np.round(rng.normal(size=(2, 9001)), 2)  # many ties
    values[1, :4000] = 0.5  # a run with one value repeated more than CANDIDATES times
    y = torch.as_tensor(values)
    lo, hi = row_range(y.shape[1], ctx.rank, ctx.world_size)
    pairs = []
    for k in (1, 2, 450, 4001, 4500, 8551, 9001):
        got = kth_smallest(y[:, lo:hi].contiguous(), k, y.shape[1], ctx)
        want = torch.kthvalue(y, k, dim=1).values
        pairs += list(zip(got.tolist(), want.tolist(), strict=True))
    return pairs
