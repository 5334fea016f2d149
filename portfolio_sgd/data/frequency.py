"""Sampling frequency of a dated index (for annualisation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TRADING_DAYS = 252


def periods_per_year(index: pd.Index | None, default: int = TRADING_DAYS) -> int:
    """Observations per year inferred from the median spacing of a DatetimeIndex.

    Returns 252 for daily, 52 for weekly, 12 for monthly, 4 for quarterly and 1 for
    yearly data; ``default`` when the index is not dated or too short.

    Parameters
    ----------
    index : pandas.Index or None
    default : int
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return default
    stamps = index.values.astype("datetime64[ns]").astype(np.int64)  # any unit -> ns
    days = float(np.median(np.diff(stamps)) / 86_400e9)
    if days <= 4:
        return TRADING_DAYS
    if days <= 10:
        return 52
    if days <= 45:
        return 12
    if days <= 120:
        return 4
    return 1
