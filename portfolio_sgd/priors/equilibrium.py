"""The equilibrium (reverse-optimised) expected returns ``pi = delta * Sigma w``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError


def market_weights(
    weights: Mapping[str, float] | pd.Series | None, tickers: list[str]
) -> np.ndarray:
    """Market weights (N,) in ``tickers`` order, normalised to sum 1 (equal if None).

    Parameters
    ----------
    weights : mapping or Series, optional
        Market weights or capitalisations by ticker, every ticker present, all ``> 0``.

    Raises
    ------
    ConfigError
        For a missing or extra ticker, or a weight that is not finite and positive.
    """
    if weights is None:
        return np.full(len(tickers), 1.0 / len(tickers))
    given = pd.Series(weights, dtype=np.float64)
    missing = [t for t in tickers if t not in given.index]
    extra = [str(t) for t in given.index if t not in tickers]
    if missing or extra:
        what = f"missing {missing[:3]}" if missing else f"unknown tickers {extra[:3]}"
        raise ConfigError(f"market weights: {what}")
    w = given.reindex(tickers).to_numpy()
    if not (np.isfinite(w).all() and (w > 0).all()):
        raise ConfigError("market weights must be finite and positive")
    return w / w.sum()


def equilibrium_mean(
    covariance: np.ndarray, weights: np.ndarray, risk_aversion: float
) -> np.ndarray:
    """``pi = risk_aversion * covariance @ weights`` (N,): the returns under which the
    market portfolio ``weights`` is mean-variance optimal."""
    if not (np.isfinite(risk_aversion) and risk_aversion > 0):
        raise ConfigError(f"risk_aversion must be finite and positive, got {risk_aversion}")
    return risk_aversion * covariance @ weights
