"""Group memberships of assets (sectors, asset classes), possibly fractional.

``groups`` is given as

- a mapping from asset to one label, a list of labels (membership 1 each) or a mapping
  ``label -> membership``;
- a :class:`pandas.DataFrame` of memberships, assets (index) x labels (columns), which
  may be fractional (``0.6`` Tech, ``0.4`` Communication);
- a CSV file (:func:`read_groups`): wide (first column the asset, one column per label
  holding memberships) or long (two columns ``asset,group``, one row per membership).

:func:`normalize_groups` turns any of these into one hashable canonical form (a tuple of
``(asset, ((label, membership), ...))``) kept by :class:`~portfolio_sgd.constraints.Constraints`;
:func:`group_exposures` gives the ``(N, G)`` exposure matrix for the tickers of a panel,
so that a label in a linear constraint stands for ``sum_i M[i, g] w_i``.
"""

from __future__ import annotations

import difflib
import math
import numbers
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, PortfolioSGDWarning

__all__ = [
    "GroupsForm",
    "check_members",
    "group_exposures",
    "groups_to_dict",
    "normalize_groups",
    "read_groups",
]

GroupsForm = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


def _membership(asset: str, label: Any, value: Any) -> tuple[str, float]:
    """One ``(label, membership)`` pair, checked."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(
            f"groups: membership of {asset!r} in {label!r} is not a number: {value!r}"
        )
    if not math.isfinite(float(value)) or float(value) < 0:
        raise ConfigError(
            f"groups: membership of {asset!r} in {label!r} must be finite and >= 0, got {value!r}"
        )
    return str(label), float(value)


def _labels_of(asset: str, spec: Any) -> tuple[tuple[str, float], ...]:
    """The memberships of one asset from a label, a list of labels or a label mapping."""
    if spec is None:
        return ()
    if isinstance(spec, str):
        pairs = [(spec, 1.0)]
    elif isinstance(spec, Mapping):
        pairs = [_membership(asset, k, v) for k, v in spec.items()]
    elif isinstance(spec, list | tuple):
        pairs = []
        for item in spec:
            if isinstance(item, str):
                pairs.append((item, 1.0))
            elif isinstance(item, list | tuple) and len(item) == 2:
                pairs.append(_membership(asset, item[0], item[1]))
            else:
                raise ConfigError(f"groups: bad label {item!r} for asset {asset!r}")
    else:
        raise ConfigError(
            f"groups: asset {asset!r} needs a label, a list of labels or a mapping, got {spec!r}"
        )
    merged: dict[str, float] = {}
    for label, value in pairs:
        if not label.strip():
            raise ConfigError(f"groups: empty label for asset {asset!r}")
        merged[label.strip()] = merged.get(label.strip(), 0.0) + value
    return tuple((k, v) for k, v in merged.items() if v != 0.0)


def normalize_groups(groups: Any) -> GroupsForm | None:
    """The canonical, hashable form of ``groups`` (None stays None).

    Parameters
    ----------
    groups : mapping, DataFrame, sequence of (asset, labels) pairs, or None

    Returns
    -------
    tuple of (asset, ((label, membership), ...)) or None
        Assets in input order; zero memberships dropped.

    Raises
    ------
    ConfigError
        Bad memberships (not finite, negative, not numbers), a duplicate asset, an empty
        label, or a label that is also an asset's name.
    """
    if groups is None:
        return None
    if isinstance(groups, pd.DataFrame):
        items: list[tuple[Any, Any]] = [
            (asset, {str(c): float(v) for c, v in row.items() if pd.notna(v) and v != 0})
            for asset, row in groups.iterrows()
        ]
    elif isinstance(groups, Mapping):
        items = list(groups.items())
    elif isinstance(groups, list | tuple):
        items = [tuple(item) for item in groups]  # type: ignore[misc]
    else:
        raise ConfigError(f"groups must be a mapping or a DataFrame, got {type(groups).__name__}")
    out: list[tuple[str, tuple[tuple[str, float], ...]]] = []
    seen: set[str] = set()
    for entry in items:
        if len(entry) != 2:
            raise ConfigError(f"groups: bad entry {entry!r}")
        asset, spec = str(entry[0]).strip(), entry[1]
        if asset in seen:
            raise ConfigError(f"groups: asset {asset!r} is listed twice")
        seen.add(asset)
        out.append((asset, _labels_of(asset, spec)))
    clash = sorted({label for _, pairs in out for label, _ in pairs} & seen)
    if clash:
        raise ConfigError(f"groups: label {clash[0]!r} is also an asset's name")
    return tuple(out)


def groups_to_dict(groups: GroupsForm | None) -> dict[str, dict[str, float]] | None:
    """JSON form ``{asset: {label: membership}}`` (inverse: :func:`normalize_groups`)."""
    if groups is None:
        return None
    return {asset: dict(pairs) for asset, pairs in groups}


def group_exposures(groups: GroupsForm | None, tickers: list[str]) -> tuple[list[str], np.ndarray]:
    """Labels and the exposure matrix ``M`` (N, G) of the panel's tickers.

    Assets of ``groups`` that are not among ``tickers`` are ignored; tickers with no
    membership have a zero row.
    """
    if not groups:
        return [], np.zeros((len(tickers), 0))
    labels = list(dict.fromkeys(label for _, pairs in groups for label, _ in pairs))
    col = {label: j for j, label in enumerate(labels)}
    row = {t: i for i, t in enumerate(tickers)}
    m = np.zeros((len(tickers), len(labels)))
    for asset, pairs in groups:
        if asset in row:
            for label, value in pairs:
                m[row[asset], col[label]] = value
    return labels, m


def check_members(groups: GroupsForm | None, tickers: list[str], allow_absent: bool) -> None:
    """Refuse group members that are not among ``tickers`` (a misspelt ``APPL`` would
    otherwise silently leave its group), or, with ``allow_absent``, warn counting them.

    Raises
    ------
    ConfigError
        Naming the first absent member, with the closest ticker (difflib) if any.
    """
    if not groups:
        return
    known = set(tickers)
    absent = [asset for asset, _ in groups if asset not in known]
    if not absent:
        return
    if allow_absent:
        shown = ", ".join(absent[:5]) + (", ..." if len(absent) > 5 else "")
        warnings.warn(
            f"groups: {len(absent)} of {len(groups)} members are not in the returns and are "
            f"ignored ({shown})",
            PortfolioSGDWarning,
            stacklevel=2,
        )
        return
    close = difflib.get_close_matches(absent[0], tickers, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    more = f" (and {len(absent) - 1} more)" if len(absent) > 1 else ""
    raise ConfigError(
        f"groups: member {absent[0]!r}{more} is not an asset of the returns{hint} "
        "(members absent from this data set are accepted with allow_absent_members / "
        "--allow-absent-members)"
    )


def read_groups(path: str | Path) -> dict[str, dict[str, float]]:
    """Read a groups CSV file: wide (asset + one membership column per label) or long.

    A file with exactly two columns whose second column holds text is long (one
    ``asset,group`` row per membership; an asset may appear on several rows); otherwise
    the first column is the asset and every other column a label whose cells are
    memberships (blank = 0). The first row is a header.

    Returns
    -------
    dict
        ``{asset: {label: membership}}``, for :func:`normalize_groups`.

    Raises
    ------
    DataError
        Unreadable file, fewer than two columns, a non-numeric membership (naming its
        row and column), a repeated row (long) or asset (wide), or no asset.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"groups file {str(path)!r}: cannot read it ({exc})") from None
    if frame.shape[1] < 2 or frame.shape[0] < 1:
        raise DataError(f"groups file {str(path)!r}: needs a header and two or more columns")
    frame = frame.apply(lambda c: c.str.strip())
    assets = frame.iloc[:, 0]
    if frame.shape[1] == 2 and not _numeric(frame.iloc[:, 1]):
        out: dict[str, dict[str, float]] = {}
        for row, (asset, label) in enumerate(zip(assets, frame.iloc[:, 1], strict=True)):
            if not (asset and label):  # a half-filled row is a mistake, not a blank
                raise DataError(
                    f"groups file {str(path)!r}: row {row + 2} needs both an asset and a "
                    f"group, got {asset!r},{label!r}"
                )
            if label in out.setdefault(asset, {}):
                raise DataError(f"groups file {str(path)!r}: row {row + 2} repeats {asset},{label}")
            out[asset][label] = 1.0
        if not out:
            raise DataError(f"groups file {str(path)!r}: no asset,group row")
        return out
    wide: dict[str, dict[str, float]] = {}
    for i, asset in enumerate(assets):
        if asset in wide:
            raise DataError(f"groups file {str(path)!r}: asset {asset!r} is listed twice")
        cells: dict[str, float] = {}
        for label in frame.columns[1:]:
            cell = frame.at[i, label]
            try:
                value = float(cell) if cell != "" else 0.0
            except ValueError:
                raise DataError(
                    f"groups file {str(path)!r}: membership {cell!r} of {asset!r} in "
                    f"{label!r} (row {i + 2}) is not a number"
                ) from None
            if value != 0.0:
                cells[str(label)] = value
        wide[asset] = cells
    return wide


def _numeric(column: pd.Series) -> bool:
    """Whether every non-blank cell of a text column is a number."""
    values = column[column != ""]
    return bool(len(values)) and bool(pd.to_numeric(values, errors="coerce").notna().all())
