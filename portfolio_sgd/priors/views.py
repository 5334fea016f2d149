"""Views as text: ``"AAPL == 0.0004"``, ``"AAPL - MSFT == 0.0002"``, or a views CSV.

A view is written in the syntax of the linear constraints
(:mod:`portfolio_sgd.constraints.linear_parse`): a linear expression of tickers, a
comparison, a number. Black-Litterman takes equalities only; entropy pooling also takes
``<=`` and ``>=``. A views file is a CSV with a ``view`` column and, optionally, a
``confidence`` column (Idzorek confidences in (0, 1]).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..constraints.linear_parse import ParsedConstraint, parse_linear
from ..errors import ConfigError, DataError


@dataclass(frozen=True)
class ParsedViews:
    """Views as the rows of a linear system ``P m (sense) q``.

    Attributes
    ----------
    picking : ndarray, shape (K, N)
        ``P``: the coefficient of each ticker in each view.
    targets : ndarray, shape (K,)
        ``q``: each view's right-hand side.
    senses : tuple of str, length K
        ``"=="`` or ``"<="`` (``>=`` flipped to ``<=``).
    texts : tuple of str, length K
        The source strings.
    """

    picking: np.ndarray
    targets: np.ndarray
    senses: tuple[str, ...]
    texts: tuple[str, ...]


def parse_views(
    views: Sequence[str], tickers: Sequence[str], *, equalities_only: bool = False
) -> ParsedViews:
    """Parse view strings over ``tickers`` into ``(P, q)``.

    Raises
    ------
    ConfigError
        A syntax error, an unknown (misspelt) ticker, an inequality where only
        equalities are taken, or no view at all.
    """
    if isinstance(views, str) or not len(views):
        raise ConfigError("views: give a list of view strings, e.g. ['AAPL == 0.0004']")
    names = [str(t) for t in tickers]
    index = {name: i for i, name in enumerate(names)}
    rows = [_parse_view(text, index, equalities_only) for text in views]
    picking = np.zeros((len(rows), len(names)))
    for k, parsed in enumerate(rows):
        for name, coef in parsed.coefs:
            picking[k, index[name]] += coef
    targets = np.array([parsed.rhs for parsed in rows])
    return ParsedViews(picking, targets, tuple(p.sense for p in rows), tuple(views))


def _parse_view(text: str, index: dict[str, int], equalities_only: bool) -> ParsedConstraint:
    """One view, its names checked against the tickers."""
    parsed = parse_linear(text)
    for name, _ in parsed.coefs:
        check_ticker(name, list(index), text)
    if equalities_only and parsed.sense != "==":
        raise ConfigError(f"view {text!r}: Black-Litterman views are equalities (==)")
    return parsed


def check_ticker(name: str, tickers: list[str], text: str) -> None:
    """Raise :class:`ConfigError` naming the closest ticker if ``name`` is not one."""
    if name in tickers:
        return
    close = difflib.get_close_matches(name, tickers, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"view {text!r}: unknown ticker {name!r}{hint}")


def read_views_table(path: str | Path) -> pd.DataFrame:
    """The raw views CSV (strings, lower-case column names) with a ``view`` column.

    Raises
    ------
    DataError
        For an unreadable file, a missing ``view`` column or no row.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"views file {path}: cannot read it ({exc})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "view" not in frame.columns or frame.empty:
        raise DataError(f"views file {path}: needs a 'view' column and at least one row")
    return frame


def read_views_file(path: str | Path) -> tuple[list[str], list[float] | None]:
    """The views and their confidences (or None) of a views CSV.

    The file has a ``view`` column (one view string per row) and an optional
    ``confidence`` column.

    Raises
    ------
    DataError
        For an unreadable file, a missing ``view`` column, an empty file, or a
        confidence that is not a number.
    """
    frame = read_views_table(path)
    views = [v.strip() for v in frame["view"]]
    if "confidence" not in frame.columns:
        return views, None
    values = pd.to_numeric(frame["confidence"].str.strip(), errors="coerce")
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0]) + 2
        raise DataError(f"views file {path}: line {row}: confidence is not a number")
    return views, [float(v) for v in values]


def views_and_confidences(
    views: Sequence[str] | str | Path, confidences: Sequence[float] | None
) -> tuple[list[str], list[float] | None]:
    """Views given as strings, or as one path to a views CSV (whose confidences are used
    unless ``confidences`` is given)."""
    if isinstance(views, Path) or (isinstance(views, str) and Path(views).suffix == ".csv"):
        texts, from_file = read_views_file(views)
        return texts, list(confidences) if confidences is not None else from_file
    if isinstance(views, str):
        views = [views]
    return list(views), None if confidences is None else list(confidences)
