"""skfolio-compatible hierarchical allocators: HRP, HERC and NCO by portfolio-sgd.

=========================================  ===========================================
skfolio                                    portfolio-sgd
=========================================  ===========================================
``HierarchicalRiskParity``                 :class:`SGDHierarchicalRiskParity`
``HierarchicalEqualRiskContribution``      :class:`SGDHierarchicalEqualRiskContribution`
``NestedClustersOptimization``             :class:`SGDNestedClustersOptimization`
=========================================  ===========================================

The tree is set by ``linkage_method`` (``"single"``, ``"average"``, ``"complete"``,
``"ward"`` or skfolio's ``LinkageMethod``) and ``distance`` (``"pearson"``,
``"spearman"``, ``"distance-correlation"``), where skfolio takes estimators
(``HierarchicalClustering(linkage_method=...)``, ``PearsonDistance()``, ...); the
defaults are skfolio's (Ward, Pearson; HRP's optimal leaf ordering; HERC's and NCO's
cluster count by the gap rule unless ``n_clusters``). ``risk_measure`` is skfolio's
``RiskMeasure`` (``VARIANCE``, ``STANDARD_DEVIATION``, ``CVAR``) or the name of any
registered measure. NCO's ``inner`` and ``outer`` are any objective (a name or an
:class:`~portfolio_sgd.objectives.ObjectiveSpec`) or allocator name; its ``cv`` is
skfolio's (default 5-fold ``KFold``: the outer problem sees the clusters' out-of-sample
returns; ``"ignore"``: in-sample; an int or a splitter).
"""

from __future__ import annotations

from typing import Any

from skfolio.measures import RiskMeasure

from ..allocators import AllocatorSpec
from .allocator_base import SGDAllocatorBase, measure_name


def _linkage(value: Any) -> str:
    """A linkage name from a string or skfolio's ``LinkageMethod``."""
    return str(getattr(value, "value", value))


class SGDHierarchicalRiskParity(SGDAllocatorBase):
    """Hierarchical risk parity (see the module docstring and :mod:`portfolio_sgd.allocators.hrp`).

    Parameters
    ----------
    risk_measure : RiskMeasure or str, default VARIANCE
    linkage_method : str or LinkageMethod, default "ward"
    distance : {"pearson", "spearman", "distance-correlation"}, default "pearson"
    min_weights, max_weights : float, array (N,) or dict, defaults 0 and 1
        Per-asset bounds, met by skfolio's clamped bisection.
    groups, linear_constraints : optional
        Group limits and linear rows (met by the redistribution rule).
    prior_estimator : prior, optional
        A skfolio prior estimator (``EmpiricalPrior``, ``BlackLitterman``, ...) or ours
        (:mod:`.prior_adapter`): the risks are measured on its scenarios (moved to its
        mean and covariance), the tree built from the returns, as skfolio's. Default
        None: the sample. A prior with scenario probabilities is refused.
    portfolio_params, fallback, raise_on_failure
        As in skfolio's ``BaseOptimization``.
    """

    def __init__(
        self,
        risk_measure: Any = RiskMeasure.VARIANCE,
        linkage_method: Any = "ward",
        distance: str = "pearson",
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        groups: Any = None,
        linear_constraints: Any = None,
        prior_estimator: Any = None,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
    ) -> None:
        super().__init__(
            portfolio_params=portfolio_params, fallback=fallback, raise_on_failure=raise_on_failure
        )
        self.prior_estimator = prior_estimator
        self.risk_measure = risk_measure
        self.linkage_method = linkage_method
        self.distance = distance
        self._keep_constraints(min_weights, max_weights, groups, linear_constraints)

    def _spec(self) -> AllocatorSpec:
        return AllocatorSpec(
            "hrp",
            linkage=_linkage(self.linkage_method),
            distance=self.distance,
            measure=measure_name(self.risk_measure),
        )


class SGDHierarchicalEqualRiskContribution(SGDHierarchicalRiskParity):
    """Hierarchical equal risk contribution (:mod:`portfolio_sgd.allocators.herc`).

    Parameters as :class:`SGDHierarchicalRiskParity` (``prior_estimator`` included), plus
    ``n_clusters`` (default: the gap rule). Bounds are met by the least relative deviation, as in skfolio.
    """

    def __init__(
        self,
        risk_measure: Any = RiskMeasure.VARIANCE,
        linkage_method: Any = "ward",
        distance: str = "pearson",
        n_clusters: int | None = None,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        groups: Any = None,
        linear_constraints: Any = None,
        prior_estimator: Any = None,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
    ) -> None:
        super().__init__(
            risk_measure,
            linkage_method,
            distance,
            min_weights,
            max_weights,
            groups,
            linear_constraints,
            prior_estimator,
            portfolio_params,
            fallback,
            raise_on_failure,
        )
        self.n_clusters = n_clusters

    def _spec(self) -> AllocatorSpec:
        return AllocatorSpec(
            "herc",
            linkage=_linkage(self.linkage_method),
            distance=self.distance,
            measure=measure_name(self.risk_measure),
            n_clusters=self.n_clusters,
        )


class SGDNestedClustersOptimization(SGDAllocatorBase):
    """Nested clusters optimisation (:mod:`portfolio_sgd.allocators.nco`).

    Parameters
    ----------
    inner, outer : str or ObjectiveSpec, default "min-variance"
        The objective within each cluster and across clusters (or an allocator's name).
    linkage_method, distance, n_clusters
        As in :class:`SGDHierarchicalEqualRiskContribution`.
    cv : None, "ignore", int or splitter, default None
        As skfolio's: the folds of the out-of-sample inner returns (None: 5-fold
        ``KFold``; :mod:`portfolio_sgd.allocators.cross_validation`).
    min_weights, max_weights, groups, linear_constraints : optional
        Met by the Euclidean redistribution of the final weights.
    portfolio_params, fallback, raise_on_failure
        As in skfolio's ``BaseOptimization``.
    """

    def __init__(
        self,
        inner: Any = "min-variance",
        outer: Any = "min-variance",
        linkage_method: Any = "ward",
        distance: str = "pearson",
        n_clusters: int | None = None,
        cv: Any = None,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        groups: Any = None,
        linear_constraints: Any = None,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
    ) -> None:
        super().__init__(
            portfolio_params=portfolio_params, fallback=fallback, raise_on_failure=raise_on_failure
        )
        self.cv = cv
        self.inner = inner
        self.outer = outer
        self.linkage_method = linkage_method
        self.distance = distance
        self.n_clusters = n_clusters
        self._keep_constraints(min_weights, max_weights, groups, linear_constraints)

    def _spec(self) -> AllocatorSpec:
        return AllocatorSpec(
            "nco",
            linkage=_linkage(self.linkage_method),
            distance=self.distance,
            n_clusters=self.n_clusters,
            inner=self.inner,
            outer=self.outer,
            cv=self.cv,
        )
