"""The dendrogram of an allocator's tree (``--plot``): a matplotlib figure, saved as PNG.

The leaves are drawn in the seriation order (optimal leaf ordering, the order HRP
bisects); with ``n_clusters`` the links below the cut into that many flat clusters are
coloured by cluster (HERC's and NCO's clusters), the rest grey.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scipy.cluster import hierarchy as sch

from ..plotting._common import _new_figure, _save
from .linkage import Tree

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def plot_dendrogram(
    tree: Tree,
    tickers: list[str],
    path: str | Path | None = None,
    n_clusters: int | None = None,
    dpi: int = 120,
) -> Figure:
    """Draw (and optionally save) the dendrogram of ``tree``.

    Parameters
    ----------
    tree : Tree
        N leaves.
    tickers : list of str, length N
        Leaf labels, in the assets' order.
    path : str or Path, optional
        Where to save the PNG (atomically).
    n_clusters : int, optional
        Colour the links below the cut into this many clusters.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    linkage = tree.linkage
    if tree.n_assets >= 3:
        linkage = sch.optimal_leaf_ordering(tree.linkage, tree.condensed)
    threshold = 0.0
    if n_clusters is not None and 1 < n_clusters <= tree.n_assets:
        threshold = float(linkage[-(n_clusters - 1), 2])
    fig = _new_figure((max(6.0, 0.25 * tree.n_assets), 4.0))
    ax = fig.add_subplot()
    sch.dendrogram(
        linkage,
        labels=list(tickers),
        ax=ax,
        color_threshold=threshold if threshold > 0 else None,
        above_threshold_color="grey",
        leaf_rotation=90,
    )
    ax.set_ylabel(f"distance ({tree.method} linkage)")
    ax.set_title(f"{tree.n_assets} assets" + (f", {n_clusters} clusters" if n_clusters else ""))
    return _save(fig, path, dpi)
