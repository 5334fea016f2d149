"""The settings of one allocation: :class:`AllocatorSpec`."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..measures.registry import get_measure
from ..solvers.settings import ObjectiveLike
from .cross_validation import check_cv
from .distance import check_distance
from .linkage import DEFAULT_LINKAGE, check_linkage


@dataclass(frozen=True)
class AllocatorSpec:
    """Which allocator, and its settings.

    Parameters
    ----------
    name : str
        A canonical allocator name (:data:`.registry.ALLOCATORS`).
    linkage : {"single", "average", "complete", "ward"}
        The tree's linkage (HRP, HERC, NCO).
    distance : {"pearson", "spearman", "distance-correlation"}
        The distance between assets (HRP, HERC, NCO).
    measure : str
        The risk measure of HRP's and HERC's splits: any registered measure
        (default variance).
    alpha : float
        The confidence level of a tail measure (CVaR).
    n_clusters : int, optional
        HERC's and NCO's number of flat clusters (default: the gap rule).
    inner, outer : str, ObjectiveSpec or AllocatorSpec
        NCO's objective within each cluster and across clusters (default min-variance):
        any registered objective over any measure, or an allocator.
    cv : None, "ignore", int or splitter
        NCO's cross-validation of the inner portfolios (:mod:`.cross_validation`):
        default 5-fold ``KFold`` (skfolio's); ``"ignore"``: in-sample.
    """

    name: str
    linkage: str = DEFAULT_LINKAGE
    distance: str = "pearson"
    measure: str = "variance"
    alpha: float = 0.95
    n_clusters: int | None = None
    inner: ObjectiveLike | AllocatorSpec = "min-variance"
    outer: ObjectiveLike | AllocatorSpec = "min-variance"
    cv: object = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "linkage", check_linkage(self.linkage))
        object.__setattr__(self, "distance", check_distance(self.distance))
        object.__setattr__(self, "measure", get_measure(self.measure).name)
        if not 0.0 < float(self.alpha) < 1.0:
            raise ConfigError(f"alpha must be in (0, 1), got {self.alpha!r}")
        if self.n_clusters is not None and int(self.n_clusters) < 1:
            raise ConfigError(f"n_clusters must be at least 1, got {self.n_clusters!r}")
        object.__setattr__(self, "cv", check_cv(self.cv))
