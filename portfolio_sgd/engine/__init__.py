"""The optimisation engine: the loop, its state, its policies and the step.

=================== ===========================================================
module              what
=================== ===========================================================
:mod:`.loop`        :func:`run_engine`: the loop, top to bottom
:mod:`.state`       :class:`EngineState`, and :class:`EvaluationView` for callbacks
:mod:`.setup`       building the state (weights, step size, optimiser, policies)
:mod:`.step`        one step as a closure of device ops (CUDA-graph capturable)
:mod:`.batching`    batch schedule and the adaptive jump to exact gradients
:mod:`.continuation` smoothing continuation (CVaR)
:mod:`.averaging`   iterate averaging
:mod:`.restart`     momentum raise and adaptive restart
:mod:`.stopping`    budgets, tolerance, best iterate
:mod:`.polishing`   the exact finish after the loop (CVaR: :mod:`.cvar_polish`)
:mod:`.early_finish` the exact finish tried at each full-data stage; stops the loop
:mod:`.precision`   the loop's dtype (float32 steps before a float64 exact finish)
:mod:`.step_graphs` CUDA graphs of the step
:mod:`.defaults`    default optimiser, averaging, preconditioner and step size
=================== ===========================================================

The package's names are imported on first use (PEP 562), so importing a torch-free
module of it (:mod:`.config`, :mod:`.choices`: the settings the command line's ``--help``
is built from) loads no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..utils.lazy_names import lazy_names

_PUBLIC = {
    "Callback": ".state",
    "EngineOutput": ".problem",
    "EvaluationView": ".state",
    "Problem": ".problem",
    "RunGrid": ".problem",
    "auto_lr": ".defaults",
    "resolve_averaging": ".defaults",
    "resolve_metric": ".defaults",
    "resolve_optimizer": ".defaults",
    "run_engine": ".loop",
}
"""Public name -> the module that defines it."""

__all__ = [
    "Callback",
    "EngineOutput",
    "EvaluationView",
    "Problem",
    "RunGrid",
    "auto_lr",
    "resolve_averaging",
    "resolve_metric",
    "resolve_optimizer",
    "run_engine",
]

if TYPE_CHECKING:  # pragma: no cover
    from .defaults import auto_lr, resolve_averaging, resolve_metric, resolve_optimizer
    from .loop import run_engine
    from .problem import EngineOutput, Problem, RunGrid
    from .state import Callback, EvaluationView


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
