"""Risk contributions: the Euler decomposition of a portfolio's risk over its assets.

For a risk measure that is positively homogeneous of degree one in the weights (volatility,
CVaR), Euler's theorem splits it exactly, ``rho(w) = sum_i w_i d rho / d w_i``; each term
``w_i d rho / d w_i`` is asset i's contribution, and the shares ``RC_i / rho`` sum to 1.

Each measure gives its own (:meth:`portfolio_sgd.measures.base.RiskMeasure.contributions`):

- **volatility** ``sigma(w) = sqrt(w' S w)`` (S the sample covariance, ``ddof = 1``):
  ``RC_i = w_i (S w)_i / sigma``; the share is ``w_i (S w)_i / w' S w``, the variance share.
- **CVaR** at ``alpha`` of the losses ``-x``, ``x = R w``: with the historical estimator
  (the mean of the worst ``ceil((1 - alpha) T)`` losses, :func:`portfolio_sgd.measures.performance.cvar`),
  ``RC_i = w_i * mean over the tail scenarios of (-r_ti)``.

Group contributions are ``M' RC`` for the exposure matrix ``M`` (N, G) of
:func:`portfolio_sgd.constraints.groups.group_exposures` (fractional memberships split an
asset's contribution across its groups).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..constraints.groups import group_exposures
from ..measures.registry import get_measure, measure_names
from ..objectives.registry import canonical_name, objective_class

DEFAULT_MEASURE = "volatility"
"""The measure decomposed for an objective whose own measure has no decomposition."""


def decomposable_measures() -> list[str]:
    """The registered measures with an Euler risk decomposition."""
    return [name for name in measure_names() if get_measure(name).decomposes]


def measure_of(objective: str) -> str:
    """The risk measure a report decomposes for an objective: the measure on its frontier's
    risk axis where that decomposes (CVaR for CVaR objectives), else volatility."""
    name = canonical_name(objective)
    axis = objective_class(name).frontier_measure if name is not None else None
    return axis if axis is not None and get_measure(axis).decomposes else DEFAULT_MEASURE


@dataclass(frozen=True)
class RiskContributions:
    """Each asset's (and group's) share of the portfolio's risk.

    Attributes
    ----------
    measure : str
        ``"volatility"`` or ``"cvar"``.
    alpha : float
        CVaR level (used with ``"cvar"``).
    risk : float
        The portfolio's risk: daily volatility, or daily CVaR.
    by_asset : pandas.Series, shape (N,)
        Contributions ``RC_i`` in the units of ``risk`` (they sum to ``risk``).
    by_group : pandas.Series, shape (G,)
        ``M' RC`` (empty without groups).
    """

    measure: str
    alpha: float
    risk: float
    by_asset: pd.Series
    by_group: pd.Series

    @property
    def shares(self) -> pd.Series:
        """``RC_i / risk``: the fractions of the risk (sum 1)."""
        return self.by_asset / self.risk if self.risk else self.by_asset * math.nan

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "measure": self.measure,
            "alpha": self.alpha,
            "risk": self.risk,
            "by_asset": {str(k): float(v) for k, v in self.by_asset.items()},
            "by_group": {str(k): float(v) for k, v in self.by_group.items()},
        }


def risk_contributions(
    returns: pd.DataFrame,
    weights: pd.Series,
    measure: str = "volatility",
    alpha: float = 0.95,
    groups: object = None,
) -> RiskContributions:
    """The Euler risk contributions of ``weights`` on ``returns``.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    weights : Series, shape (N,)
        Indexed by the tickers of ``returns``.
    measure : {"volatility", "cvar"}
    alpha : float
        CVaR level.
    groups : GroupsForm, optional
        The canonical groups of :class:`~portfolio_sgd.constraints.Constraints`.

    Returns
    -------
    RiskContributions
    """
    record = get_measure(measure)
    if not record.decomposes:
        raise ValueError(f"measure must be one of {decomposable_measures()}, got {measure!r}")
    tickers = [str(c) for c in returns.columns]
    w = weights.reindex(returns.columns).to_numpy(dtype=np.float64)
    risk, rc = record.contributions(returns.to_numpy(dtype=np.float64), w, alpha)
    labels, m = group_exposures(groups, tickers)
    return RiskContributions(
        measure=record.name,
        alpha=float(alpha),
        risk=float(risk),
        by_asset=pd.Series(rc, index=tickers),
        by_group=pd.Series(m.T @ rc, index=labels, dtype=np.float64),
    )
