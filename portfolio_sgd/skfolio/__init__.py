"""portfolio-sgd inside skfolio and scikit-learn: :class:`SGDMeanRisk`, :class:`SGDRiskBudgeting`.

Needs skfolio (``pip install "portfolio-sgd[skfolio]"``); importing this package without
it raises an ``ImportError`` that says so.

:class:`SGDMeanRisk` subclasses ``skfolio.optimization.BaseOptimization``: it fits on
returns ``X`` (numpy or DataFrame), sets ``weights_`` (ndarray) and keeps our
:class:`~portfolio_sgd.OptimizationResult` in ``result_``; ``predict`` returns a skfolio
``Portfolio``. It works unchanged in skfolio's ``cross_val_predict`` (``WalkForward``,
``CombinatorialPurgedCV``), in scikit-learn ``Pipeline``s after skfolio pre-selection, in
``GridSearchCV`` with skfolio scorers, and in a ``Population``. With ``warm_start=True``
each fit starts from the previous weights (fold to fold in a walk-forward).

Objective map (skfolio ``MeanRisk`` -> portfolio-sgd):

=================================  ==================================================
skfolio                            portfolio-sgd
=================================  ==================================================
MINIMIZE_RISK, VARIANCE            ``min-variance``
MAXIMIZE_UTILITY, VARIANCE, lam    ``mean-variance``, ``risk_aversion = 2 lam T/(T-1)``
MINIMIZE_RISK, CVAR, cvar_beta     ``cvar``, ``alpha = cvar_beta``
MAXIMIZE_UTILITY, CVAR, lam        ``cvar``, ``alpha = cvar_beta``, ``return_weight = 1/lam``
MAXIMIZE_RATIO, any measure        ``max-ratio`` over it, ``risk_free_rate`` (Dinkelbach)
other objective or risk measure    ``ConfigError``
=================================  ==================================================

Parameter map (skfolio -> ``Constraints(min_weight, max_weight, long_short, max_leverage)``):

=====================  ==============================================================
skfolio                portfolio-sgd
=====================  ==============================================================
min_weights            ``min_weight``: a float, an array (N,) or a dict by asset (missing
                       assets 0; :mod:`.mandate`); ``< 0`` sets ``long_short``; None ->
                       ``ConfigError``
max_weights            ``max_weight`` (same forms; a dict's missing assets 1; None -> 1)
budget                 ``budget`` (below 1 the rest is cash; 0: dollar-neutral)
max_short, max_long    budget 1 and one bound for all: ``max_leverage = 1 + 2 max_short`` /
                       ``2 max_long - 1``; otherwise ``max_short`` / ``max_long``
groups                 ``groups`` (dict asset -> labels, or skfolio's (n_groups, N) labels)
linear_constraints     ``linear`` (the same grammar: names, ``+ - *``, ``<= >= ==``)
left/right_inequality  ``A_ub`` / ``b_ub``
transaction_costs      ``transaction_costs`` against ``previous_weights`` (times ``1/lam``
                       for CVaR utility, whose objective we divide by ``lam``); charged
                       under MINIMIZE_RISK too, where skfolio ignores them
management_fees        not supported: non-zero -> ``ConfigError``
max_turnover           ``max_asset_turnover`` (skfolio's limit is per asset)
previous_weights       the holdings of the costs and the turnover limit (missing 0); the
                       warm start when ``warm_start=True``; forwarded to the ``Portfolio``
prior_estimator        not a parameter: the sample returns are the scenarios
risk_free_rate         ``rf`` of MAXIMIZE_RATIO (per period); forwarded to the ``Portfolio``
=====================  ==============================================================

:class:`SGDRiskBudgeting` is skfolio's ``RiskBudgeting`` with ``RiskMeasure.VARIANCE``:
``risk_budget`` (array (N,), dict by asset, or None for equal budgets) becomes the
``budgets`` of our ``risk-parity`` objective; ``min_weights`` must be 0 and
``max_weights`` at least 1 (the solution is long-only and interior, so neither binds);
``groups``, ``linear_constraints``, ``left_inequality``, ``right_inequality``,
``min_return`` must be None and ``transaction_costs``, ``management_fees`` 0, else
``ConfigError``.

The allocators (:mod:`.hierarchical`, :mod:`.naive`): :class:`SGDHierarchicalRiskParity`,
:class:`SGDHierarchicalEqualRiskContribution`, :class:`SGDNestedClustersOptimization`,
:class:`SGDEqualWeighted`, :class:`SGDInverseVolatility`, :class:`SGDMaximumDiversification`
(skfolio's estimators of the same names without ``SGD``; see ``docs/allocators.md``).

Engine settings: ``config`` (an :class:`~portfolio_sgd.EngineConfig`) and the shorthands
``batch_size``, ``steps``, ``lr``, ``seed``, ``device``, ``dtype``.
"""

from __future__ import annotations

try:
    import skfolio as _skfolio  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without skfolio installed
    raise ImportError(
        'portfolio_sgd.skfolio needs skfolio: pip install "portfolio-sgd[skfolio]"'
    ) from exc

from .estimator import SGDMeanRisk
from .hierarchical import (
    SGDHierarchicalEqualRiskContribution,
    SGDHierarchicalRiskParity,
    SGDNestedClustersOptimization,
)
from .mapping import constraints_from, objective_spec
from .naive import SGDEqualWeighted, SGDInverseVolatility, SGDMaximumDiversification
from .risk_budgeting import SGDRiskBudgeting

__all__ = [
    "SGDEqualWeighted",
    "SGDHierarchicalEqualRiskContribution",
    "SGDHierarchicalRiskParity",
    "SGDInverseVolatility",
    "SGDMaximumDiversification",
    "SGDMeanRisk",
    "SGDNestedClustersOptimization",
    "SGDRiskBudgeting",
    "constraints_from",
    "objective_spec",
]
