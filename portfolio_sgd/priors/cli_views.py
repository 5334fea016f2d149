"""A prior from the command line's ``--prior NAME`` and ``--views TEXT|FILE`` options.

- ``black-litterman`` (the default when views are given): equality views, or one views
  CSV (columns ``view`` and optionally ``confidence``).
- ``entropy-pooling``: views as text (``"(A, B) == 0.5"`` is a correlation view, any
  other a mean view), or one views CSV with a ``kind`` column (``mean``, ``variance``,
  ``volatility``, ``correlation``, ``value-at-risk``, ``cvar``; default ``mean``).
- ``factor``: the Fama-French 3 factor model (takes no views).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError
from .base import Prior
from .black_litterman import BlackLitterman
from .entropy_pooling import EntropyPooling
from .factor_model import FactorModel
from .views import read_views_table

PRIOR_NAMES = ("black-litterman", "entropy-pooling", "factor")
"""The ``--prior`` choices."""

_KINDS = {
    "mean": "mean_views",
    "variance": "variance_views",
    "volatility": "volatility_views",
    "correlation": "correlation_views",
    "value-at-risk": "value_at_risk_views",
    "cvar": "cvar_views",
}


def prior_from_options(name: str | None, views: Sequence[str]) -> Prior | None:
    """The prior of ``--prior`` and ``--views`` (None when neither is given).

    Raises
    ------
    ConfigError
        For views with the factor prior, a prior that needs views without any, or an
        unknown prior name.
    """
    views = [v for v in views if v.strip()]
    if name is None and not views:
        return None
    name = name or "black-litterman"
    if name == "factor":
        if views:
            raise ConfigError("--prior factor takes no --views")
        return FactorModel()
    if not views:
        raise ConfigError(f"--prior {name} needs --views")
    file = Path(views[0]) if len(views) == 1 and views[0].lower().endswith(".csv") else None
    if name == "black-litterman":
        return BlackLitterman(file if file is not None else views)
    if name == "entropy-pooling":
        return EntropyPooling(**(_views_by_kind(file) if file else _text_views(views)))
    raise ConfigError(f"unknown prior {name!r}; choose one of: {', '.join(PRIOR_NAMES)}")


def _text_views(views: list[str]) -> dict[str, list[str]]:
    """Correlation views (``(A, B) op c``) apart from mean views."""
    correlation = [v for v in views if v.lstrip().startswith("(") and "," in v]
    mean = [v for v in views if v not in correlation]
    return {"mean_views": mean or None, "correlation_views": correlation or None}


def _views_by_kind(path: Path) -> dict[str, list[str]]:
    """The views of an entropy-pooling CSV (``view``, optional ``kind``), by keyword."""
    frame = read_views_table(path)
    kinds = (
        frame["kind"].str.strip().str.lower()
        if "kind" in frame
        else pd.Series(["mean"] * len(frame))
    )
    grouped: dict[str, list[str]] = {}
    for row, (view, kind) in enumerate(zip(frame["view"], kinds, strict=True), start=2):
        if kind not in _KINDS:
            raise DataError(
                f"views file {path}: line {row}: kind {kind!r} is not one of {', '.join(_KINDS)}"
            )
        grouped.setdefault(_KINDS[kind], []).append(view.strip())
    return grouped
