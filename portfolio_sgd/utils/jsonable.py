"""One home for turning results into strict JSON: plain types, non-finite floats as null.

Every ``to_dict()`` and every ``--format json`` goes through :func:`to_jsonable`, so a
NaN or an infinity never reaches a JSON document (``json.dumps`` would otherwise write
the non-standard tokens ``NaN`` / ``Infinity`` that strict parsers reject).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "records", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """A copy of ``value`` made of dict / list / str / int / float / bool / None only.

    Mappings become dicts with string keys; lists, tuples and arrays become lists; numpy
    scalars become Python scalars; non-finite floats become ``None``; timestamps and
    dates become ISO strings; str Enums become their value. Anything else is returned
    unchanged (``json.dumps`` then decides).

    Parameters
    ----------
    value : object

    Returns
    -------
    object
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-ready dicts (see :func:`to_jsonable`)."""
    return [to_jsonable(rec) for rec in frame.to_dict(orient="records")]


def dumps(payload: Any, indent: int | None = 2) -> str:
    """Strict JSON text of ``payload`` after :func:`to_jsonable` (``allow_nan=False``)."""
    return json.dumps(to_jsonable(payload), indent=indent, allow_nan=False)
