"""Full-data objective values in float64, the one yardstick for every engine's weights.

Every gap of the suite is ``relative_gap(f(w), f_ref)`` with ``f`` computed here: the
portfolio returns ``x = R w`` are formed in float64 in row chunks (so a 2 GB float32
matrix is never copied whole to float64), then handed to
:func:`portfolio_sgd.reference.exact.objective_value` as a one-asset problem (``x`` with weight
1), which applies the reference definitions (population variance, sort-based CVaR, Kelly
with ``+inf`` outside the domain).
"""

from __future__ import annotations

import numpy as np

from portfolio_sgd.reference.exact import objective_value

CHUNK_ROWS = 65_536


def portfolio_returns64(returns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``R @ W.T`` in float64, shape (T, K), computed in row chunks."""
    w = np.asarray(weights, dtype=np.float64).T
    out = np.empty((returns.shape[0], w.shape[1]), dtype=np.float64)
    for start in range(0, returns.shape[0], CHUNK_ROWS):
        block = np.asarray(returns[start : start + CHUNK_ROWS], dtype=np.float64)
        out[start : start + block.shape[0]] = block @ w
    return out


def objective_values(
    objective: str,
    returns: np.ndarray,
    weights: np.ndarray,
    *,
    risk_aversion: float = 10.0,
    alpha: float = 0.95,
) -> np.ndarray:
    """``f(w_k)`` for each row of ``weights`` (K, N), float64, shape (K,)."""
    x = portfolio_returns64(returns, np.atleast_2d(weights))
    one = np.ones(1)
    return np.array(
        [
            float(
                objective_value(objective, x[:, [k]], one, risk_aversion=risk_aversion, alpha=alpha)
            )
            for k in range(x.shape[1])
        ]
    )
