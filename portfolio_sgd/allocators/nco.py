"""Nested clusters optimisation (Lopez de Prado, 2019), with any inner and outer objective.

The tree is cut into ``k`` flat clusters (:mod:`.clusters`). Each cluster of two or more
assets is optimised on its own (the *inner* objective: any registered objective over any
measure, certified by the engine, or another allocator such as ``"hrp"`` or
``"inverse-volatility"``); a single asset is held whole. Each cluster then
becomes one synthetic asset with returns ``R_C w_C``, and the *outer* objective allocates
across the ``k`` synthetic assets. The weights are ``W_inner @ w_outer``.

The outer problem sees the *out-of-sample* returns of the inner portfolios, as skfolio's
``NestedClustersOptimization``: for each fold of ``cv`` (:mod:`.cross_validation`; default
5-fold ``KFold``), each cluster is optimised on the training rows and its portfolio's
returns taken on the test rows (a single asset's returns are its own). With
``cv="ignore"`` the outer problem sees the in-sample returns ``R_C w_C``. skfolio's default
inner and outer estimators, ``MeanRisk()``, are the minimum variance: here ``inner="min-variance"``,
``outer="min-variance"``. skfolio's ``InverseVolatility``, ``EqualWeighted``,
``HierarchicalRiskParity``, ... as inner or outer estimators are our allocators of the
same names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .allocation import Subsolver
from .cross_validation import cv_folds, is_ignored, tested_rows


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


def cluster_returns(
    returns: pd.DataFrame,
    labels: np.ndarray,
    columns: np.ndarray,
    inner: object,
    solve: Subsolver,
    cv: object,
) -> pd.DataFrame:
    """The synthetic assets' returns (T', k) the outer problem sees (module docstring).

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    labels : ndarray of int, shape (N,)
    columns : ndarray, shape (N, k)
        The in-sample inner portfolios (:func:`inner_weights`).
    inner : objective or allocator
    solve : callable
    cv : None, "ignore", int or splitter
        :mod:`.cross_validation`.

    Returns
    -------
    DataFrame, shape (T', k)
        All rows with ``cv="ignore"``, else the tested rows, ascending.
    """
    values = returns.to_numpy(dtype=np.float64)
    names = [f"cluster_{c}" for c in range(columns.shape[1])]
    if is_ignored(cv):
        return pd.DataFrame(values @ columns, index=returns.index, columns=names)
    folds = cv_folds(cv, returns)
    out = values @ columns  # single assets keep their own returns
    for c in range(columns.shape[1]):
        members = np.flatnonzero(labels == c)
        if members.size == 1:
            continue
        for train, test in folds:
            w = solve(returns.iloc[train, members], inner)
            out[test, c] = values[np.ix_(test, members)] @ w
    rows = tested_rows(folds)
    return pd.DataFrame(out[rows], index=returns.index[rows], columns=names)


def nco_weights(
    returns: pd.DataFrame,
    labels: np.ndarray,
    inner: object,
    outer: object,
    solve: Subsolver,
    cv: object = "ignore",
) -> np.ndarray:
    """NCO's weights (N,) before bounds (module docstring)."""
    columns = inner_weights(returns, labels, inner, solve)
    if columns.shape[1] == 1:
        return columns[:, 0]
    synthetic = cluster_returns(returns, labels, columns, inner, solve, cv)
    return columns @ solve(synthetic, outer)
