"""Portfolio constraints: a feasible set composed of parts, with exact batched projections.

:class:`Constraints` describes the feasible set

    C = { w in R^N : sum(w) = B, lo_i <= w_i <= hi_i, exposure caps (optional), rows }

(``B = 1`` and one ``lo``, ``hi`` for every asset unless a mandate says otherwise:
:mod:`.mandate`, :mod:`.weight_bounds`) as a composition of parts (:class:`Budget`,
:class:`Bounds`, :class:`Leverage`, one module each; see :mod:`.base` for the protocol) and
projects ``(K, N)`` weight tensors onto it row by row after every SGD step
(:mod:`.projection` picks the kernel). :class:`PositiveOrthant` is the set of risk parity's
unnormalised iterate (:mod:`.orthant`).

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

The record's fields are declared torch-free in :mod:`.record` (the command line's options
are built from them), and the package's names are imported on first use (PEP 562), so
importing :mod:`.record` loads no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..utils.lazy_names import lazy_names

_PUBLIC = {
    "Bounds": ".bounds",
    "Budget": ".budget",
    "Cardinality": ".cardinality",
    "CertificateError": ".polytope",
    "ConstraintPart": ".base",
    "Constraints": ".feasible_set",
    "ConstraintsRecord": ".record",
    "FeasibleSet": ".oracle",
    "Leverage": ".leverage",
    "LinearConstraints": ".linear",
    "Polytope": ".polytope",
    "PositiveOrthant": ".orthant",
    "SparseSet": ".support",
    "SupportSet": ".support",
    "TradingSet": ".trading",
    "TradingTerms": ".trading",
    "Turnover": ".trading",
    "linear_minimizer": ".oracle",
    "orthant_projector": ".orthant",
    "polytope_minimizer": ".polytope",
    "project_box_budget": ".box_kernel",
    "project_box_sum_metric": ".metric_kernel",
    "project_capped_simplex": ".kernels",
    "project_long_short": ".kernels",
    "project_simplex": ".kernels",
    "read_groups": ".groups",
    "prox_trading": ".trading",
    "solve_clip_shift": ".kernels",
}
"""Public name -> the module that defines it."""

__all__ = [
    "Bounds",
    "Budget",
    "Cardinality",
    "CertificateError",
    "ConstraintPart",
    "Constraints",
    "ConstraintsRecord",
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
    "project_box_budget",
    "project_box_sum_metric",
    "project_capped_simplex",
    "project_long_short",
    "project_simplex",
    "prox_trading",
    "read_groups",
    "solve_clip_shift",
]

if TYPE_CHECKING:  # pragma: no cover
    from .base import ConstraintPart
    from .bounds import Bounds
    from .box_kernel import project_box_budget
    from .budget import Budget
    from .cardinality import Cardinality
    from .feasible_set import Constraints
    from .groups import read_groups
    from .kernels import (
        project_capped_simplex,
        project_long_short,
        project_simplex,
        solve_clip_shift,
    )
    from .leverage import Leverage
    from .linear import LinearConstraints
    from .metric_kernel import project_box_sum_metric
    from .oracle import FeasibleSet, linear_minimizer
    from .orthant import PositiveOrthant, orthant_projector
    from .polytope import CertificateError, Polytope, polytope_minimizer
    from .record import ConstraintsRecord
    from .support import SparseSet, SupportSet
    from .trading import TradingSet, TradingTerms, Turnover, prox_trading


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
