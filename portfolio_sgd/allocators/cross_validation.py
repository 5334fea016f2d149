"""NCO's cross-validation: the folds whose out-of-sample inner returns feed the outer problem.

``cv`` is skfolio's ``NestedClustersOptimization(cv=...)``:

* ``None`` (the default): 5-fold ``KFold`` without shuffling;
* an int ``k >= 2``: ``k``-fold ``KFold`` without shuffling (consecutive folds, the first
  ``T % k`` one row longer, as scikit-learn's and ``np.array_split``);
* ``"ignore"``: no cross-validation (the outer problem sees the in-sample returns);
* a splitter (any object with ``split(X)`` yielding ``(train, test)``, e.g. scikit-learn's
  ``KFold``, ``TimeSeriesSplit`` or skfolio's ``WalkForward``), called on the returns.

As in skfolio's ``cross_val_predict``, the folds must not be shuffled (each test fold
ascending), no row may be tested twice, and the folds are taken in the order of their
first test row. The out-of-sample rows are the tested rows, ascending (rows no fold tests,
e.g. ``TimeSeriesSplit``'s first, are left out). skfolio's combinatorial splitters
(``CombinatorialPurgedCV``: several paths, then a quantile) are refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError

DEFAULT_FOLDS = 5
"""skfolio's (and scikit-learn's) default number of folds."""

Fold = tuple[np.ndarray, np.ndarray]
"""``(train rows, test rows)``, integer positions."""


def check_cv(cv: object) -> object:
    """``cv`` checked (module docstring); returned as given.

    Raises
    ------
    ConfigError
        For anything but None, ``"ignore"``, an int >= 2, or a non-combinatorial splitter.
    """
    if cv is None or (isinstance(cv, str) and cv == "ignore"):
        return cv
    if isinstance(cv, bool | str | float):
        raise ConfigError(f"cv must be None, 'ignore', an int >= 2 or a splitter, got {cv!r}")
    if isinstance(cv, int | np.integer):
        if int(cv) < 2:
            raise ConfigError(f"cv must be at least 2 folds, got {cv!r}")
        return int(cv)
    if not callable(getattr(cv, "split", None)):
        raise ConfigError(f"cv must be None, 'ignore', an int >= 2 or a splitter, got {cv!r}")
    if callable(getattr(cv, "get_path_ids", None)):
        raise ConfigError("combinatorial cross-validation (several paths) is not supported")
    return cv


def is_ignored(cv: object) -> bool:
    """Whether ``cv`` is ``"ignore"`` (in-sample outer returns)."""
    return isinstance(cv, str) and cv == "ignore"


def cv_folds(cv: object, returns: pd.DataFrame) -> list[Fold]:
    """The folds of ``cv`` on ``returns`` (T, N), in the order of their first test row.

    Raises
    ------
    ConfigError
        For no folds, a shuffled splitter or fold, or a row tested twice.
    """
    n_rows = returns.shape[0]
    if cv is None or isinstance(cv, int | np.integer):
        k = DEFAULT_FOLDS if cv is None else int(cv)
        if k > n_rows:
            raise ConfigError(f"cv={k} folds need at least {k} rows, got {n_rows}")
        rows = np.arange(n_rows)
        return [(np.setdiff1d(rows, test), test) for test in np.array_split(rows, k)]
    if getattr(cv, "shuffle", False):
        raise ConfigError("cv must not shuffle (out-of-sample returns keep their order)")
    folds = [
        (np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64))
        for tr, te, *_ in cv.split(returns)
    ]
    if not folds:
        raise ConfigError("cv produced no folds")
    if any(np.any(np.diff(test) <= 0) for _, test in folds):
        raise ConfigError("cv's test folds must be ascending (not shuffled)")
    tested = np.concatenate([test for _, test in folds])
    if np.unique(tested).size != tested.size:
        raise ConfigError("cv tests a row twice: out-of-sample returns need disjoint folds")
    return sorted(folds, key=lambda fold: int(fold[1][0]))


def tested_rows(folds: list[Fold]) -> np.ndarray:
    """The rows (ascending) that some fold tests."""
    return np.sort(np.concatenate([test for _, test in folds]))
