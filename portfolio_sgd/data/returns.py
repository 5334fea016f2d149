"""Prices to returns, date windows and the missing-value policy."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from portfolio_sgd.data._format import date_label, name_list
from portfolio_sgd.data.enums import NanPolicy, ReturnsMethod, coerce_choice
from portfolio_sgd.errors import DataError

__all__ = ["apply_nan_policy", "select_dates", "simple_to_log", "to_returns"]

logger = logging.getLogger("portfolio_sgd.data")


def to_returns(
    prices: pd.DataFrame, method: ReturnsMethod | str = "simple", *, source: str = "prices"
) -> pd.DataFrame:
    """Convert prices to per-period returns.

    Parameters
    ----------
    prices : pandas.DataFrame
        Shape (T, N), rows in date order. NaN prices give NaN returns (no filling).
    method : {"simple", "log"} or ReturnsMethod
        ``simple``: r_t = p_t / p_{t-1} - 1. ``log``: r_t = log(p_t / p_{t-1}).
    source : str
        Name used in error messages (a file name or dataset name).

    Returns
    -------
    pandas.DataFrame
        Shape (T - 1, N), float64: the first row (which has no previous price) is dropped.

    Raises
    ------
    DataError
        If a price is zero, negative or infinite (naming the column and date), or fewer
        than 2 rows.
    """
    method = coerce_choice(ReturnsMethod, method, "returns method")
    if prices.shape[0] < 2:
        raise DataError(
            f"{source}: need at least 2 price rows to compute returns, got {len(prices)}"
        )
    values = prices.to_numpy(dtype=np.float64)
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise DataError(
            f"{source}: column {str(prices.columns[col])!r} has non-finite price "
            f"{values[row, col]} on {date_label(prices.index[row])}; prices must be finite"
        )
    non_positive = values <= 0  # NaN compares False, so missing prices pass
    if non_positive.any():
        row, col = np.argwhere(non_positive)[0]
        when = date_label(prices.index[row])
        raise DataError(
            f"{source}: column {str(prices.columns[col])!r} has non-positive price "
            f"{values[row, col]:g} on {when}; returns need positive prices"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = values[1:] / values[:-1]
        out = np.log(ratio) if method is ReturnsMethod.LOG else ratio - 1.0
    return pd.DataFrame(out, index=prices.index[1:], columns=prices.columns)


def simple_to_log(returns: pd.DataFrame, *, source: str = "returns") -> pd.DataFrame:
    """Convert simple returns to log returns, log(1 + r).

    Parameters
    ----------
    returns : pandas.DataFrame
        Shape (T, N) of simple returns, all > -1 (NaN passes through).

    Raises
    ------
    DataError
        If a return is -100% or below (naming the column and date).
    """
    values = returns.to_numpy(dtype=np.float64)
    bad = values <= -1.0
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"{source}: column {str(returns.columns[col])!r} has return {values[row, col]:g} "
            f"on {date_label(returns.index[row])}; log returns need returns above -1"
        )
    return pd.DataFrame(np.log1p(values), index=returns.index, columns=returns.columns)


def select_dates(
    frame: pd.DataFrame, start=None, end=None, *, source: str = "data"
) -> pd.DataFrame:
    """Keep rows with ``start <= date <= end`` (both inclusive, either optional).

    Parameters
    ----------
    frame : pandas.DataFrame
        Shape (T, N) with a sorted ``DatetimeIndex``.
    start, end : str, datetime-like or None
        Window bounds; strings are parsed by :func:`pandas.Timestamp`.

    Returns
    -------
    pandas.DataFrame
        Shape (T', N), T' <= T.

    Raises
    ------
    DataError
        Unparseable bound, ``start > end``, or no row inside the window.
    """
    lo = _timestamp(start, "start")
    hi = _timestamp(end, "end")
    if lo is None and hi is None:
        return frame
    if lo is not None and hi is not None and lo > hi:
        raise DataError(f"start {date_label(lo)} is after end {date_label(hi)}")
    mask = np.ones(len(frame), dtype=bool)
    if lo is not None:
        mask &= frame.index >= lo
    if hi is not None:
        mask &= frame.index <= hi
    if not mask.any():
        have = (
            f"{date_label(frame.index[0])}..{date_label(frame.index[-1])}" if len(frame) else "none"
        )
        want = f"{date_label(lo) if lo is not None else '...'}..{date_label(hi) if hi is not None else '...'}"
        raise DataError(f"{source}: no rows between {want} (data covers {have})")
    return frame.loc[mask]


def apply_nan_policy(
    frame: pd.DataFrame, policy: NanPolicy | str = "drop-assets", *, source: str = "data"
) -> pd.DataFrame:
    """Remove or reject missing values.

    Rows where every asset is missing (a holiday of every exchange) are always dropped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Shape (T, N) of prices or returns over the chosen window.
    policy : {"drop-assets", "drop-rows", "raise"} or NanPolicy
        ``drop-assets``: drop every asset with a missing value in the window (its history
        does not cover it), with a WARNING naming them. ``drop-rows``: drop every date
        where some asset is missing (WARNING with the count). ``raise``: DataError naming
        the first asset with a gap and the date of its first missing value.

    Returns
    -------
    pandas.DataFrame
        Shape (T', N'), no NaN.
    """
    policy = coerce_choice(NanPolicy, policy, "nan policy")
    missing = frame.isna()
    if not missing.to_numpy().any():
        return frame
    empty_rows = missing.all(axis=1).to_numpy()
    if empty_rows.any() and not empty_rows.all():
        logger.info("%s: dropped %d dates with no values at all", source, int(empty_rows.sum()))
        frame, missing = frame.loc[~empty_rows], missing.loc[~empty_rows]
        if not missing.to_numpy().any():
            return frame
    counts = missing.sum(axis=0)
    if policy is NanPolicy.RAISE:
        column = counts.index[int(np.argmax(counts.to_numpy() > 0))]
        first = date_label(frame.index[int(np.argmax(missing[column].to_numpy()))])
        raise DataError(
            f"{source}: column {str(column)!r} has {int(counts[column])} missing values "
            f"(first on {first}); use nan_policy 'drop-assets' or 'drop-rows'"
        )
    if policy is NanPolicy.DROP_ROWS:
        keep = ~missing.any(axis=1).to_numpy()
        logger.warning(
            "%s: dropped %d of %d dates with missing values (nan_policy 'drop-rows')",
            source,
            int((~keep).sum()),
            len(keep),
        )
        return frame.loc[keep]
    dropped = [str(c) for c in counts.index[counts.to_numpy() > 0]]
    shown = name_list(dropped)
    window = (
        f"{date_label(frame.index[0])}..{date_label(frame.index[-1])}" if len(frame) else "(empty)"
    )
    logger.warning(
        "%s: dropped %d of %d assets whose history does not cover %s: %s",
        source,
        len(dropped),
        frame.shape[1],
        window,
        shown,
    )
    return frame.loc[:, counts.to_numpy() == 0]


def _timestamp(value, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot parse {what} date {value!r}") from exc
    if stamp is pd.NaT:
        raise DataError(f"cannot parse {what} date {value!r}")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
