"""Bootstrap error bars of an optimisation (a result record).

Computed by :mod:`portfolio_sgd.solvers.bootstrap`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .noise import NoiseComparison


@dataclass(frozen=True)
class ErrorBars:
    """Bootstrap error bars of an optimisation (one of ``OptimizationResult.reports``).

    Attributes
    ----------
    weights_se, weights_lo, weights_hi, p_held : pandas.Series, shape (N,)
        Standard error, 5% and 95% percentiles of the weights across resamples, and the
        fraction of resamples holding the asset (``w > 1e-4``), by ticker.
    objective, annual_return, annual_volatility : tuple of float
        5-95% intervals of each resample's portfolio on its own resample.
    n_resamples : int
    block_length : float
        Mean block length used (1: i.i.d.).
    resampled : bool
        The reported weights are the resampled (Michaud) average.
    bootstrap_weights : pandas.DataFrame, shape (B, N)
    noise : NoiseComparison, optional
        SGD's stationary spread at the run's batch size next to these standard errors
        (:mod:`portfolio_sgd.solvers.noise_comparison`); None where it does not apply.
    noise_note : str
        Why ``noise`` is None (empty otherwise).
    """

    weights_se: pd.Series
    weights_lo: pd.Series
    weights_hi: pd.Series
    p_held: pd.Series
    objective: tuple[float, float]
    annual_return: tuple[float, float]
    annual_volatility: tuple[float, float]
    n_resamples: int
    block_length: float
    resampled: bool
    bootstrap_weights: pd.DataFrame
    noise: NoiseComparison | None = None
    noise_note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (per-asset values as ticker -> value)."""

        def by_ticker(s: pd.Series) -> dict[str, float]:
            return {str(k): float(v) for k, v in s.items()}

        return {
            "weights_se": by_ticker(self.weights_se),
            "weights_lo": by_ticker(self.weights_lo),
            "weights_hi": by_ticker(self.weights_hi),
            "p_held": by_ticker(self.p_held),
            "objective_interval": list(self.objective),
            "annual_return_interval": list(self.annual_return),
            "annual_volatility_interval": list(self.annual_volatility),
            "n_resamples": self.n_resamples,
            "block_length": self.block_length,
            "resampled": self.resampled,
            "noise": self.noise.to_dict()
            if self.noise is not None
            else {"unavailable": self.noise_note},
        }

    def json_entries(self) -> dict[str, object]:
        """:meth:`to_dict`'s keys at the top of the result's JSON."""
        return self.to_dict()
