"""The CVaR certificate: the tail-scenario LP-duality bound of the CVaR measure.

The maths is the measure's own (:mod:`portfolio_sgd.measures.cvar_bound`); the certificate
composes it (see :mod:`portfolio_sgd.certificate.api`).
"""

from __future__ import annotations

from ..measures.cvar_bound import CvarBound, CvarOptions, cvar_bound, scenario_losses64

__all__ = ["CvarBound", "CvarOptions", "cvar_bound", "scenario_losses64"]
