"""An allocation as an :class:`~portfolio_sgd.results.OptimizationResult`.

The weights, the measure's value at them (``objective_value``: the allocator's measure,
variance unless set, in daily units, on a prior's scenarios when one is given), each constraint's status (``constraints_report``)
and an :class:`.report.AllocatorReport`. No optimality gap is claimed: an allocator is a
heuristic, so ``optimality_gap`` is infinite, ``converged`` is False and
``certificate_method`` says ``"none (heuristic allocator)"``. ``spec`` records the
measure as ``min-risk`` over it (variance where min-risk does not take the measure) (the engine fields, ``steps`` to ``lr``, are empty).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constraints import Constraints
from ..constraints.report import constraints_report
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..results import OptimizationResult
from ..results.reports import Reports
from .allocation import Inputs
from .report import CERTIFICATE, AllocatorReport

HISTORY_COLUMNS = ("step", "samples", "batch_size", "batch_loss", "objective")


def _date(index: pd.Index, at: int) -> str | None:
    """The ISO date of row ``at`` of a dated index, else None."""
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    return index[at].date().isoformat() if dated else None


def _spec(measure: str, alpha: float) -> ObjectiveSpec:
    """``min-risk`` over ``measure`` (over variance for a measure min-risk does not take,
    e.g. volatility: the allocator's own measure is in its report)."""
    try:
        return ObjectiveSpec("min-risk", measure=measure, alpha=alpha)
    except ConfigError:
        return ObjectiveSpec("min-risk", alpha=alpha)


def allocation_result(
    inputs: Inputs,
    weights: np.ndarray,
    constraints: Constraints,
    config: EngineConfig,
    report: AllocatorReport,
    wall_time: float,
) -> OptimizationResult:
    """The result record of an allocation (module docstring)."""
    returns = inputs.returns
    spec = inputs.spec
    measure = get_measure(spec.measure)
    value = float(
        np.atleast_1d(measure.numpy_value(inputs.values @ weights[:, None], spec.alpha))[0]
    )
    bound = constraints.bind(list(returns.columns))
    return OptimizationResult(
        weights=pd.Series(weights, index=returns.columns, name="weight"),
        objective=report.allocator,
        objective_value=value,
        history=pd.DataFrame({c: [] for c in HISTORY_COLUMNS}),
        steps=0,
        samples_seen=0,
        epochs=0.0,
        wall_time=wall_time,
        lr=None,
        batch_size=0,
        optimizer="none",
        averaging="none",
        stop_reason="allocated",
        device="cpu",
        dtype="float64",
        seed=config.seed,
        var_level=None,
        n_scenarios=int(returns.shape[0]),
        start=_date(returns.index, 0),
        end=_date(returns.index, -1),
        spec=_spec(spec.measure, spec.alpha),
        constraints=constraints,
        config=config,
        certificate_method=CERTIFICATE,
        constraints_report=tuple(constraints_report(bound, weights)),
        reports=Reports(report),
    )
