"""CSV output safe to open in a spreadsheet (no formula injection).

A text cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is
run as a formula by Excel, LibreOffice and Google Sheets: a ticker or strategy name like
``=HYPERLINK(...)`` would become a live link. :func:`escape_text_cells` prefixes such
text cells, column names and index labels with a single quote (the OWASP rule), so the
spreadsheet shows the text as written. Numbers are never touched: ``-0.25`` stays a number.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["escape_text", "escape_text_cells"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is a string a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def _is_text(values: pd.Series | pd.Index) -> bool:
    """Whether ``values`` hold text (object or string dtype), not numbers or dates."""
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def escape_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are escaped."""
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(escape_text)
    out.columns = out.columns.map(escape_text)
    if _is_text(out.index):
        out.index = out.index.map(escape_text)
    return out
