"""What a prior hands the optimiser: :class:`PriorResult`, and the :class:`Prior` protocol.

A prior turns the sample returns (T, N) into a *return distribution*: a mean (N,), a
covariance (N, N), the scenarios (T, N) the engine optimises over and, for entropy
pooling, scenario probabilities (T,). The engine is scenario-based, so a prior that
changes the moments (Black-Litterman, the factor model) hands it scenarios moved to those
moments (:mod:`.moment_matching`); a prior that re-weights scenarios (entropy pooling)
hands it the sample scenarios and their probabilities, which every measure then uses as
row weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PriorResult:
    """A fitted prior.

    Attributes
    ----------
    mean : Series, shape (N,)
        The prior's (posterior's) expected returns, per period.
    covariance : DataFrame, shape (N, N)
        The prior's (posterior's) covariance.
    returns : DataFrame, shape (T, N)
        The scenarios the optimiser uses.
    probabilities : ndarray, shape (T,), optional
        Scenario probabilities (sum 1); None: equally likely.
    details : dict
        Prior-specific numbers (the views' matrices, loadings, ...).
    """

    mean: pd.Series
    covariance: pd.DataFrame
    returns: pd.DataFrame
    probabilities: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def row_weights(self) -> np.ndarray | None:
        """The probabilities as engine row weights (T,) with mean 1, or None."""
        if self.probabilities is None:
            return None
        return self.probabilities * len(self.probabilities)

    @property
    def effective_sample_size(self) -> float:
        """Kish's ``1 / sum p^2`` of the probabilities (T when equally likely)."""
        if self.probabilities is None:
            return float(len(self.returns))
        return float(1.0 / (self.probabilities @ self.probabilities))


class Prior(Protocol):
    """Something that fits a :class:`PriorResult` to sample returns."""

    def fit(self, returns: pd.DataFrame) -> PriorResult:
        """The prior of ``returns`` (T, N), columns the tickers."""
        ...  # pragma: no cover
