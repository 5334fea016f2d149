"""Cardinality (``max_assets``) and minimum positions (``min_position``).

:func:`optimize_cardinality` is the heuristic behind :func:`portfolio_sgd.optimize` when
:class:`~portfolio_sgd.constraints.Constraints` has ``max_assets`` or ``min_position``
(see :mod:`.search`); :class:`CardinalityReport` (a record of
:mod:`portfolio_sgd.results`) is what a result reports about it.
"""

from __future__ import annotations

from ..results import CardinalityReport
from .search import optimize_cardinality

__all__ = ["CardinalityReport", "optimize_cardinality"]
