"""Risk limits (``--max-volatility``, ``--max-cvar``) solved through the Lagrangian.

:class:`RiskLimit` states the cap, :func:`optimize_with_limit` solves it (a bracketing
search on the multiplier, K batched runs a round; :mod:`.search`), and
:class:`RiskLimitReport` (a record of :mod:`portfolio_sgd.results`) says whether the limit binds,
its multiplier and how the search stopped.
"""

from __future__ import annotations

from ..measures.limit import RiskLimit, risk_limit_from
from ..results import RiskLimitReport
from .measure import limit_risk, mix_to_limit
from .solve import optimize_with_limit

__all__ = [
    "RiskLimit",
    "RiskLimitReport",
    "limit_risk",
    "mix_to_limit",
    "optimize_with_limit",
    "risk_limit_from",
]
