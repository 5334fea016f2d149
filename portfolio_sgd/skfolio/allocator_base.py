"""What the allocator estimators share: skfolio's parameters as an allocation, and the fit.

:class:`SGDAllocatorBase` subclasses ``skfolio.optimization.BaseOptimization``; each
subclass (:mod:`.hierarchical`, :mod:`.naive`) names its allocator and maps its own
parameters in :meth:`SGDAllocatorBase._spec`. The shared parameters map as:

====================  =================================================================
skfolio               portfolio-sgd
====================  =================================================================
min_weights           per-asset lower bounds: a float, an array (N,) or a dict by asset
                      (missing assets 0); equal values set ``Constraints.min_weight``,
                      different ones become single-asset linear rows
max_weights           per-asset upper bounds (the same; missing assets 1)
groups,               ``groups`` and ``linear`` of :class:`Constraints` (extensions: skfolio's
linear_constraints    hierarchical estimators have no group constraints)
====================  =================================================================

The fit is one :func:`portfolio_sgd.optimize` call with the allocator's
:class:`~portfolio_sgd.allocators.AllocatorSpec` (and the estimator's ``prior_estimator``,
where it has one: :mod:`.prior_adapter`); ``weights_`` (N,) and ``result_`` (an
:class:`~portfolio_sgd.OptimizationResult` with its ``constraints_report``) are set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from skfolio.optimization import BaseOptimization
from sklearn.utils.validation import validate_data

from ..allocators import AllocatorSpec
from ..api import optimize
from ..constraints import Constraints
from ..errors import ConfigError
from ..measures.registry import get_measure
from ..results import OptimizationResult
from .mapping import linear_settings
from .prior_adapter import as_prior

SKFOLIO_MEASURES = {"STANDARD_DEVIATION": "volatility"}
"""skfolio ``RiskMeasure`` members whose name is not that of our measure."""


def measure_name(risk_measure: Any) -> str:
    """Our registered measure for skfolio's ``RiskMeasure`` member (or a measure's name).

    Raises
    ------
    ConfigError
        For a measure we do not have (the registered ones are listed).
    """
    member = str(getattr(risk_measure, "name", risk_measure))
    return get_measure(SKFOLIO_MEASURES.get(member, member)).name


def bound_vector(
    value: Any, name: str, n_assets: int, names: Sequence[str] | None, fill: float
) -> np.ndarray:
    """Per-asset bounds (N,) from a float, an array (N,) or a dict by asset name."""
    if value is None:
        return np.full(n_assets, fill)
    if isinstance(value, Mapping):
        if names is None:
            raise ConfigError(f"{name} as a dict needs X with asset names")
        unknown = sorted(str(k) for k in value if str(k) not in set(names))
        if unknown:
            raise ConfigError(f"{name} names unknown assets: {', '.join(unknown[:3])}")
        return np.array([float(value.get(n, fill)) for n in names])
    values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    if values.size not in (1, n_assets) or not np.all(np.isfinite(values)):
        raise ConfigError(f"{name} must be finite: one value or {n_assets}, got {value!r}")
    return np.broadcast_to(values, (n_assets,)).copy()


def allocator_constraints(
    params: Mapping[str, Any], n_assets: int, names: Sequence[str] | None
) -> Constraints:
    """The :class:`Constraints` of the shared parameters (module docstring)."""
    lower = bound_vector(params.get("min_weights"), "min_weights", n_assets, names, 0.0)
    upper = bound_vector(params.get("max_weights"), "max_weights", n_assets, names, 1.0)
    lo = float(lower.min()) if np.ptp(lower) == 0 else 0.0
    hi = float(upper.max()) if np.ptp(upper) == 0 else 1.0
    linear = linear_settings(params, n_assets, names)
    eye = np.eye(n_assets)
    rows = [eye[i] for i in np.flatnonzero(upper < hi)]
    rows += [-eye[i] for i in np.flatnonzero(lower > lo)]
    if rows:
        bounds = np.concatenate([upper[upper < hi], -lower[lower > lo]])
        a_ub, b_ub = np.array(rows), bounds
        if "A_ub" in linear:
            a_ub = np.vstack([linear["A_ub"], a_ub])
            b_ub = np.concatenate([linear["b_ub"], b_ub])
        linear["A_ub"], linear["b_ub"] = a_ub, b_ub
    return Constraints(min_weight=lo, max_weight=hi, **linear)


class SGDAllocatorBase(BaseOptimization):
    """Base of the allocator estimators (not used directly; see the module docstring)."""

    def _keep_constraints(
        self, min_weights: Any, max_weights: Any, groups: Any, linear_constraints: Any
    ) -> None:
        """Store the shared constraint parameters (as scikit-learn's ``get_params`` reads them)."""
        self.min_weights = min_weights
        self.max_weights = max_weights
        self.groups = groups
        self.linear_constraints = linear_constraints

    def _spec(self) -> AllocatorSpec:
        """The allocator and its settings, from this estimator's parameters (subclasses)."""
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> SGDAllocatorBase:  # noqa: N803
        """Allocate on returns ``X`` (T, N); ``y`` and fit parameters are ignored."""
        X = validate_data(self, X)  # noqa: N806 - sets n_features_in_, feature_names_in_
        n_assets = X.shape[1]
        names = getattr(self, "feature_names_in_", None)
        names = None if names is None else [str(n) for n in names]
        constraints = allocator_constraints(self.get_params(deep=False), n_assets, names)
        prior = as_prior(getattr(self, "prior_estimator", None))
        if names is None and prior is not None:
            names = [f"x{i}" for i in range(n_assets)]  # a prior fits a named frame
        returns = pd.DataFrame(X, columns=names) if names is not None else X
        spec = self._spec()
        self.result_: OptimizationResult = optimize(returns, spec, constraints, prior=prior)
        self.weights_ = self.result_.weights.to_numpy(dtype=float, copy=True)
        return self
