"""skfolio's parameters -> portfolio-sgd's :class:`ObjectiveSpec` and :class:`Constraints`.

Every function here raises a one-line :class:`~portfolio_sgd.errors.ConfigError` naming
the skfolio parameter whose value has no exact counterpart, never ignores it. The table
in :mod:`portfolio_sgd.skfolio` lists each parameter and what it becomes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..constraints import Constraints
from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.registry import get_measure, measure_names
from ..objectives import ObjectiveSpec
from ..objectives.composition import compose, composed_measures
from .mandate import mandate_constraints, per_asset

UNSUPPORTED_WHEN_SET: tuple[str, ...] = ()
"""``MeanRisk`` parameters that must be None (none at present)."""

ZERO_ONLY = ("management_fees",)
"""Parameters that must be 0 (no fee term in portfolio-sgd's objectives)."""


def _member_name(value: Any) -> str:
    """``ObjectiveFunction.MINIMIZE_RISK`` -> ``"MINIMIZE_RISK"`` (enum member or its name)."""
    return str(getattr(value, "name", value)).upper()


def objective_spec(
    objective_function: Any,
    risk_measure: Any,
    risk_aversion: float,
    cvar_beta: float,
    n_observations: int,
    risk_free_rate: float = 0.0,
    betas: Mapping[str, float] | None = None,
) -> ObjectiveSpec:
    """The :class:`ObjectiveSpec` solving skfolio's ``MeanRisk`` problem exactly.

    * ``MINIMIZE_RISK`` + ``VARIANCE`` -> ``min-variance``.
    * ``MAXIMIZE_UTILITY`` + ``VARIANCE`` -> ``mean-variance`` with
      ``risk_aversion = 2 * lam * T / (T - 1)``: skfolio maximises ``mu.w - lam * w'Cw``
      with the sample covariance (ddof 1); ours minimises ``-E[x] + (lam'/2) Var[x]`` with
      the population variance.
    * ``MINIMIZE_RISK`` + ``CVAR`` -> ``cvar`` with ``alpha = cvar_beta``.
    * ``MAXIMIZE_UTILITY`` + ``CVAR`` -> ``cvar`` with ``return_weight = 1 / lam``
      (``mu.w - lam * CVaR`` divided by ``lam``; ``lam`` must be > 0).
    * ``MAXIMIZE_RATIO`` + any measure -> ``max-ratio`` with ``risk_free_rate``
      (``STANDARD_DEVIATION``: the Sharpe ratio; the maximiser is the same for skfolio's
      sample and our population estimates).
    * A measure whose level skfolio names otherwise (``skfolio_beta``: ``cdar_beta``,
      ``evar_beta``) takes that entry of ``betas`` as its ``alpha``.
    """
    function = _FUNCTIONS.get(_member_name(objective_function))
    if function is None:
        raise ConfigError(
            f"objective_function={objective_function} is not supported; use "
            "ObjectiveFunction.MINIMIZE_RISK, MAXIMIZE_UTILITY or MAXIMIZE_RATIO"
        )
    measure = _measure(risk_measure, ratio=function == "max-ratio")
    lam = float(risk_aversion)
    if function == "utility" and not (math.isfinite(lam) and lam > 0):
        raise ConfigError(f"risk_aversion must be a finite number > 0, got {risk_aversion}")
    alpha = {}
    if measure.uses_alpha:
        beta_name = getattr(measure, "skfolio_beta", "cvar_beta")
        beta = float((betas or {}).get(beta_name, cvar_beta))
        if not 0.0 < beta < 1.0:
            raise ConfigError(f"{beta_name} must lie strictly between 0 and 1, got {beta}")
        alpha = {"alpha": beta}
    lam *= measure.bessel_factor(n_observations)  # skfolio's sample estimate, ours population
    if function == "max-ratio":
        return compose(function, measure, risk_free_rate=float(risk_free_rate), **alpha)
    return compose(function, measure, risk_aversion=lam, **alpha)


_FUNCTIONS = {
    "MINIMIZE_RISK": "min-risk",
    "MAXIMIZE_UTILITY": "utility",
    "MAXIMIZE_RATIO": "max-ratio",
}
"""skfolio's ``ObjectiveFunction`` members as our objective functions."""


def _measure(risk_measure: Any, ratio: bool = False) -> RiskMeasure:
    """Our measure for skfolio's ``RiskMeasure`` member (its name, e.g. ``CVAR`` -> ``cvar``,
    or a registered measure's name), when min-risk and utility compose with it: a measure
    with dedicated objectives, or any expectation measure (:mod:`portfolio_sgd.objectives.min_risk`)."""
    dedicated = [m for m in composed_measures("min-risk") if m in composed_measures("utility")]
    generic = [m for m in measure_names() if get_measure(m).is_expectation]
    if ratio:  # max-ratio also takes a square-root measure (standard deviation: Sharpe)
        generic += [m for m in measure_names() if get_measure(m).penalised_by]
    supported = list(dict.fromkeys(dedicated + generic))
    members = " or ".join(f"RiskMeasure.{m.upper()}" for m in supported)
    try:
        measure = get_measure(_member_name(risk_measure))
    except ConfigError:
        measure = None
    if measure is None or measure.name not in supported:
        raise ConfigError(f"risk_measure={risk_measure} is not supported; use {members}")
    return measure


def uniform_value(
    value: Any, name: str, n_assets: int, names: Sequence[str] | None, fill: float
) -> float:
    """One number for a float, a per-asset array or a dict that gives every asset the same.

    A dict's missing assets take ``fill`` (skfolio's convention), so they count as values
    (:func:`.mandate.per_asset`).
    """
    values = per_asset(value, name, n_assets, names, fill)
    if isinstance(values, tuple):
        raise ConfigError(
            f"{name} with different values per asset is not supported "
            f"(one bound for all assets; got {min(values):g} to {max(values):g})"
        )
    return values


def check_unsupported(params: Mapping[str, Any], n_assets: int) -> None:
    """Raise for any parameter portfolio-sgd cannot honour yet (see the module tables)."""
    for name in UNSUPPORTED_WHEN_SET:
        if params.get(name) is not None:
            raise ConfigError(f"{name} is not supported by portfolio-sgd yet; leave it None")
    for name in ZERO_ONLY:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, Mapping):
            values = np.asarray(list(value.values()), dtype=float)
        else:
            values = np.asarray(value, dtype=float)
        if np.any(values != 0):
            raise ConfigError(f"{name} is not supported by portfolio-sgd yet; leave it 0")
    if params.get("budget") is None:  # other budgets: the mandate mapping (.mandate)
        raise ConfigError("budget=None is not supported; give a number (1: fully invested)")


