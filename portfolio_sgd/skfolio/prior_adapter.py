"""A prior for the skfolio estimators' ``prior_estimator``: ours, or skfolio's own.

``SGDMeanRisk(prior_estimator=...)`` takes a portfolio-sgd prior
(:class:`~portfolio_sgd.priors.BlackLitterman`, ``FactorModel``, ``EntropyPooling``) as it
is, or a skfolio prior estimator (``skfolio.prior.BlackLitterman``, ``EntropyPooling``,
``EmpiricalPrior``, ...), wrapped by :class:`SkfolioPrior`: its fitted return distribution
becomes our :class:`~portfolio_sgd.priors.PriorResult` (scenarios moved to its mean and
covariance, or its sample weights as scenario probabilities).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..priors import Prior, PriorResult
from ..priors.moment_matching import match_moments


@dataclass(frozen=True)
class SkfolioPrior:
    """A skfolio prior estimator as a portfolio-sgd prior.

    Parameters
    ----------
    estimator : skfolio BasePrior
        Cloned and fitted on each :meth:`fit`.
    """

    estimator: Any

    def fit(self, returns: pd.DataFrame) -> PriorResult:
        """The skfolio prior's distribution of ``returns`` (T, N).

        With sample weights (entropy pooling, opinion pooling) the scenarios keep their
        values and take the weights as probabilities; otherwise they are moved to the
        prior's mean and covariance.
        """
        fitted = clone(self.estimator).fit(returns)
        dist = fitted.return_distribution_
        tickers = list(returns.columns)
        mean = pd.Series(np.asarray(dist.mu, dtype=float), index=tickers)
        cov = pd.DataFrame(np.asarray(dist.covariance, dtype=float), index=tickers, columns=tickers)
        weights = getattr(dist, "sample_weight", None)
        if weights is not None:
            p = np.asarray(weights, dtype=float)
            frame = pd.DataFrame(np.asarray(dist.returns), index=returns.index, columns=tickers)
            return PriorResult(mean, cov, frame, probabilities=p / p.sum())
        return PriorResult(mean, cov, match_moments(returns, mean.to_numpy(), cov.to_numpy()))


def as_prior(prior_estimator: Any) -> Prior | None:
    """Our prior for a ``prior_estimator``: None, ours as is, or a skfolio one wrapped."""
    if prior_estimator is None:
        return None
    if hasattr(prior_estimator, "get_params") and hasattr(prior_estimator, "fit"):
        return SkfolioPrior(prior_estimator)
    return prior_estimator
