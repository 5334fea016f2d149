"""Result records of optimisations: the core record and the feature reports it carries.

:class:`OptimizationResult` keeps the core of a run flat (weights, objective value,
certificate, settings, history, timing) and its feature reports in a typed mapping
(:class:`Reports`, keyed by report type). This package sits below every solver: the
feature packages (limits, cardinality, the bootstrap) import their records from here.
"""

from __future__ import annotations

from .batch import BatchResult
from .cardinality import CardinalityReport
from .error_bars import ErrorBars
from .finish import FinishReport
from .noise import NoiseComparison
from .optimization import OptimizationResult
from .ratio import RatioReport
from .recency import RecencyReport
from .reports import Report, Reports
from .risk_contributions import RiskContributions
from .risk_limit import RiskLimitReport
from .single import single_result
from .trading import TradingReport

__all__ = [
    "BatchResult",
    "CardinalityReport",
    "ErrorBars",
    "FinishReport",
    "NoiseComparison",
    "OptimizationResult",
    "RatioReport",
    "RecencyReport",
    "Report",
    "Reports",
    "RiskContributions",
    "RiskLimitReport",
    "TradingReport",
    "single_result",
]
