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

from ..engine.config import EngineConfig
from .allocation import Subsolver
from .cross_validation import cv_folds, is_ignored, tested_rows
from .inner_batch import solve_groups


def inner_weights(
    returns: pd.DataFrame,
    labels: np.ndarray,
    inner: object,
    solve: Subsolver,
    config: EngineConfig | None = None,
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
    config : EngineConfig, optional
        The engine's settings: the clusters are solved together (:mod:`.inner_batch`);
        None: one ``solve`` each.
    """
    n_clusters = int(labels.max()) + 1
    columns = np.zeros((returns.shape[1], n_clusters))
    everything = np.arange(returns.shape[0])
    members = [np.flatnonzero(labels == c) for c in range(n_clusters)]
    multi = [c for c in range(n_clusters) if members[c].size > 1]
    groups = [(everything, members[c]) for c in multi]
    for c, w in zip(multi, solve_groups(returns, groups, inner, solve, config), strict=True):
        columns[members[c], c] = w
    for c in range(n_clusters):
        if members[c].size == 1:
            columns[members[c], c] = 1.0
    return columns


def cluster_returns(
    returns: pd.DataFrame,
    labels: np.ndarray,
    columns: np.ndarray,
    inner: object,
    solve: Subsolver,
    cv: object,
    config: EngineConfig | None = None,
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
    config : EngineConfig, optional
        As :func:`inner_weights`: every cluster's folds are solved together.

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
    members = [np.flatnonzero(labels == c) for c in range(columns.shape[1])]
    jobs = [(c, test, (train, members[c])) for c in range(len(members)) for train, test in folds]
    jobs = [job for job in jobs if members[job[0]].size > 1]
    solved = solve_groups(returns, [group for *_, group in jobs], inner, solve, config)
    for (c, test, _), w in zip(jobs, solved, strict=True):
        out[test, c] = values[np.ix_(test, members[c])] @ w
    rows = tested_rows(folds)
    return pd.DataFrame(out[rows], index=returns.index[rows], columns=names)


def nco_weights(
    returns: pd.DataFrame,
    labels: np.ndarray,
    inner: object,
    outer: object,
    solve: Subsolver,
    cv: object = "ignore",
    config: EngineConfig | None = None,
) -> np.ndarray:
    """NCO's weights (N,) before bounds (module docstring).

    With ``config`` the inner problems are solved together and the outer one the same
    way (:mod:`.inner_batch`: by the exact finish alone where the optimum is unique);
    without it, one ``solve`` each (the same weights, one engine run per problem).
    """
    columns = inner_weights(returns, labels, inner, solve, config)
    if columns.shape[1] == 1:
        return columns[:, 0]
    synthetic = cluster_returns(returns, labels, columns, inner, solve, cv, config)
    everything = (np.arange(synthetic.shape[0]), np.arange(synthetic.shape[1]))
    return columns @ solve_groups(synthetic, [everything], outer, solve, config)[0]
