"""``--compare``: several portfolios of the same data and constraints, side by side.

A spec is ``equal-weight`` or an objective name with optional parameters, as in the
backtest's strategy specs: ``cvar:alpha=0.975``, ``mean-variance:lambda=5``,
``cvar:return_weight=1``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..api import optimize
from ..constraints import Constraints
from ..data.frequency import periods_per_year
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..measures.performance import performance_summary
from ..objectives import Objective, ObjectiveSpec

_PARAMETERS = {
    "lambda": "risk_aversion",
    "risk_aversion": "risk_aversion",
    "alpha": "alpha",
    "return_weight": "return_weight",
    "lambda_r": "return_weight",
}
EQUAL_WEIGHT = "equal-weight"


def parse_compare(text: str | Sequence[str]) -> list[tuple[str, ObjectiveSpec | None]]:
    """``(name, spec)`` pairs of a comma-separated list (``None`` for equal weight).

    Raises
    ------
    ConfigError
        An unknown objective or parameter, a malformed value, or a duplicate name.
    """
    items = text.split(",") if isinstance(text, str) else [s for t in text for s in t.split(",")]
    out: list[tuple[str, ObjectiveSpec | None]] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if item.lower() == EQUAL_WEIGHT:
            out.append((EQUAL_WEIGHT, None))
            continue
        name, *params = (p.strip() for p in item.split(":"))
        values: dict[str, float] = {}
        for param in params:
            key, sep, value = param.partition("=")
            field = _PARAMETERS.get(key.strip().lower())
            if not sep or field is None:
                raise ConfigError(f"unknown parameter {param!r} in --compare spec {item!r}")
            try:
                values[field] = float(value)
            except ValueError:
                raise ConfigError(f"bad value {value!r} in --compare spec {item!r}") from None
        out.append((item, ObjectiveSpec(Objective.parse(name), **values)))
    names = [n for n, _ in out]
    if not out:
        raise ConfigError("--compare needs at least one portfolio spec")
    if len(set(names)) != len(names):
        raise ConfigError(f"duplicate --compare spec in {', '.join(names)}")
    return out


def compare_portfolios(
    returns: pd.DataFrame,
    specs: Sequence[tuple[str, ObjectiveSpec | None]],
    constraints: Constraints,
    config: EngineConfig,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Optimise each spec on ``returns``; weights (N, P) and in-sample measures (P, M).

    The measures are :func:`portfolio_sgd.measures.performance.performance_summary` of the fixed
    weights held over ``returns`` (``r_t . w`` each day).
    """
    weights: dict[str, np.ndarray] = {}
    n = returns.shape[1]
    quiet = dataclasses.replace(config, progress=False)
    for name, spec in specs:
        if spec is None:
            weights[name] = np.full(n, 1.0 / n)
        else:
            weights[name] = optimize(returns, spec, constraints, quiet).weights.to_numpy()
    frame = pd.DataFrame(weights, index=[str(c) for c in returns.columns])
    r = returns.to_numpy(dtype=np.float64)
    periods = periods_per_year(returns.index)
    rows = {
        name: performance_summary(r @ w.to_numpy(), periods=periods) for name, w in frame.items()
    }
    return frame, pd.DataFrame.from_dict(rows, orient="index")
