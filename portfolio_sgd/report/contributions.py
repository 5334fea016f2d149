"""Risk contributions: the Euler decomposition of a portfolio's risk over its assets.

For a risk measure that is positively homogeneous of degree one in the weights (volatility,
CVaR), Euler's theorem splits it exactly, ``rho(w) = sum_i w_i d rho / d w_i``; each term
``w_i d rho / d w_i`` is asset i's contribution, and the shares ``RC_i / rho`` sum to 1.

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
from ..measures.performance import cvar_and_var

MEASURES = ("volatility", "cvar")


def measure_of(objective: str) -> str:
    """The risk measure a report decomposes for an objective: CVaR objectives use
    ``"cvar"``, every other objective ``"volatility"``."""
    return "cvar" if objective == "cvar" else "volatility"


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
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    tickers = [str(c) for c in returns.columns]
    r = returns.to_numpy(dtype=np.float64)
    w = weights.reindex(returns.columns).to_numpy(dtype=np.float64)
    x = r @ w
    if measure == "volatility":
        centred = r - r.mean(axis=0)
        cov_w = centred.T @ (centred @ w) / (len(r) - 1)  # S w
        risk = math.sqrt(max(float(w @ cov_w), 0.0))
        rc = w * cov_w / risk if risk > 0 else np.zeros_like(w)
    else:
        risk, var = cvar_and_var(-x, alpha)
        tail = _tail_weights(-x, float(var), alpha)
        rc = w * (tail @ -r)
        risk = float(risk)
    labels, m = group_exposures(groups, tickers)
    return RiskContributions(
        measure=measure,
        alpha=float(alpha),
        risk=float(risk),
        by_asset=pd.Series(rc, index=tickers),
        by_group=pd.Series(m.T @ rc, index=labels, dtype=np.float64),
    )


def _tail_weights(losses: np.ndarray, var: float, alpha: float) -> np.ndarray:
    """Scenario weights (T,) of the CVaR's tail mean: ``1 / ((1 - alpha) T)`` on losses
    above the VaR, and the remainder of the tail mass spread over the losses at the VaR."""
    n = len(losses)
    mass = (1.0 - alpha) * n
    above = losses > var
    at = np.isclose(losses, var, rtol=0.0, atol=1e-15) & ~above
    out = np.where(above, 1.0, 0.0)
    rest = mass - above.sum()
    if at.any() and rest > 0:
        out[at] = rest / at.sum()
    return out / mass