def linear_settings(
    params: Mapping[str, Any], n_assets: int, names: Sequence[str] | None
) -> dict[str, Any]:
    """skfolio's ``groups``, ``linear_constraints``, ``left_inequality`` and
    ``right_inequality`` as :class:`Constraints` fields (``groups``, ``linear``, ``A_ub``,
    ``b_ub``).

    ``groups`` is a dict asset -> labels, or skfolio's array (n_groups, N) of labels (one
    row per grouping, columns in the order of ``X``): asset ``j`` gets the labels of column
    ``j``. The strings of ``linear_constraints`` use the same grammar as ours (names of
    assets and groups, ``+ - *``, numbers, ``<=``, ``>=``, ``==``).
    """
    out: dict[str, Any] = {}
    tickers = list(names) if names is not None else [f"asset_{i}" for i in range(n_assets)]
    groups = params.get("groups")
    if isinstance(groups, Mapping):
        out["groups"] = {str(k): [v] if isinstance(v, str) else list(v) for k, v in groups.items()}
    elif groups is not None:
        table = np.asarray(groups, dtype=object)
        table = table[None, :] if table.ndim == 1 else table
        if table.ndim != 2 or table.shape[1] != n_assets:
            raise ConfigError(f"groups has shape {table.shape}; expected (n_groups, {n_assets})")
        out["groups"] = {tickers[j]: [str(x) for x in table[:, j]] for j in range(n_assets)}
    text = params.get("linear_constraints")
    if text is not None:
        out["linear"] = [text] if isinstance(text, str) else [str(t) for t in text]
    left, right = params.get("left_inequality"), params.get("right_inequality")
    if (left is None) != (right is None):
        raise ConfigError("left_inequality and right_inequality must be given together")
    if left is not None:
        out["A_ub"], out["b_ub"] = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    return out


