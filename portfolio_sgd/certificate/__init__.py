"""Proven suboptimality certificates: an upper bound on ``f(w) - f*`` without a solver.

* :func:`optimality_gap` is the entry point: K portfolios in, a :class:`GapCertificate`
  out (absolute and relative bound, ``f(w)``, the method used).
* Smooth objectives use the Frank-Wolfe gap of the exact full-data gradient
  (:func:`frank_wolfe_gap`), CVaR the LP-duality bound on its tail scenarios
  (:func:`cvar_bound`).
* :func:`linear_minimizer` / :class:`FeasibleSet` are the linear minimisation oracle of the
  feasible set; :class:`Polytope` and :func:`polytope_minimizer` the extension point for
  general linear constraints.
* A result is *certified* when ``relative <= accuracy_bar(objective)``: 1e-4, or 1e-3 for
  CVaR (:data:`ACCURACY_BAR`, :data:`CVAR_ACCURACY_BAR`).
"""

from __future__ import annotations

from .api import (
    ACCURACY_BAR,
    CVAR_ACCURACY_BAR,
    RELATIVE_FLOOR,
    GapCertificate,
    accuracy_bar,
    optimality_gap,
)
from .cvar import CvarBound, CvarOptions, cvar_bound
from .feasible import (
    CertificateError,
    FeasibleSet,
    Polytope,
    linear_minimizer,
    polytope_minimizer,
)
from .smooth import frank_wolfe_gap, smooth_terms

__all__ = [
    "ACCURACY_BAR",
    "CVAR_ACCURACY_BAR",
    "RELATIVE_FLOOR",
    "CertificateError",
    "CvarBound",
    "CvarOptions",
    "FeasibleSet",
    "GapCertificate",
    "Polytope",
    "accuracy_bar",
    "cvar_bound",
    "frank_wolfe_gap",
    "linear_minimizer",
    "optimality_gap",
    "polytope_minimizer",
    "smooth_terms",
]
