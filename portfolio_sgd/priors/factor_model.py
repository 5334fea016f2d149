"""The factor-model prior: assets regressed on factors, the factor-implied moments.

Each asset's returns are regressed (ordinary least squares, with an intercept) on the
factor returns over their common dates: ``r_t = a + B f_t + e_t``. Then

    mu    = a + B mean(f)
    Sigma = B cov(f) B' + diag(var(e))        (``ddof=1`` throughout)

as in skfolio's ``TimeSeriesFactorModel`` with a ``LinearRegression`` loading matrix.
The bundled factor set is the daily Fama-French 3 factors (``Mkt-RF``, ``SMB``, ``HML``;
``data/README.md`` gives the provenance); any frame of factor returns indexed by date
may be given instead. The optimiser gets the common dates' scenarios moved to these
moments (:mod:`.moment_matching`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.registry import load_dataset
from ..data.validation import MIN_ROWS
from ..errors import ConfigError, DataError
from .base import PriorResult
from .moment_matching import match_moments

BUNDLED_FACTORS = {"ff3": ("ff3-factors-daily", ["Mkt-RF", "SMB", "HML"])}
"""Named factor sets: name -> (bundled dataset, factor columns)."""


@dataclass(frozen=True)
class FactorModel:
    """The factor-model prior.

    Parameters
    ----------
    factors : DataFrame or str, default "ff3"
        Factor returns (T_f, F) indexed by date, or a bundled set's name (``"ff3"``).
    residual_variance : bool, default True
        Add the residuals' variances to the factor covariance (else a rank-F matrix,
        which the engine cannot take as a prior covariance when F < N).
    """

    factors: pd.DataFrame | str = "ff3"
    residual_variance: bool = True

    def fit(self, returns: pd.DataFrame) -> PriorResult:
        """The factor-implied moments of ``returns`` (T, N) over the dates the factors cover."""
        factors = factor_returns(self.factors)
        common = returns.index.intersection(factors.index)
        if len(common) < max(MIN_ROWS, factors.shape[1] + 2):
            raise DataError(
                f"factor model: the factors cover {len(common)} of the {len(returns)} dates "
                f"of the returns (need at least {max(MIN_ROWS, factors.shape[1] + 2)})"
            )
        x = returns.loc[common].to_numpy(dtype=np.float64)
        f = factors.loc[common].to_numpy(dtype=np.float64)
        intercepts, loadings, residuals = regress(x, f)
        mean = intercepts + loadings @ f.mean(axis=0)
        cov = loadings @ np.atleast_2d(np.cov(f, rowvar=False, ddof=1)) @ loadings.T
        if self.residual_variance:
            cov[np.diag_indices_from(cov)] += residuals.var(axis=0, ddof=1)
        tickers = [str(c) for c in returns.columns]
        details = {
            "loadings": pd.DataFrame(loadings, index=tickers, columns=list(factors.columns)),
            "intercepts": pd.Series(intercepts, index=tickers),
            "dates": common,
        }
        return PriorResult(
            mean=pd.Series(mean, index=tickers),
            covariance=pd.DataFrame(cov, index=tickers, columns=tickers),
            returns=match_moments(returns.loc[common], mean, cov),
            details=details,
        )


def factor_returns(factors: pd.DataFrame | str) -> pd.DataFrame:
    """The factor returns (T_f, F) of a frame or of a bundled set's name."""
    if isinstance(factors, str):
        if factors not in BUNDLED_FACTORS:
            raise ConfigError(
                f"unknown factor set {factors!r}; choose one of: {', '.join(BUNDLED_FACTORS)}"
            )
        dataset, columns = BUNDLED_FACTORS[factors]
        return load_dataset(dataset)[columns]
    if not isinstance(factors, pd.DataFrame) or factors.empty:
        raise ConfigError("factors must be a non-empty DataFrame of factor returns indexed by date")
    values = factors.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise DataError("factor returns hold a missing or non-finite value")
    return factors


def regress(x: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS of every column of ``x`` (T, N) on ``f`` (T, F) with an intercept.

    Returns
    -------
    intercepts : ndarray, shape (N,)
    loadings : ndarray, shape (N, F)
    residuals : ndarray, shape (T, N)
    """
    design = np.column_stack([np.ones(len(f)), f])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    return coef[0], coef[1:].T, x - design @ coef
