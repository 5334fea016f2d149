"""Nested clusters optimisation (Lopez de Prado, 2019), with any inner and outer objective.

The tree is cut into ``k`` flat clusters (:mod:`.clusters`). Each cluster of two or more
assets is optimised on its own (the *inner* objective: any registered objective over any
measure, certified by the engine, or another allocator such as ``"hrp"`` or
``"inverse-volatility"``); a single asset is held whole. Each cluster then
becomes one synthetic asset with returns ``R_C w_C``, and the *outer* objective allocates
across the ``k`` synthetic assets. The weights are ``W_inner @ w_outer``.

This is skfolio's ``NestedClustersOptimization`` with ``cv="ignore"`` (the outer problem
sees the in-sample returns of the inner portfolios; skfolio's default instead feeds it
cross-validated, out-of-sample returns). Its default inner and outer estimators,
``MeanRisk()``, are the minimum variance: here ``inner="min-variance"``,
``outer="min-variance"``. skfolio's ``InverseVolatility``, ``EqualWeighted``,
``HierarchicalRiskParity``, ... as inner or outer estimators are our allocators of the
same names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .allocation import Subsolver


def inner_weights(
    returns: pd.DataFrame, labels: np.ndarray, inner: object, solve: Subsolver
) -> np.ndarray:
    """The inner portfolios (N, k): column c holds cluster c's optimum on its members.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    labels : ndarray of int, shape (N,)
        Cluster of each asset, ``0 .. k - 1``.
    inner : str, ObjectiveSpec or AllocatorSpec
        The objective of each cluster (or an allocator).
    solve : callable
        ``(returns (T, n), objective) -> weights (n,)`` (:data:`.allocation.Subsolver`).
    """
    n_clusters = int(labels.max()) + 1
    columns = np.zeros((returns.shape[1], n_clusters))
    for c in range(n_clusters):
        members = np.flatnonzero(labels == c)
        if members.size == 1:
            columns[members, c] = 1.0
        else:
            columns[members, c] = solve(returns.iloc[:, members], inner)
    return columns


def nco_weights(
    returns: pd.DataFrame,
    labels: np.ndarray,
    inner: object,
    outer: object,
    solve: Subsolver,
) -> np.ndarray:
    """NCO's weights (N,) before bounds (module docstring)."""
    columns = inner_weights(returns, labels, inner, solve)
    if columns.shape[1] == 1:
        return columns[:, 0]
    synthetic = pd.DataFrame(
        returns.to_numpy() @ columns,
        index=returns.index,
        columns=[f"cluster_{c}" for c in range(columns.shape[1])],
    )
    return columns @ solve(synthetic, outer)
