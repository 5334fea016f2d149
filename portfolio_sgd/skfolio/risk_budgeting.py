"""``SGDRiskBudgeting``: skfolio's risk budgeting (variance, CVaR, ...) solved by portfolio-sgd."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
from skfolio.measures import RiskMeasure

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..engine.shorthands import ENGINE_FIELDS, settings_doc, settings_signature
from ..errors import ConfigError
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..objectives.composition import compose
from .base import SGDOptimizationBase
from .mapping import check_unsupported_budgeting, constraints_from, linear_settings


class SGDRiskBudgeting(SGDOptimizationBase):
    """Risk budgeting (variance, CVaR, drawdowns, ...), as a skfolio optimisation estimator.

    A drop-in for :class:`skfolio.optimization.RiskBudgeting` with the variance risk
    measure: long-only, fully invested weights whose variance risk contributions
    ``w_i (Sigma w)_i / w' Sigma w`` equal the normalised budgets. Solved as our
    ``risk-parity`` objective (the log-barrier form, see
    :mod:`portfolio_sgd.objectives.risk_parity`); ``result_.risk_contributions`` holds the
    achieved contributions.

    Parameters
    ----------
    risk_measure : RiskMeasure, default VARIANCE
        ``VARIANCE`` (our ``risk-parity``), ``STANDARD_DEVIATION`` (the same weights) or any
        convex, positively homogeneous measure we implement: ``CVAR``, ``CDAR`` (at 0.95,
        skfolio's default betas), ``MEAN_ABSOLUTE_DEVIATION``, ``FIRST_LOWER_PARTIAL_MOMENT``,
        ``WORST_REALIZATION``, ``MAX_DRAWDOWN``, ``AVERAGE_DRAWDOWN``,
        ``GINI_MEAN_DIFFERENCE`` (a convex solve,
        :mod:`portfolio_sgd.objectives.risk_budgeting`); any other raises ``ConfigError``.
    risk_budget : dict, array-like of shape (N,) or None, default None
        Budgets ``> 0`` (normalised); None means equal budgets. A dict is keyed by asset
        name (missing assets raise: a budget of 0 has no log-barrier solution).
    min_weights, max_weights : float, array-like (N,) or dict by asset
        Per-asset bounds (``min_weights >= 0``: long-only), scaled by skfolio's factor as
        skfolio's ``RiskBudgeting`` states them (a binding bound keeps its asset's
        contribution off its budget).
    prior_estimator : prior, optional
        As in :class:`~portfolio_sgd.skfolio.SGDMeanRisk` (a skfolio prior is wrapped).
    groups, linear_constraints, left_inequality, right_inequality : optional
        As in :class:`~portfolio_sgd.skfolio.SGDMeanRisk`.
    min_return, transaction_costs, management_fees : optional
        Not supported: any value other than the default raises ``ConfigError``.
    previous_weights, warm_start, config
        As in :class:`~portfolio_sgd.skfolio.SGDMeanRisk`; so are the engine fields'
        keywords listed below (generated from :class:`EngineConfig`).
    risk_free_rate, portfolio_params, fallback, raise_on_failure
        As in skfolio's ``BaseOptimization``.

    Attributes
    ----------
    weights_ : ndarray of shape (N,)
    result_ : OptimizationResult
    n_features_in_, feature_names_in_
        As set by scikit-learn's ``validate_data``.
    """

    def __init__(
        self,
        risk_measure: RiskMeasure = RiskMeasure.VARIANCE,
        risk_budget: Any = None,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        prior_estimator: Any = None,
        groups: Any = None,
        linear_constraints: Any = None,
        left_inequality: Any = None,
        right_inequality: Any = None,
        min_return: Any = None,
        transaction_costs: Any = 0.0,
        management_fees: Any = 0.0,
        previous_weights: Any = None,
        warm_start: bool = False,
        config: EngineConfig | None = None,
        risk_free_rate: float = 0.0,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
        **engine: Any,
    ) -> None:
        super().__init__(
            portfolio_params=portfolio_params,
            fallback=fallback,
            previous_weights=previous_weights,
            raise_on_failure=raise_on_failure,
        )
        self.risk_measure = risk_measure
        self.risk_budget = risk_budget
        self.min_weights = min_weights
        self.max_weights = max_weights
        self.prior_estimator = prior_estimator
        self.groups = groups
        self.linear_constraints = linear_constraints
        self.left_inequality = left_inequality
        self.right_inequality = right_inequality
        self.min_return = min_return
        self.transaction_costs = transaction_costs
        self.management_fees = management_fees
        self.warm_start = warm_start
        self.config = config
        self.risk_free_rate = risk_free_rate
        self._set_engine(engine, "SGDRiskBudgeting")

    __init__.__signature__ = settings_signature(__init__, ENGINE_FIELDS)  # type: ignore[attr-defined]

    def _problem(
        self, n_obs: int, n_assets: int, names: list[str] | None
    ) -> tuple[ObjectiveSpec, Constraints]:
        """Risk budgeting over the mapped measure with the budgets, and the weight
        constraints as :class:`~portfolio_sgd.skfolio.SGDMeanRisk` maps them (skfolio
        scales them by its factor: :mod:`portfolio_sgd.objectives.budget_cone`)."""
        spec = _budgeting_spec(self.risk_measure)
        unsupported = ("min_return", "transaction_costs", "management_fees")
        check_unsupported_budgeting({name: getattr(self, name) for name in unsupported})
        if self.min_weights is None:
            raise ConfigError("min_weights=None is not supported; risk budgeting is long-only")
        params = {
            "min_weights": self.min_weights,
            "max_weights": self.max_weights,
            "budget": 1.0,
            "groups": self.groups,
            "linear_constraints": self.linear_constraints,
            "left_inequality": self.left_inequality,
            "right_inequality": self.right_inequality,
        }
        constraints = constraints_from(params, n_assets, names)
        if constraints.long_short:
            raise ConfigError("min_weights < 0 is not supported; risk budgeting is long-only")
        extra = linear_settings(params, n_assets, names)
        budgets = _budgets(self.risk_budget, n_assets, names)
        return dataclasses.replace(spec, budgets=budgets), dataclasses.replace(constraints, **extra)


def _budgeting_spec(risk_measure: Any) -> ObjectiveSpec:
    """``risk-parity`` for ``VARIANCE`` (as before); risk budgeting over our measure of the
    same name otherwise (``CVAR``: any measure that decomposes), else a one-line error."""
    member = str(getattr(risk_measure, "name", risk_measure)).upper()
    if member == "VARIANCE":
        return ObjectiveSpec("risk-parity")
    try:
        spec = compose("risk-budgeting", get_measure(member))
        spec.impl  # noqa: B018 - builds the objective, which refuses a measure it cannot budget
        return spec
    except ConfigError:
        raise ConfigError(
            f"risk_measure={risk_measure} is not supported; use RiskMeasure.VARIANCE, "
            "STANDARD_DEVIATION or a convex, positively homogeneous measure with an LP form "
            "(CVAR, CDAR, MAX_DRAWDOWN, MEAN_ABSOLUTE_DEVIATION, ...)"
        ) from None


def _budgets(value: Any, n_assets: int, names: list[str] | None) -> tuple[float, ...] | None:
    """skfolio's ``risk_budget`` (None, an array (N,) or a dict by asset) as our budgets."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if names is None:
            raise ConfigError("risk_budget as a dict needs the fitted asset names")
        unknown = sorted(str(k) for k in value if str(k) not in set(names))
        missing = [n for n in names if n not in {str(k) for k in value}]
        if unknown or missing:
            detail = f"unknown assets {unknown[:3]}" if unknown else f"no budget for {missing[:3]}"
            raise ConfigError(f"risk_budget: {detail}")
        lookup = {str(k): v for k, v in value.items()}
        values = np.array([float(lookup[n]) for n in names], dtype=float)
    else:
        values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
        if values.shape != (n_assets,):
            raise ConfigError(f"risk_budget has {values.size} values for {n_assets} assets")
    return tuple(float(v) for v in values)


SGDRiskBudgeting.__doc__ = (SGDRiskBudgeting.__doc__ or "").replace(
    "\n    Attributes\n", "\n" + settings_doc(ENGINE_FIELDS) + "\n    Attributes\n", 1
)
