"""Hierarchical equal risk contribution (Raffinot, 2018), over any measure.

The tree is cut into ``k`` flat clusters (:mod:`.clusters`; ``k`` by the gap rule unless
given). Within a cluster the assets are held inverse to their own risk; across clusters
the weight flows top-down through the tree: at each node above the clusters, the left
subtree gets ``alpha = 1 - R_l / (R_l + R_r)`` of the node's weight, where ``R_l`` and
``R_r`` are the *sums* of the risks of the clusters below each side (each cluster's risk
is that of its inverse-risk portfolio). This is skfolio's
``HierarchicalEqualRiskContribution``. Bounds and group limits are met afterwards by the
relative-deviation rule (:mod:`.redistribute`), as skfolio does for bounds.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster import hierarchy as sch

from ..measures.base import RiskMeasure
from .linkage import Tree
from .risk import inverse_risk_columns, portfolio_risks


def herc_weights(
    returns: np.ndarray,
    tree: Tree,
    labels: np.ndarray,
    measure: RiskMeasure,
    alpha: float,
) -> np.ndarray:
    """HERC's weights (N,) before bounds (module docstring).

    Parameters
    ----------
    returns : ndarray, shape (T, N)
    tree : Tree
    labels : ndarray of int, shape (N,)
        Flat cluster of each asset, ``0 .. k - 1`` (a cut of ``tree``).
    measure : RiskMeasure
    alpha : float
        Confidence level of a tail measure.

    Returns
    -------
    ndarray, shape (N,)
    """
    n = returns.shape[1]
    clusters = [np.flatnonzero(labels == k) for k in range(int(labels.max()) + 1)]
    unit = portfolio_risks(returns, np.eye(n), measure, alpha)
    inner = inverse_risk_columns(unit, clusters)  # (N, k)
    cluster_risks = portfolio_risks(returns, inner, measure, alpha)
    cluster_weights = np.ones(len(clusters))
    keys = [frozenset(c.tolist()) for c in clusters]
    nodes = [sch.to_tree(tree.linkage)]
    while nodes:
        node = nodes.pop()
        if frozenset(node.pre_order()) in keys:
            continue
        left, right = node.get_left(), node.get_right()
        sides = [set(left.pre_order()), set(right.pre_order())]
        members = [np.array([k for k, key in enumerate(keys) if key <= side]) for side in sides]
        risk_left, risk_right = (cluster_risks[m].sum() for m in members)
        share = 1.0 - risk_left / (risk_left + risk_right)
        cluster_weights[members[0]] *= share
        cluster_weights[members[1]] *= 1.0 - share
        nodes += [left, right]
    return inner @ cluster_weights
