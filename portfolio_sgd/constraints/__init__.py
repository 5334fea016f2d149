"""Portfolio constraints: a feasible set composed of parts, with exact batched projections.

:class:`Constraints` describes the feasible set

    C = { w in R^N : sum(w) = 1, lo <= w_i <= hi, sum|w_i| <= L (optional) }

as a composition of parts (:class:`Budget`, :class:`Bounds`, :class:`Leverage`, one
module each; see :mod:`.base` for the protocol) and projects ``(K, N)`` weight tensors
onto it row by row after every SGD step (:mod:`.projection` picks the kernel).
:class:`PositiveOrthant` is the set of risk parity's unnormalised iterate (:mod:`.orthant`).
"""

from __future__ import annotations

from .base import ConstraintPart
from .bounds import Bounds
from .budget import Budget
from .cardinality import Cardinality
from .feasible_set import Constraints
from .kernels import project_capped_simplex, project_long_short, project_simplex, solve_clip_shift
from .leverage import Leverage
from .metric_kernel import project_box_sum_metric
from .orthant import PositiveOrthant, orthant_projector
from .support import SparseSet, SupportSet

__all__ = [
    "Bounds",
    "Budget",
    "Cardinality",
    "ConstraintPart",
    "Constraints",
    "Leverage",
    "PositiveOrthant",
    "SparseSet",
    "SupportSet",
    "orthant_projector",
    "project_box_sum_metric",
    "project_capped_simplex",
    "project_long_short",
    "project_simplex",
    "solve_clip_shift",
]
