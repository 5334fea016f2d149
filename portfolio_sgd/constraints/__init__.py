"""Portfolio constraints: a feasible set composed of parts, with exact batched projections.

:class:`Constraints` describes the feasible set

    C = { w in R^N : sum(w) = 1, lo <= w_i <= hi, sum|w_i| <= L (optional) }

as a composition of parts (:class:`Budget`, :class:`Bounds`, :class:`Leverage`, one
module each; see :mod:`.base` for the protocol) and projects ``(K, N)`` weight tensors
onto it row by row after every SGD step (:mod:`.projection` picks the kernel).
:class:`PositiveOrthant` is the set of risk parity's unnormalised iterate (:mod:`.orthant`).

Group and linear constraints (``Constraints(groups=..., linear=[...])``, or matrix forms)
are one more part, :class:`LinearConstraints` (:mod:`.linear`), resolved against the
returns' tickers (:meth:`Constraints.bind`). Limits on disjoint groups project exactly
(:mod:`.group_kernel`); other rows by Dykstra's algorithm (:mod:`.dykstra`); feasibility
is decided by an LP before any step (:mod:`.lp_feasibility`); :mod:`.report` gives each
constraint's status at a solution.

The set's linear minimisation oracle (for certificates and exact finishes) lives here too:
:class:`FeasibleSet` (:mod:`.oracle`) over the set's :class:`Polytope` (:mod:`.polytope`),
built by :meth:`Constraints.linear_oracle`. Trading against holdings (costs, impact,
turnover limits, :class:`TradingSet`) is the :mod:`.trading` subpackage.
"""

from __future__ import annotations

from .base import ConstraintPart
from .bounds import Bounds
from .budget import Budget
from .cardinality import Cardinality
from .feasible_set import Constraints
from .groups import read_groups
from .kernels import project_capped_simplex, project_long_short, project_simplex, solve_clip_shift
from .leverage import Leverage
from .linear import LinearConstraints
from .metric_kernel import project_box_sum_metric
from .oracle import FeasibleSet, linear_minimizer
from .orthant import PositiveOrthant, orthant_projector
from .polytope import CertificateError, Polytope, polytope_minimizer
from .support import SparseSet, SupportSet
from .trading import TradingSet, TradingTerms, Turnover, prox_trading

__all__ = [
    "Bounds",
    "Budget",
    "Cardinality",
    "CertificateError",
    "ConstraintPart",
    "Constraints",
    "FeasibleSet",
    "Leverage",
    "LinearConstraints",
    "Polytope",
    "PositiveOrthant",
    "SparseSet",
    "SupportSet",
    "TradingSet",
    "TradingTerms",
    "Turnover",
    "linear_minimizer",
    "orthant_projector",
    "polytope_minimizer",
    "project_box_sum_metric",
    "project_capped_simplex",
    "project_long_short",
    "project_simplex",
    "read_groups",
    "prox_trading",
    "solve_clip_shift",
]
