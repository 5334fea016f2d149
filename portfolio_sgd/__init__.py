"""portfolio-sgd: portfolio optimisation by mini-batch SGD in PyTorch.

Objectives are expectations over return scenarios, minimised by projected mini-batch SGD
on CPU or GPU; the risk module measures how the batch size governs estimation error.

The public names below are imported on first use (PEP 562), so ``import portfolio_sgd``
(and the command line's ``--help``) does not load torch; ``from portfolio_sgd import
optimize`` works as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .utils.lazy_names import lazy_names

__version__ = "0.1.0"

_PUBLIC = {
    "optimize": ".api",
    "optimize_many": ".api",
    "resolve_settings": ".api",
    "settings_from_options": ".api",
    "compare_with_exact": ".reference.comparison",
    "EngineConfig": ".engine.config",
    "Constraints": ".constraints",
    "EvaluationView": ".engine",
    "ConfigError": ".errors",
    "DataError": ".errors",
    "DivergenceError": ".errors",
    "FetchError": ".errors",
    "InfeasibleConstraintError": ".errors",
    "PortfolioSGDError": ".errors",
    "SGDPortfolio": ".estimators.sgd_portfolio",
    "FrontierResult": ".solvers.frontier",
    "efficient_frontier": ".solvers.frontier",
    "frontier_under_limits": ".solvers.limited_frontier",
    "Objective": ".objectives",
    "ObjectiveSpec": ".objectives",
    "BatchResult": ".results",
    "OptimizationResult": ".results",
}
"""Public name -> the module that defines it."""

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .api import optimize, optimize_many, resolve_settings, settings_from_options
    from .constraints import Constraints
    from .engine import EvaluationView
    from .engine.config import EngineConfig
    from .errors import (
        ConfigError,
        DataError,
        DivergenceError,
        FetchError,
        InfeasibleConstraintError,
        PortfolioSGDError,
    )
    from .estimators.sgd_portfolio import SGDPortfolio
    from .objectives import Objective, ObjectiveSpec
    from .reference.comparison import compare_with_exact
    from .results import BatchResult, OptimizationResult
    from .solvers.frontier import FrontierResult, efficient_frontier
    from .solvers.limited_frontier import frontier_under_limits


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)


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
    "frontier_under_limits",
    "optimize",
    "optimize_many",
    "resolve_settings",
    "settings_from_options",
]
