"""Jobs of tests/test_distributed_features.py, run on local gloo ranks (importable by spawn)."""

from __future__ import annotations

import numpy as np

CASES = (
    ("min-variance", {"transaction_costs": 0.001}, "none"),
    ("mean-variance", {"max_turnover": 0.3}, "none"),
    ("min-variance", {}, "ledoit-wolf"),
    ("mean-variance", {}, "oas"),
)


def panel() -> np.ndarray:
    """A 1500 x 10 factor-model panel."""
    rng = np.random.default_rng(9)
    factors = rng.normal(0.0, 0.01, (1500, 2))
    loadings = rng.uniform(0.3, 1.2, (2, 10))
    return 3e-4 + factors @ loadings / 2 + rng.normal(0.0, 0.01, (1500, 10))


def run_cases(distributed: bool) -> list[tuple[float, np.ndarray, bool]]:
    """(objective, weights, converged) of every case, sharded or in one process."""
    import portfolio_sgd as ps

    returns = panel()
    previous = np.full(returns.shape[1], 1.0 / returns.shape[1])
    out = []
    for name, trading, shrinkage in CASES:
        constraints = ps.Constraints(previous_weights=previous, **trading) if trading else None
        result = ps.optimize(
            returns,
            name,
            constraints=constraints,
            seed=0,
            shrinkage=shrinkage,
            distributed=distributed,
        )
        out.append((result.objective_value, result.weights.to_numpy(), result.converged))
    return out
