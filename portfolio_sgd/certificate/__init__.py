"""Proven suboptimality certificates: an upper bound on ``f(w) - f*`` without a solver.

* :func:`optimality_gap` is the entry point: K portfolios in, a :class:`GapCertificate`
  out (absolute and relative bound, ``f(w)``, the method used).
* Smooth objectives use the Frank-Wolfe gap of the exact full-data gradient
  (:func:`frank_wolfe_gap`), CVaR the LP-duality bound on its tail scenarios
  (:func:`cvar_bound`).
* The feasible set's linear minimisation oracle (:class:`FeasibleSet`,
  :func:`linear_minimizer`, :class:`Polytope`, :func:`polytope_minimizer`) is defined in
  :mod:`portfolio_sgd.constraints` and re-exported here, where the certificates use it.
* A result is *certified* when ``relative <= accuracy_bar(objective)``: 1e-4, or 1e-3 for
  CVaR (:data:`ACCURACY_BAR`, :data:`CVAR_ACCURACY_BAR`).
"""

from __future__ import annotations

from ..constraints.oracle import FeasibleSet, linear_minimizer
from ..constraints.polytope import CertificateError, Polytope, polytope_minimizer
from .api import (
    ACCURACY_BAR,
    CVAR_ACCURACY_BAR,
    RELATIVE_FLOOR,
    GapCertificate,
    accuracy_bar,
    optimality_gap,
)
from .cvar import CvarBound, CvarOptions, cvar_bound
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
