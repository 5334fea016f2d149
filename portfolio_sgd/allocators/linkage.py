"""The hierarchical tree of the assets: scipy's linkage of a distance matrix.

``single``, ``average``, ``complete`` or ``ward`` linkage
(:func:`scipy.cluster.hierarchy.linkage` on the condensed distances). The *seriation*
(the order of the leaves that HRP bisects) is the leaf order of the tree after
:func:`scipy.cluster.hierarchy.optimal_leaf_ordering` (adjacent leaves as close as
possible), as in skfolio's ``HierarchicalSeriation`` default; HERC and NCO cut the tree
as built, without reordering it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster import hierarchy as sch
from scipy.spatial import distance as scd

from ..errors import ConfigError

LINKAGES = ("single", "average", "complete", "ward")
"""The linkage names (``--linkage``; the API's ``linkage=``)."""

DEFAULT_LINKAGE = "ward"
"""Ward's minimum-variance linkage: skfolio's default (the original HRP paper used single)."""


@dataclass(frozen=True)
class Tree:
    """A hierarchical clustering of N assets.

    Attributes
    ----------
    linkage : ndarray, shape (N - 1, 4)
        scipy's linkage matrix, as built (no reordering).
    condensed : ndarray, shape (N (N - 1) / 2,)
        The condensed distances it was built from.
    method : str
        The linkage method.
    """

    linkage: np.ndarray
    condensed: np.ndarray
    method: str

    @property
    def n_assets(self) -> int:
        """Number of leaves."""
        return int(self.linkage.shape[0]) + 1

    def seriation(self) -> np.ndarray:
        """The leaf order (N,) after optimal leaf ordering (asset indices)."""
        if self.n_assets < 3:
            return np.arange(self.n_assets)
        ordered = sch.optimal_leaf_ordering(self.linkage, self.condensed)
        return sch.leaves_list(ordered)


def check_linkage(name: str) -> str:
    """The canonical linkage name.

    Raises
    ------
    ConfigError
        For an unknown name (the choices are listed).
    """
    key = str(name).strip().lower()
    if key not in LINKAGES:
        raise ConfigError(f"unknown linkage {name!r}; choose one of: {', '.join(LINKAGES)}")
    return key


def build_tree(distance: np.ndarray, method: str = DEFAULT_LINKAGE) -> Tree:
    """The tree of the assets under ``method`` linkage.

    Parameters
    ----------
    distance : ndarray, shape (N, N)
        Symmetric distances with a zero diagonal, N >= 2.
    method : {"single", "average", "complete", "ward"}

    Returns
    -------
    Tree
    """
    method = check_linkage(method)
    condensed = scd.squareform(np.asarray(distance, dtype=np.float64), checks=False)
    linkage = sch.linkage(condensed, method=method, optimal_ordering=False)
    return Tree(linkage=linkage, condensed=condensed, method=method)
