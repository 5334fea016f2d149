"""Small helpers that format values for one-line error and log messages."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def date_label(value: object) -> str:
    """``2020-01-03`` for a midnight timestamp, the ISO form otherwise, ``str`` for the rest."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def name_list(names: Sequence[object], limit: int = 20, quote: bool = False) -> str:
    """Join names with commas, at most ``limit`` of them, then ``... (K more)``."""
    shown = [repr(str(n)) if quote else str(n) for n in names[:limit]]
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(shown) + more


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (or its type name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__
