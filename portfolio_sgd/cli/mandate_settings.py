"""``--bounds FILE`` and ``--budget-range LO HI`` as Constraints fields (imported when a
command runs): the file's bounds by ticker, unlisted tickers at ``--min-weight`` /
``--max-weight`` (the ``"*"`` entry of :mod:`portfolio_sgd.constraints.weight_bounds`),
and the range as ``budget=(lo, hi)``."""

from __future__ import annotations

from typing import Any

from ..data.bounds_file import read_bounds
from ..errors import ConfigError


def mandate_overrides(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Constraints fields that ``--bounds`` and ``--budget-range`` set (maybe none).

    Raises
    ------
    DataError
        For a bad bounds file (one line).
    ConfigError
        For ``--budget-range`` together with a ``--budget`` other than 1.
    """
    out: dict[str, Any] = {}
    path = kwargs.get("bounds")
    if path:
        lo, hi = read_bounds(path)
        lo_default = kwargs.get("min_weight")
        hi_default = kwargs.get("max_weight")
        out["min_weight"] = {**lo, "*": 0.0 if lo_default is None else lo_default}
        out["max_weight"] = {**hi, "*": 1.0 if hi_default is None else hi_default}
    span = kwargs.get("budget_range")
    if span:
        if kwargs.get("budget") not in (None, 1.0):
            raise ConfigError("give --budget or --budget-range, not both")
        out["budget"] = (float(span[0]), float(span[1]))
    return out
