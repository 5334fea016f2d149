"""One :class:`RiskLimitReport` per limit for a point found under several limits at once.

A frontier point or a backtest window solved by
:func:`portfolio_sgd.limits.several.max_return_under_limits` (or by ``optimize(...,
limits=...)``) has no Lagrangian search, so each report carries the limit, the point's
risk evaluated exactly in float64, its slack, whether the limit is active there, and the
solve's proven lower bound, rounds and stop reason; the multiplier and the search's
bracket are NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..measures.limit import RiskLimit
from ..measures.registry import get_measure
from ..results import RiskLimitReport
from .measure import limit_risk

__all__ = ["ACTIVE_SLACK", "limit_reports"]

ACTIVE_SLACK = 1e-6
"""A limit whose risk is within this fraction of its level is reported as binding."""


def limit_reports(
    r: np.ndarray,
    w: np.ndarray,
    limits: Sequence[RiskLimit],
    alpha: float,
    lower_bound: float = float("nan"),
    rounds: int = 0,
    stop_reason: str = "certified",
) -> tuple[RiskLimitReport, ...]:
    """The reports of ``limits`` at weights ``w``.

    Parameters
    ----------
    r : ndarray, shape (T, N)
        The returns the limits are stated on.
    w : ndarray, shape (N,)
    limits : sequence of RiskLimit
    alpha : float
        The level of measures that take one.
    lower_bound : float
        The solve's proven lower bound on its objective (``-mu.w`` for max-return).
    rounds : int
        LPs or rounds the solve took.
    stop_reason : str

    Returns
    -------
    tuple of RiskLimitReport
        ``binds`` is whether the limit is active at ``w`` (its risk within
        :data:`ACTIVE_SLACK` of the level).
    """
    x = (np.asarray(r, dtype=np.float64) @ np.asarray(w, dtype=np.float64))[:, None]
    out = []
    for limit in limits:
        risk = float(limit_risk(limit.measure, x, alpha)[0])
        out.append(
            RiskLimitReport(
                measure=limit.measure,
                limit=limit.level,
                alpha=alpha if get_measure(limit.measure).uses_alpha else None,
                risk=risk,
                slack=limit.level - risk,
                binds=risk >= limit.level * (1.0 - ACTIVE_SLACK),
                multiplier=float("nan"),
                penalty=None,
                penalty_name="",
                bracket=(float("nan"), float("nan")),
                lower_bound=float(lower_bound),
                minimum_risk=None,
                rounds=int(rounds),
                runs=0,
                stop_reason=stop_reason,
            )
        )
    return tuple(out)
