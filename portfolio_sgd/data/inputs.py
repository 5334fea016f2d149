"""The one validation of user inputs shared by the Python API and the CLI.

:func:`validate_returns_input` accepts what :func:`portfolio_sgd.optimize` accepts (a
DataFrame, a NumPy array or a torch tensor) and applies the same checks as the CLI's
loader (:func:`portfolio_sgd.data.validation.check_return_values` is the single
implementation), with the same one-line :class:`~portfolio_sgd.errors.DataError`
messages. :func:`align_benchmark` and :func:`validate_init_weights` check the two other
inputs of an optimisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from portfolio_sgd.data._format import date_label, one_line
from portfolio_sgd.data.parsing import resolve_dtype, to_float_frame
from portfolio_sgd.data.validation import MIN_ROWS, check_return_values, check_shape
from portfolio_sgd.errors import ConfigError, DataError

__all__ = ["MIN_ROWS", "align_benchmark", "validate_init_weights", "validate_returns_input"]


def validate_returns_input(
    returns: Any,
    *,
    dtype: str | np.dtype | None = "float64",
    min_rows: int = MIN_ROWS,
    source: str = "returns",
) -> tuple[Any, list[str], pd.Index | None]:
    """Check a returns matrix given to the API and return its values, tickers and index.

    Parameters
    ----------
    returns : pandas.DataFrame, numpy.ndarray (or array-like) or torch.Tensor
        Shape (T, N) simple returns. DataFrame columns are the tickers (turned into
        ``str``); its index labels the rows (dates). Object, integer and categorical
        columns are converted when every cell is a number; a text or boolean cell is an
        error naming its column and row. A tensor is checked where it is (GPU included)
        with per-column reductions only, and returned unchanged (no host copy).
    dtype : {"float64", "float32"} or None
        Value type of the returned NumPy array (tensors keep theirs). None keeps a float
        input's dtype (float64 otherwise).
    min_rows : int
        Least number of rows T accepted (the CLI's :data:`MIN_ROWS` by default).
    source : str
        Name that starts every error message.

    Returns
    -------
    values : numpy.ndarray or torch.Tensor
        Shape (T, N), finite, within +-:data:`~portfolio_sgd.data.validation.MAX_ABS_RETURN`,
        no simple return below -1, no constant column. A NumPy result is writeable.
    tickers : list of str
        N unique names (``asset_0`` ... for arrays and tensors).
    index : pandas.Index or None
        The T row labels of a DataFrame (unique and increasing), else None.

    Raises
    ------
    DataError
        One line naming ``source`` and the column/row at fault: not 2-D, empty, duplicate
        tickers, fewer than 2 assets or ``min_rows`` rows, a non-numeric cell, duplicate
        or unsorted dates, NaN/inf, an out-of-range value, a return below -1, a constant
        column.
    """
    target = None if dtype is None else resolve_dtype(dtype)
    if _is_tensor(returns):
        return _check_tensor(returns, min_rows, source)
    if isinstance(returns, pd.Series):
        raise DataError(f"{source}: expected a 2-D table (T, N), got a Series (one asset)")
    if isinstance(returns, pd.DataFrame):
        tickers = [str(c) for c in returns.columns]
        index: pd.Index | None = returns.index
        if isinstance(index, pd.MultiIndex):
            raise DataError(f"{source}: a MultiIndex on the rows is not supported")
        check_shape(returns.shape, tickers, source=source, min_rows=min_rows)
        values = _frame_values(returns, source, target)
    else:
        try:
            array = np.asarray(returns)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{source}: not a numeric table: {one_line(exc)}") from exc
        if array.ndim != 2:
            raise DataError(f"{source}: returns must be 2-D (T, N), got shape {array.shape}")
        tickers = [f"asset_{i}" for i in range(array.shape[1])]
        index = None
        check_shape(array.shape, tickers, source=source, min_rows=min_rows)
        values = _array_values(array, source, target)
    # checked before the copy: a frame's block is column-major, where the per-column
    # minima and maxima are contiguous passes (3-4x faster than on the row-major copy)
    check_return_values(values, tickers, index, source=source, min_rows=min_rows)
    if not values.flags.writeable:
        values = values.copy()
    return values, tickers, index


def _is_tensor(value: Any) -> bool:
    module = type(value).__module__
    if not module.startswith("torch"):
        return False
    return isinstance(value, torch.Tensor)


def _check_tensor(returns: Any, min_rows: int, source: str) -> tuple[Any, list[str], None]:
    if returns.ndim != 2 or not returns.is_floating_point():
        raise DataError(
            f"{source}: returns must be a 2-D float tensor (T, N), got shape "
            f"{tuple(returns.shape)} {returns.dtype}"
        )
    tickers = [f"asset_{i}" for i in range(returns.shape[1])]
    check_return_values(returns.detach(), tickers, None, source=source, min_rows=min_rows)
    return returns, tickers, None


def _frame_values(frame: pd.DataFrame, source: str, target: str | None) -> np.ndarray:
    """(T, N) float array of a DataFrame, naming the first non-numeric cell."""
    plain = frame.set_axis(range(frame.shape[1]), axis=1)
    kinds = [getattr(dt, "kind", "O") for dt in plain.dtypes]
    floats = [k == "f" for k in kinds]
    if target is None:
        same = all(floats) and len({str(dt) for dt in plain.dtypes}) == 1
        target = str(plain.dtypes.iloc[0]) if same else "float64"
        target = target if target in ("float64", "float32") else "float64"
    if all(k in "fiu" for k in kinds):
        return _writeable_view(plain.to_numpy(dtype=target, copy=False))
    for name, kind, dt in zip(frame.columns, kinds, plain.dtypes, strict=True):
        if kind in "bcmM":
            raise DataError(f"{source}: column {str(name)!r} is not numeric (dtype {dt})")
    named = plain.set_axis([str(c) for c in frame.columns], axis=1)
    return to_float_frame(named, source, target).to_numpy()


def _writeable_view(array: np.ndarray) -> np.ndarray:
    """``array`` (T, N) as a writeable view when it is C-ordered, else as it is.

    pandas (copy-on-write) hands out read-only views of a frame's block; a C-ordered one
    is used as it is (the engine never writes to the returns), so a frame read from a
    file reaches the engine without a copy. Other layouts are copied to C order later.
    """
    if array.flags.writeable or not array.flags.c_contiguous:
        return array
    view = array.view()
    try:
        view.flags.writeable = True
    except ValueError:  # memory that is truly read-only (e.g. a read-only buffer)
        return array
    return view


def _array_values(array: np.ndarray, source: str, target: str | None) -> np.ndarray:
    kind = array.dtype.kind
    if target is None:
        target = array.dtype.name if array.dtype.name in ("float64", "float32") else "float64"
    if kind in "fiu":
        return array.astype(target, copy=False)
    if kind in "OUS":
        frame = pd.DataFrame(array, columns=[f"asset_{i}" for i in range(array.shape[1])])
        return to_float_frame(frame, source, target).to_numpy()
    raise DataError(f"{source}: returns must be numeric, got dtype {array.dtype}")


def align_benchmark(
    benchmark: pd.Series | pd.DataFrame | np.ndarray | Sequence[float],
    index: pd.Index | None,
    n_rows: int,
    *,
    source: str = "benchmark",
) -> np.ndarray:
    """Benchmark returns aligned on the rows of the returns.

    Parameters
    ----------
    benchmark : pandas.Series, one-column DataFrame, or array-like of shape (T,)
        Simple returns of the benchmark. A Series with an index is matched by label on
        ``index`` (it may have extra dates); anything else must have exactly ``n_rows``
        values in the order of the returns.
    index : pandas.Index or None
        The T row labels of the returns (None for unlabelled arrays).
    n_rows : int
        T, the number of return rows.
    source : str
        Name that starts every error message.

    Returns
    -------
    numpy.ndarray
        Shape (T,), float64, finite.

    Raises
    ------
    DataError
        Several columns, missing dates (counted, the first named), a wrong length, a
        non-numeric or non-finite value.
    """
    if isinstance(benchmark, pd.DataFrame):
        if benchmark.shape[1] != 1:
            raise DataError(f"{source}: must be a single series, got {benchmark.shape[1]} columns")
        benchmark = benchmark.iloc[:, 0]
    if isinstance(benchmark, pd.Series) and index is not None:
        missing = index.difference(benchmark.index)
        if len(missing) > 0:
            raise DataError(
                f"{source}: no value on {len(missing)} of the {len(index)} return dates, "
                f"first {date_label(missing[0])}"
            )
        if benchmark.index.duplicated().any():
            first = benchmark.index[benchmark.index.duplicated()][0]
            raise DataError(f"{source}: duplicate date {date_label(first)}")
        benchmark = benchmark.reindex(index)
    try:
        values = np.asarray(benchmark, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{source}: not numeric: {one_line(exc)}") from exc
    if values.shape[0] != n_rows:
        raise DataError(f"{source}: has {values.shape[0]} rows, the returns {n_rows}")
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        where = date_label(index[i]) if index is not None else f"row {i}"
        raise DataError(f"{source}: non-finite value {values[i]} on {where}")
    return values


def validate_init_weights(
    init: pd.Series | np.ndarray | Sequence[float] | None, tickers: Sequence[str]
) -> np.ndarray | None:
    """Initial weights as a float64 array in the order of ``tickers``.

    Parameters
    ----------
    init : pandas.Series (indexed by ticker), array-like of shape (N,), or None
        Warm-start weights. A Series is matched by ticker (extra tickers are an error).
    tickers : sequence of str
        The N tickers of the returns.

    Returns
    -------
    numpy.ndarray or None
        Shape (N,), float64, finite; None when ``init`` is None.

    Raises
    ------
    ConfigError
        Wrong length (naming the expected N), missing or unknown tickers, non-numeric or
        non-finite values.
    """
    if init is None:
        return None
    n = len(tickers)
    if isinstance(init, pd.Series):
        names = [str(t) for t in init.index]
        missing = [t for t in tickers if t not in names]
        extra = [t for t in names if t not in set(tickers)]
        if missing or extra or len(names) != len(set(names)):
            detail = f"missing {', '.join(missing[:5])}" if missing else f"unknown {extra[:5]}"
            if not missing and not extra:
                detail = "duplicate tickers"
            raise ConfigError(f"init_weights must be indexed by the {n} tickers: {detail}")
        init = init.set_axis(names).reindex(list(tickers))
    try:
        values = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"init_weights must be numeric: {one_line(exc)}") from exc
    if values.ndim != 1 or values.shape[0] != n:
        raise ConfigError(
            f"init_weights must have shape ({n},), one weight per asset, got {values.shape}"
        )
    if not np.isfinite(values).all():
        i = int(np.argmax(~np.isfinite(values)))
        raise ConfigError(f"init_weights has non-finite value {values[i]} for {tickers[i]!r}")
    return values
