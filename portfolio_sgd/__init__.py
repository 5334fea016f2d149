"""portfolio-sgd: portfolio optimisation by mini-batch SGD in PyTorch.

Objectives are expectations over return scenarios, minimised by projected mini-batch SGD
on CPU or GPU; the risk module measures how the batch size governs estimation error.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import optimize, optimize_many, resolve_settings, settings_from_options
from .comparison import compare_with_exact
from .config import EngineConfig
from .constraints import Constraints
from .engine import EvaluationView
from .errors import (
    ConfigError,
    DataError,
    DivergenceError,
    FetchError,
    InfeasibleConstraintError,
    PortfolioSGDError,
)
from .estimator import SGDPortfolio
from .frontier import FrontierResult, efficient_frontier
from .objectives import Objective, ObjectiveSpec
from .results import BatchResult, OptimizationResult

__all__ = [
    "BatchResult",
    "ConfigError",
    "Constraints",
    "DataError",
    "DivergenceError",
    "EngineConfig",
    "EvaluationView",
    "FetchError",
    "FrontierResult",
    "InfeasibleConstraintError",
    "Objective",
    "ObjectiveSpec",
    "OptimizationResult",
    "PortfolioSGDError",
    "SGDPortfolio",
    "__version__",
    "compare_with_exact",
    "efficient_frontier",
    "optimize",
    "optimize_many",
    "resolve_settings",
    "settings_from_options",
]
