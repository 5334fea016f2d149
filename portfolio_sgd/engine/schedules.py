"""Batch-size schedules and learning-rate schedules.

Batch-size schedules are our own (torch has none); learning-rate schedules are built from
``torch.optim.lr_scheduler``. A batch-size schedule returns a common growth factor
``g(k) >= 1`` at step k; run ``j`` then uses ``m_j(k) = min(T, round(m_j(0) * g(k)))``.

=================== =========================================== ======================
schedule            m(k)                                        learning rate
=================== =========================================== ======================
constant            m0                                          unchanged
linear-scaling      m0 * geometric growth                       eta * m(k) / m0
log-growth          m0 * (1 + c log(1 + k))                     unchanged
geometric           m0 * rho^(k / every)                        unchanged
=================== =========================================== ======================

``linear-scaling`` couples the learning rate to the batch size (eta proportional to m),
which keeps the effective temperature eta * sigma^2 / (2 m) constant.
"""

from __future__ import annotations

import math
from enum import Enum

import torch

from ..errors import ConfigError
from ..utils.choices import parse_choice
from .choices import BatchSchedule, LRSchedule


def parse_enum(enum_cls: type[Enum], value: object, what: str) -> Enum:
    """Parse ``value`` into ``enum_cls`` or raise a :class:`ConfigError` listing choices.

    See :func:`portfolio_sgd.utils.choices.parse_choice` (the one implementation).
    """
    return parse_choice(enum_cls, value, what)


def batch_growth_factor(schedule: BatchSchedule, step: int, growth: float, every: int) -> float:
    """Common batch-size growth factor ``g(step)``.

    Parameters
    ----------
    schedule : BatchSchedule
    step : int
        Zero-based step index.
    growth : float
        ``c`` for log-growth, ``rho`` for geometric and linear-scaling.
    every : int
        Steps per geometric growth stage.

    Returns
    -------
    float
        ``g >= 1``.
    """
    if schedule is BatchSchedule.CONSTANT:
        return 1.0
    if schedule is BatchSchedule.LOG_GROWTH:
        return 1.0 + growth * math.log1p(step)
    stage = step // max(every, 1)
    return float(growth) ** stage


def batch_sizes_at(base: list[int], factor: float, n_rows: int) -> list[int]:
    """Per-run batch sizes ``min(T, round(m0 * factor))``.

    Parameters
    ----------
    base : list of int, length K
        Initial batch sizes.
    factor : float
        Growth factor from :func:`batch_growth_factor`.
    n_rows : int
        Number of scenarios T (the cap).
    """
    return [min(n_rows, max(1, int(round(m * factor)))) for m in base]


def make_lr_scheduler(
    optimizer: torch.optim.Optimizer, schedule: LRSchedule, total_steps: int | None
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Build the torch scheduler for ``schedule`` (stepped once per optimiser step).

    ``cosine`` anneals to 1% of the initial rate over ``total_steps``; ``inverse-sqrt``
    multiplies by ``1/sqrt(1 + k/100)``; ``step`` halves the rate every quarter of
    ``total_steps``.
    """
    if schedule is LRSchedule.CONSTANT:
        return None
    if schedule is LRSchedule.INVERSE_SQRT:
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda k: 1.0 / math.sqrt(1.0 + k / 100.0)
        )
    if total_steps is None:
        raise ConfigError(
            f"the {schedule.value} learning-rate schedule needs a step or epoch budget"
        )
    if schedule is LRSchedule.COSINE:
        base = optimizer.param_groups[0]["lr"]
        return torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(total_steps, 1), eta_min=0.01 * base
        )
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(total_steps // 4, 1), gamma=0.5)