def trading_settings(
    params: Mapping[str, Any], n_assets: int, names: Sequence[str] | None, cost_scale: float
) -> dict[str, Any]:
    """skfolio's ``transaction_costs``, ``previous_weights`` and ``max_turnover`` as
    :class:`Constraints` trading fields.

    ``transaction_costs`` (float, array (N,) or dict by asset, missing 0) times
    ``cost_scale`` becomes ``transaction_costs`` (the cost enters our objective with the
    scale of skfolio's utility: 1 for variance, ``1 / lam`` for CVaR); skfolio's
    ``max_turnover`` is per asset (``|w_i - p_i| <= delta``), so it becomes
    ``max_asset_turnover``; ``previous_weights`` (missing assets 0; None: 0) are the
    holdings both refer to.
    """
    costs = params.get("transaction_costs")
    cost = None if costs is None else previous_as_array(costs, n_assets, names)
    turnover = params.get("max_turnover")
    out: dict[str, Any] = {}
    if cost is not None and np.any(cost != 0):
        if not np.all(np.isfinite(cost)) or np.any(cost < 0):
            raise ConfigError("transaction_costs must be finite and >= 0")
        out["transaction_costs"] = tuple(float(c) * cost_scale for c in cost)
    if turnover is not None:
        limits = previous_as_array(turnover, n_assets, names)
        out["max_asset_turnover"] = tuple(float(x) for x in limits)
    if out:
        held = params.get("previous_weights")
        previous = np.zeros(n_assets) if held is None else previous_as_array(held, n_assets, names)
        out["previous_weights"] = tuple(float(x) for x in previous)
    return out


def check_unsupported_budgeting(params: Mapping[str, Any]) -> None:
    """Raise for a ``RiskBudgeting`` parameter with no counterpart (not None, or non-zero)."""
    for name, value in params.items():
        if name in ("transaction_costs", "management_fees"):
            values = np.asarray(list(value.values()) if isinstance(value, Mapping) else value)
            if np.any(values.astype(float) != 0):
                raise ConfigError(f"{name} is not supported by SGDRiskBudgeting; leave it 0")
        elif value is not None:
            raise ConfigError(f"{name} is not supported by SGDRiskBudgeting; leave it None")


def constraints_from(params: Mapping[str, Any], n_assets: int, names: Sequence[str] | None):
    """The :class:`Constraints` of skfolio's weight parameters (after :func:`check_unsupported`).

    ``min_weights`` / ``max_weights``: one value for every asset; ``min_weights < 0`` makes
    the portfolio long-short. With a budget of 1 a long-short book has ``long - short = 1``,
    so ``max_short = s`` is the gross-leverage cap ``1 + 2 s`` and ``max_long = l`` is
    ``2 l - 1``.
    """
    mandate = mandate_constraints(params, n_assets, names)  # per-asset bounds, budget != 1
    if mandate is not None:
        return mandate
    if params.get("min_weights") is None:
        raise ConfigError("min_weights=None (no lower bound) is not supported; give a number")
    lo = uniform_value(params["min_weights"], "min_weights", n_assets, names, fill=0.0)
    if params.get("max_weights") is None:
        if lo < 0:
            raise ConfigError("max_weights=None with min_weights < 0 is not supported")
        hi = 1.0
    else:
        hi = uniform_value(params["max_weights"], "max_weights", n_assets, names, fill=1.0)
    caps = []
    if params.get("max_short") is not None:
        caps.append(1.0 + 2.0 * float(params["max_short"]))
    if params.get("max_long") is not None:
        caps.append(2.0 * float(params["max_long"]) - 1.0)
    if caps and lo >= 0:
        if min(caps) < 1.0:
            raise ConfigError(f"max_short/max_long allow no fully invested portfolio: {caps}")
        caps = []
    return Constraints(
        min_weight=lo, max_weight=hi, long_short=lo < 0, max_leverage=min(caps) if caps else None
    )


def previous_as_array(value: Any, n_assets: int, names: Sequence[str] | None) -> np.ndarray:
    """``previous_weights`` (a float, an array or a dict by asset; missing assets 0) as (N,)."""
    if isinstance(value, Mapping):
        if names is None:
            raise ConfigError("previous_weights as a dict needs the fitted asset names")
        return np.array([float(value.get(k, 0.0)) for k in names], dtype=float)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n_assets, float(arr))
    if arr.shape != (n_assets,):
        raise ConfigError(f"previous_weights has shape {arr.shape}; expected ({n_assets},)")
    return arr
