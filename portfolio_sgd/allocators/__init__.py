"""Allocators: hierarchical risk parity (HRP), hierarchical equal risk contribution (HERC),
nested clusters optimisation (NCO), and the naive baselines (equal weight, inverse
volatility, maximum diversification).

``optimize(returns, objective="hrp", linkage="ward", distance="pearson")`` reaches
:func:`allocate` through :func:`allocator_name`. Every allocator honours the constraints'
bounds, group limits and linear rows exactly (:mod:`.redistribute`) and reports no
optimality gap (a heuristic). One module per concept: the distance (:mod:`.distance`,
:mod:`.distance_correlation`), the tree (:mod:`.linkage`), the flat clusters
(:mod:`.clusters`), the per-asset bounds and HRP's split rule (:mod:`.bounds`), the
algorithms (:mod:`.hrp`, :mod:`.herc`, :mod:`.nco`, :mod:`.naive`), NCO's folds
(:mod:`.cross_validation`), and the run (:mod:`.run`, :mod:`.result`; a prior's scenarios
for HRP, HERC and inverse volatility: :func:`.run.prior_scenarios`).
"""

from __future__ import annotations

from .distance import DISTANCES, distance_matrix
from .linkage import LINKAGES, Tree, build_tree
from .registry import ALLOCATORS, allocator_name, allocator_names, get_allocator
from .report import AllocatorReport
from .run import allocate
from .spec import AllocatorSpec

__all__ = [
    "ALLOCATORS",
    "DISTANCES",
    "LINKAGES",
    "AllocatorReport",
    "AllocatorSpec",
    "Tree",
    "allocate",
    "allocator_name",
    "allocator_names",
    "build_tree",
    "distance_matrix",
    "get_allocator",
]
