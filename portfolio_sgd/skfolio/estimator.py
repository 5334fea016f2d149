"""``SGDMeanRisk``: skfolio's mean-risk optimisation solved by portfolio-sgd's engine."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from skfolio.measures import RiskMeasure
from skfolio.optimization import ObjectiveFunction

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..engine.shorthands import ENGINE_FIELDS, settings_doc, settings_signature
from ..objectives import ObjectiveSpec
from .base import SGDOptimizationBase
from .mapping import (
    check_unsupported,
    constraints_from,
    linear_settings,
    objective_spec,
    trading_settings,
)

_SKFOLIO_PARAMS = (
    "min_weights",
    "max_weights",
    "budget",
    "max_short",
    "max_long",
    "groups",
    "linear_constraints",
    "left_inequality",
    "right_inequality",
    "transaction_costs",
    "management_fees",
    "max_turnover",
    "previous_weights",
)


class SGDMeanRisk(SGDOptimizationBase):
    """Mean-risk optimisation by mini-batch SGD, as a skfolio optimisation estimator.

    A drop-in for :class:`skfolio.optimization.MeanRisk` on the problems both can state
    (see the parameter map in :mod:`portfolio_sgd.skfolio`): it fits on returns ``X``
    (T, N), sets ``weights_`` (ndarray), and ``predict`` returns a skfolio ``Portfolio``.

    Parameters
    ----------
    objective_function : ObjectiveFunction, default MINIMIZE_RISK
        ``MINIMIZE_RISK`` or ``MAXIMIZE_UTILITY``.
    risk_measure : RiskMeasure, default VARIANCE
        ``VARIANCE`` or ``CVAR``.
    risk_aversion : float, default 1.0
        skfolio's ``lam`` of ``MAXIMIZE_UTILITY`` (``mu.w - lam * risk``).
    cvar_beta : float, default 0.95
        CVaR confidence level (our ``alpha``).
    cdar_beta, evar_beta : float, default 0.95
        The CDaR and EVaR confidence levels (our ``alpha`` of those measures).
    min_weights, max_weights, budget, max_short, max_long : optional
        Weight constraints, as in ``MeanRisk`` (one bound for all assets).
    groups, linear_constraints, left_inequality, right_inequality : optional
        Group and linear constraints, as in ``MeanRisk`` (our ``Constraints(groups=,
        linear=, A_ub=, b_ub=)``).
    transaction_costs, max_turnover : optional
        Costs per unit traded and the per-asset turnover limit against
        ``previous_weights`` (our ``transaction_costs`` and ``max_asset_turnover``). The
        costs enter the objective under every objective function, ``MINIMIZE_RISK``
        included (skfolio charges them only through the expected return).
    management_fees : optional
        Not supported: a non-zero value raises ``ConfigError``.
    previous_weights : float, dict or array-like, optional
        Previous holdings: the reference of the costs and the turnover limit, the warm
        start when ``warm_start``, and forwarded to the predicted ``Portfolio``.
    warm_start : bool, default False
        Start each fit from the previous weights: this estimator's last ``weights_`` (by
        asset name when known), else ``previous_weights``. In skfolio's
        ``cross_val_predict`` with ``WalkForward`` each fold starts from the previous fold's
        portfolio (``needs_previous_weights`` is true, so the folds run in order).
    config : EngineConfig, optional
        Engine settings; the keyword of each :class:`EngineConfig` field (listed below,
        generated from the record; default None: keep ``config``'s) overrides it.
    prior_estimator : prior, optional
        A portfolio-sgd prior (``BlackLitterman``, ``FactorModel``, ``EntropyPooling``)
        or a skfolio prior estimator (wrapped: :mod:`.prior_adapter`); the optimiser uses
        its scenarios and scenario probabilities. Default None: the sample.
    risk_free_rate, portfolio_params, fallback, raise_on_failure
        As in skfolio's ``BaseOptimization`` / ``MeanRisk``.

    Attributes
    ----------
    weights_ : ndarray of shape (N,)
    result_ : OptimizationResult
        Our full record of the fit (``converged``, ``optimality_gap``, history, ...).
    n_features_in_, feature_names_in_
        As set by scikit-learn's ``validate_data``.
    """

    def __init__(
        self,
        objective_function: ObjectiveFunction = ObjectiveFunction.MINIMIZE_RISK,
        risk_measure: RiskMeasure = RiskMeasure.VARIANCE,
        risk_aversion: float = 1.0,
        cvar_beta: float = 0.95,
        cdar_beta: float = 0.95,
        evar_beta: float = 0.95,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        budget: float | None = 1.0,
        max_short: float | None = None,
        max_long: float | None = None,
        groups: Any = None,
        linear_constraints: Sequence[str] | None = None,
        left_inequality: Any = None,
        right_inequality: Any = None,
        transaction_costs: Any = 0.0,
        management_fees: Any = 0.0,
        previous_weights: Any = None,
        max_turnover: float | None = None,
        warm_start: bool = False,
        config: EngineConfig | None = None,
        prior_estimator: Any = None,
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
        self.objective_function = objective_function
        self.risk_measure = risk_measure
        self.risk_aversion = risk_aversion
        self.cvar_beta = cvar_beta
        self.cdar_beta = cdar_beta
        self.evar_beta = evar_beta
        self.min_weights = min_weights
        self.max_weights = max_weights
        self.budget = budget
        self.max_short = max_short
        self.max_long = max_long
        self.groups = groups
        self.linear_constraints = linear_constraints
        self.left_inequality = left_inequality
        self.right_inequality = right_inequality
        self.transaction_costs = transaction_costs
        self.management_fees = management_fees
        self.max_turnover = max_turnover
        self.warm_start = warm_start
        self.config = config
        self.prior_estimator = prior_estimator
        self.risk_free_rate = risk_free_rate
        self._set_engine(engine, "SGDMeanRisk")

    __init__.__signature__ = settings_signature(__init__, ENGINE_FIELDS)  # type: ignore[attr-defined]

    def _problem(
        self, n_obs: int, n_assets: int, names: list[str] | None
    ) -> tuple[ObjectiveSpec, Constraints]:
        """``MeanRisk``'s objective and weight constraints, mapped (see the module tables)."""
        params = {name: getattr(self, name) for name in _SKFOLIO_PARAMS}
        check_unsupported(params, n_assets)
        spec = objective_spec(
            self.objective_function,
            self.risk_measure,
            self.risk_aversion,
            self.cvar_beta,
            n_obs,
            self.risk_free_rate,
            betas={"cdar_beta": self.cdar_beta, "evar_beta": self.evar_beta},
        )
        # our mean-CVaR is skfolio's utility divided by lam: so are its costs
        scale = 1.0 / float(self.risk_aversion) if spec.return_weight > 0 else 1.0
        extra = linear_settings(params, n_assets, names)
        extra |= trading_settings(params, n_assets, names, scale)
        constraints = constraints_from(params, n_assets, names)
        return spec, dataclasses.replace(constraints, **extra)


SGDMeanRisk.__doc__ = (SGDMeanRisk.__doc__ or "").replace(
    "\n    Attributes\n", "\n" + settings_doc(ENGINE_FIELDS) + "\n    Attributes\n", 1
)
