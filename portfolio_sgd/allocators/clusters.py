"""Flat clusters cut from the tree, and how many: the two-order difference of the gap.

HERC and NCO allocate across flat clusters. Their number ``k`` is, unless given, the one
that maximises the second difference of the within-cluster dispersion

    W_k = sum_{clusters C of the k-cut} mean_{u < v in C} d(u, v)

over ``k = 1 .. max(8, round(sqrt(N)))`` (capped at N): ``argmax_k W_{k+2} + W_k -
2 W_{k+1}``, plus one (Yue, Wang and Wei, 2009). Two assets give two clusters. This is the
rule of skfolio's ``HierarchicalClustering`` default (``max_clusters=None``); the clusters
are then ``fcluster(linkage, k, "maxclust")``.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster import hierarchy as sch
from scipy.spatial import distance as scd

from .linkage import Tree


def _dispersion(distance: np.ndarray, labels: np.ndarray) -> float:
    """``W``: the sum over clusters of the mean pairwise distance (singletons add 0)."""
    total = 0.0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if members.size > 1:
            total += float(scd.squareform(distance[np.ix_(members, members)], checks=False).mean())
    return total


def gap_cluster_count(distance: np.ndarray, tree: Tree) -> int:
    """The number of clusters by the two-order difference of the gap (module docstring).

    Parameters
    ----------
    distance : ndarray, shape (N, N)
    tree : Tree

    Returns
    -------
    int
        In ``[2, max(8, round(sqrt(N)))]`` (2 for two assets).
    """
    n = tree.n_assets
    if n <= 2:
        return n
    cuts = sch.cut_tree(tree.linkage)  # (N, N): column j has N - j clusters
    depth = min(n, max(8, round(np.sqrt(n))))
    dispersion = np.array([_dispersion(distance, cuts[:, n - k - 1]) for k in range(depth)])
    gaps = dispersion[2:] + dispersion[:-2] - 2.0 * dispersion[1:-1]
    if gaps.size == 0:
        return 2
    return int(np.argmax(gaps)) + 2


def cluster_labels(tree: Tree, n_clusters: int) -> np.ndarray:
    """Labels (N,) in ``0 .. k - 1`` of the flat ``maxclust`` cut into ``n_clusters``."""
    return sch.fcluster(tree.linkage, t=n_clusters, criterion="maxclust") - 1
