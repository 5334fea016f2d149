"""How the engine's defaults are chosen: optimiser, averaging, preconditioner, step size."""

from __future__ import annotations

import torch

from ..objectives import ObjectiveSpec
from .config import Averaging, EngineConfig, OptimizerName
from .problem import Problem, RunGrid
from .step_size import ADAM_LR_FACTOR, SGD_LR_FACTOR, curvature, diagonal_metric


def resolve_optimizer(config: EngineConfig, spec: ObjectiveSpec) -> OptimizerName:
    """The optimiser: explicit, else SGD with Nesterov momentum."""
    if config.optimizer is not None:
        return config.optimizer
    return OptimizerName.SGD


def resolve_averaging(config: EngineConfig, spec: ObjectiveSpec) -> Averaging:
    """The averaging mode: explicit, else none (tail averaging for unsmoothed CVaR)."""
    if config.averaging is not None:
        return config.averaging
    if spec.impl.is_smooth or smoothing_active(config, spec):
        return Averaging.NONE
    return Averaging.TAIL


def smoothing_active(config: EngineConfig, spec: ObjectiveSpec) -> bool:
    """Whether a non-smooth loss is smoothed (CVaR's hinge: SGD with ``cvar_smoothing > 0``)."""
    return (
        spec.impl.supports_smoothing
        and config.cvar_smoothing > 0
        and resolve_optimizer(config, spec) is OptimizerName.SGD
    )


def resolve_metric(problem: Problem, config: EngineConfig) -> torch.Tensor | None:
    """The diagonal preconditioner ``d`` (N,), or None when preconditioning is off.

    Used with SGD only, and not with a leverage cap (whose projection is Euclidean).
    """
    if not config.precondition or resolve_optimizer(config, problem.spec) is not OptimizerName.SGD:
        return None
    if not problem.constraints.allows_metric_projection:
        return None
    return diagonal_metric(problem.spec, problem.returns, problem.mean)


def auto_lr(
    problem: Problem, config: EngineConfig, grid: RunGrid, metric: torch.Tensor | None = None
) -> float:
    """Default step size: ``0.5 / L`` for SGD, ``0.5 / N`` for Adam (see :mod:`step_size`).

    With a preconditioner ``metric``, ``L`` is the curvature of the preconditioned problem.
    """
    if resolve_optimizer(config, problem.spec) is OptimizerName.ADAM:
        return ADAM_LR_FACTOR / problem.n_assets
    lam = max(grid.risk_aversions) if grid.risk_aversions else None
    big_l = curvature(problem.spec, problem.returns, problem.mean, lam, metric=metric)
    return SGD_LR_FACTOR / big_l
