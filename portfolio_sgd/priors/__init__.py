"""Priors: the return distribution the optimiser sees, from the sample and views.

- :class:`BlackLitterman`: an equilibrium prior blended with views (posterior moments).
- :class:`FactorModel`: assets regressed on factors (the bundled Fama-French 3 daily
  factors by default), the factor-implied mean and covariance.
- :class:`EntropyPooling`: views on means, volatilities, correlations, VaR and CVaR as
  scenario probabilities of least relative entropy (row weights of every measure).
- :class:`PriorResult`: what a fitted prior hands the optimiser (moments, scenarios,
  scenario probabilities).

Pass one to :func:`portfolio_sgd.optimize` as ``prior=``.
"""

from __future__ import annotations

from .base import Prior, PriorResult
from .black_litterman import BlackLitterman
from .entropy_pooling import EntropyPooling
from .factor_model import FactorModel
from .views import ParsedViews, parse_views, read_views_file

__all__ = [
    "BlackLitterman",
    "EntropyPooling",
    "FactorModel",
    "ParsedViews",
    "Prior",
    "PriorResult",
    "parse_views",
    "read_views_file",
]
