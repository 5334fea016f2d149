"""portfolio-sgd: portfolio optimisation by mini-batch SGD in PyTorch.

Objectives are expectations over return scenarios, minimised by projected mini-batch SGD
on CPU or GPU; the risk module measures how the batch size governs estimation error.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .comparison import compare_with_exact
from .constraints import Constraints
from .errors import (
    ConfigError,
    DataError,
    DivergenceError,
    FetchError,
    InfeasibleConstraintError,
    PortfolioSGDError,
)
from .estimator import SGDPortfolio, optimize, optimize_many
from .objectives import Objective, ObjectiveSpec
from .results import BatchResult, OptimizationResult

__all__ = [
    "BatchResult",
    "ConfigError",
    "Constraints",
    "DataError",
    "DivergenceError",
    "FetchError",
    "InfeasibleConstraintError",
    "Objective",
    "ObjectiveSpec",
    "OptimizationResult",
    "PortfolioSGDError",
    "SGDPortfolio",
    "__version__",
    "compare_with_exact",
    "optimize",
    "optimize_many",
]
