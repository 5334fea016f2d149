"""Risk limits in a backtest: each rebalance's reports and its record line.

``run_backtest(..., limits={"cvar": 0.02})`` (or ``backtest --limit cvar=0.02``) hands the
limits to every ``sgd:`` strategy, whose each rebalance is ``optimize(window, ...,
limits=...)`` warm-started from the drifted holding. :func:`window_reports` gives one
:class:`~portfolio_sgd.results.RiskLimitReport` per limit at the chosen weights (the
solver's own report for a single limit searched by its Lagrangian), :func:`limit_summary`
the record's ``limits`` text, and :func:`at_rebalance` the one-line error naming the
rebalance whose window no portfolio meets the limits on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..limits.limit_reports import limit_reports
from ..measures.limit import RiskLimit
from ..results import OptimizationResult, RiskLimitReport

__all__ = ["at_rebalance", "limit_summary", "window_reports"]


def window_reports(
    result: OptimizationResult, window: pd.DataFrame, limits: Sequence[RiskLimit], alpha: float
) -> tuple[RiskLimitReport, ...]:
    """The reports of ``limits`` at ``result``'s weights on ``window`` (L, N)."""
    if not limits:
        return ()
    if result.risk_limit is not None and len(limits) == 1:
        return (result.risk_limit,)
    stop = "certified" if result.converged else "not certified"
    bound = float(result.objective_value) - float(result.optimality_gap or 0.0)
    return limit_reports(
        window.to_numpy(dtype=np.float64),
        result.weights.to_numpy(dtype=np.float64),
        limits,
        alpha,
        lower_bound=bound,
        stop_reason=stop,
    )


def limit_summary(reports: Sequence[RiskLimitReport]) -> str | None:
    """``"cvar 0.0199 <= 0.02 binds; evar 0.031 <= 0.04"`` (None without limits)."""
    if not reports:
        return None
    return "; ".join(
        f"{r.measure} {r.risk:.6g} <= {r.limit:g}{' binds' if r.binds else ''}" for r in reports
    )


def at_rebalance(err: Exception, strategy: str, date: object) -> ConfigError:
    """One line naming the rebalance (``date``) and ``strategy`` whose window no portfolio
    within the limits exists on, with the solver's own reason."""
    return ConfigError(f"backtest: at the rebalance of {date}, strategy {strategy!r}: {err}")
