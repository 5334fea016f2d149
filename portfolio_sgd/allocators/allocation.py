"""What an allocator is given (:class:`Inputs`) and what it gives back (:class:`Allocation`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine.config import EngineConfig
from ..measures.base import RiskMeasure
from ..measures.registry import get_measure
from .clusters import cluster_labels, gap_cluster_count
from .distance import distance_matrix
from .linkage import Tree, build_tree
from .spec import AllocatorSpec

Subsolver = Callable[[pd.DataFrame, object], np.ndarray]
"""``(returns (T, n), objective or allocator) -> weights (n,)``: a sub-problem's solve
(NCO's clusters; :func:`.run.sub_weights`)."""


@dataclass(frozen=True)
class Inputs:
    """One allocation's data and settings.

    Attributes
    ----------
    returns : DataFrame, shape (T, N)
    spec : AllocatorSpec
    lower, upper : ndarray, shape (N,)
        Per-asset bounds (:func:`.bounds.asset_bounds`).
    config : EngineConfig
        Engine settings of inner optimisations (NCO, maximum diversification).
    solve : callable
        How a sub-problem is solved (:data:`Subsolver`).
    scenarios : DataFrame, shape (T, N), optional
        A prior's scenarios (moved to its mean and covariance): the risks are measured on
        them, the distance still on ``returns`` (as skfolio's ``prior_estimator``).
    """

    returns: pd.DataFrame
    spec: AllocatorSpec
    lower: np.ndarray
    upper: np.ndarray
    config: EngineConfig
    solve: Subsolver
    scenarios: pd.DataFrame | None = None

    @property
    def values(self) -> np.ndarray:
        """The scenarios the risks are measured on (T, N): the prior's, else the returns."""
        frame = self.returns if self.scenarios is None else self.scenarios
        return frame.to_numpy(dtype=np.float64)

    @property
    def measure(self) -> RiskMeasure:
        """The registered measure of the splits."""
        return get_measure(self.spec.measure)

    @functools.cached_property
    def distance(self) -> np.ndarray:
        """The (N, N) distances under ``spec.distance``."""
        return distance_matrix(self.returns.to_numpy(dtype=np.float64), self.spec.distance)

    @functools.cached_property
    def tree(self) -> Tree:
        """The tree under ``spec.linkage``."""
        return build_tree(self.distance, self.spec.linkage)

    def labels(self) -> np.ndarray:
        """Flat clusters (N,): ``spec.n_clusters``, else the gap rule's count."""
        k = self.spec.n_clusters
        count = gap_cluster_count(self.distance, self.tree) if k is None else int(k)
        return cluster_labels(self.tree, min(count, self.returns.shape[1]))


@dataclass(frozen=True)
class Allocation:
    """An allocator's weights before the constraints' final step.

    Attributes
    ----------
    weights : ndarray, shape (N,)
        Summing to 1.
    order : ndarray of int, optional
        The seriation used (HRP).
    labels : ndarray of int, optional
        Flat clusters (HERC, NCO).
    tree : Tree, optional
    """

    weights: np.ndarray
    order: np.ndarray | None = None
    labels: np.ndarray | None = None
    tree: Tree | None = None
