"""The prior's part of an optimisation result: :class:`PriorReport`, and :func:`fit_prior`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..data.validation import validate_returns
from ..errors import ConfigError
from .base import Prior, PriorResult


@dataclass(frozen=True)
class PriorReport:
    """Which prior the optimiser used, and what it made of the data.

    Attributes
    ----------
    name : str
        The prior's class name (``BlackLitterman``, ``FactorModel``, ``EntropyPooling``).
    fitted : PriorResult
        Its moments, scenarios and probabilities.
    """

    name: str
    fitted: PriorResult

    def json_entries(self) -> dict[str, object]:
        """``prior``, ``prior_mean`` and ``prior_effective_sample_size`` of the result's JSON."""
        return {
            "prior": self.name,
            "prior_mean": {str(k): float(v) for k, v in self.fitted.mean.items()},
            "prior_effective_sample_size": self.fitted.effective_sample_size,
        }


def fit_prior(prior: Prior, returns: Any) -> PriorReport:
    """Fit ``prior`` to ``returns`` (T, N), a DataFrame whose columns are the tickers.

    Raises
    ------
    ConfigError
        For returns that are not a DataFrame (views name tickers), or a ``prior`` with
        no ``fit``.
    DataError
        For unusable returns.
    """
    if not callable(getattr(prior, "fit", None)):
        raise ConfigError(f"prior must be a prior object (BlackLitterman, ...), got {prior!r}")
    if not isinstance(returns, pd.DataFrame):
        raise ConfigError("a prior needs the returns as a DataFrame whose columns are tickers")
    validate_returns(returns, source="returns")
    return PriorReport(type(prior).__name__, prior.fit(returns))
