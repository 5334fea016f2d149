"""Black-Litterman: an equilibrium prior blended with views into a posterior.

With the prior mean ``pi`` (N,), the prior covariance ``Sigma`` (N, N) (the sample
covariance, ``ddof=1``), views ``P m = q`` (K views) and their uncertainty ``Omega``:

    mu_post    = pi + tau Sigma P' (P tau Sigma P' + Omega)^{-1} (q - P pi) + r_f
    Sigma_post = (1 + tau) Sigma - tau Sigma P' (P tau Sigma P' + Omega)^{-1} P tau Sigma

``Omega`` is ``diag(tau P Sigma P')`` (He and Litterman) or, with Idzorek confidences
``c_k`` in (0, 1], ``diag(tau (1/c_k - 1) P_k Sigma P_k')`` (Walters' closed form). These
are the conventions of skfolio's ``BlackLitterman`` and PyPortfolioOpt's
``BlackLittermanModel`` (the tests check both to 1e-10). The prior mean is the
equilibrium ``pi = delta Sigma w`` of the market weights ``w`` (equal weights by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .base import PriorResult
from .equilibrium import equilibrium_mean, market_weights
from .moment_matching import match_moments
from .views import ParsedViews, parse_views, views_and_confidences


@dataclass(frozen=True)
class BlackLitterman:
    """The Black-Litterman prior.

    Parameters
    ----------
    views : sequence of str, str or Path
        Equality views, e.g. ``["AAPL == 0.0004", "AAPL - MSFT == 0.0002"]`` (per-period
        returns), or the path of a views CSV (columns ``view``, ``confidence``).
    tau : float, default 0.05
        Scale of the uncertainty of the prior mean, ``> 0``.
    view_confidences : sequence of float, optional
        Idzorek confidences in (0, 1], one per view (1: the view holds exactly).
    market_weights : mapping or Series, optional
        Market weights or capitalisations by ticker; None: equal weights.
    risk_aversion : float, default 1.0
        ``delta`` of the equilibrium mean.
    risk_free_rate : float, default 0.0
        Added to the posterior mean (skfolio's convention).
    """

    views: Sequence[str] | str | Path
    tau: float = 0.05
    view_confidences: Sequence[float] | None = None
    market_weights: Mapping[str, float] | pd.Series | None = None
    risk_aversion: float = 1.0
    risk_free_rate: float = 0.0

    def fit(self, returns: pd.DataFrame) -> PriorResult:
        """The posterior of ``returns`` (T, N), with scenarios moved to its moments."""
        if not (np.isfinite(self.tau) and self.tau > 0):
            raise ConfigError(f"Black-Litterman tau must be finite and positive, got {self.tau}")
        tickers = [str(c) for c in returns.columns]
        texts, confidences = views_and_confidences(self.views, self.view_confidences)
        parsed = parse_views(texts, tickers, equalities_only=True)
        sigma = np.cov(returns.to_numpy(dtype=np.float64), rowvar=False, ddof=1)
        weights = market_weights(self.market_weights, tickers)
        prior_mean = equilibrium_mean(sigma, weights, self.risk_aversion)
        omega = view_uncertainty(parsed, sigma, self.tau, confidences)
        mean, cov = posterior(prior_mean, sigma, parsed, omega, self.tau)
        mean = mean + self.risk_free_rate
        details = {
            "prior_mean": pd.Series(prior_mean, index=tickers),
            "picking": parsed.picking,
            "targets": parsed.targets,
            "omega": omega,
            "views": parsed.texts,
        }
        return PriorResult(
            mean=pd.Series(mean, index=tickers),
            covariance=pd.DataFrame(cov, index=tickers, columns=tickers),
            returns=match_moments(returns, mean, cov),
            details=details,
        )


def view_uncertainty(
    views: ParsedViews, sigma: np.ndarray, tau: float, confidences: Sequence[float] | None
) -> np.ndarray:
    """``Omega`` (K, K): He-Litterman's ``diag(tau P Sigma P')``, or Idzorek's with
    ``confidences`` (K,) in (0, 1].

    Raises
    ------
    ConfigError
        For a count of confidences other than K, or one outside (0, 1].
    """
    spread = np.einsum("kn,nm,km->k", views.picking, sigma, views.picking) * tau
    if confidences is None:
        return np.diag(spread)
    conf = np.asarray(confidences, dtype=np.float64)
    if conf.shape != spread.shape:
        raise ConfigError(f"{conf.size} view confidences for {spread.size} views")
    bad = ~(np.isfinite(conf) & (conf > 0) & (conf <= 1))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"view {views.texts[k]!r}: confidence {conf[k]} is not in (0, 1] "
            "(a view held with no confidence is no view: drop it)"
        )
    return np.diag(spread * (1.0 / conf - 1.0))


def posterior(
    prior_mean: np.ndarray, sigma: np.ndarray, views: ParsedViews, omega: np.ndarray, tau: float
) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mean (N,) and covariance (N, N) (linear solves, no inverse).

    Raises
    ------
    ConfigError
        Where ``P tau Sigma P' + Omega`` is singular: redundant or contradictory views
        held with full confidence.
    """
    p = views.picking
    v = tau * sigma @ p.T
    a = p @ v + omega
    try:
        gain = np.linalg.solve(a, np.column_stack([views.targets - p @ prior_mean, v.T]))
    except np.linalg.LinAlgError:
        raise ConfigError(
            "Black-Litterman views are redundant or contradictory (a singular view system): "
            "remove a duplicate view or lower a confidence below 1"
        ) from None
    mean = prior_mean + v @ gain[:, 0]
    cov = sigma + tau * sigma - v @ gain[:, 1:]
    return mean, cov
