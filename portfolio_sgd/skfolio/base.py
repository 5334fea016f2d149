"""What every portfolio-sgd skfolio estimator shares: engine settings, the fit, warm starts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from skfolio.optimization import BaseOptimization
from sklearn.utils.validation import validate_data

from ..api import optimize, resolve_settings
from ..constraints import Constraints
from ..engine.shorthands import ENGINE_FIELDS, check_settings
from ..objectives import ObjectiveSpec
from ..results import OptimizationResult
from .mapping import previous_as_array
from .prior_adapter import as_prior


class SGDOptimizationBase(BaseOptimization):
    """Base of :class:`SGDMeanRisk` and :class:`SGDRiskBudgeting` (not used directly).

    Subclasses set ``warm_start`` and ``config`` in ``__init__``, pass their engine
    keywords (one per :class:`EngineConfig` field, :data:`ENGINE_FIELDS`) to
    :meth:`_set_engine`, and implement
    :meth:`_problem`, which maps their skfolio parameters to our objective and
    constraints. :meth:`fit` does the rest: scikit-learn's ``validate_data`` (tickers kept
    as ``feature_names_in_``), the warm start, one :func:`portfolio_sgd.optimize` run,
    ``weights_`` (N,) and ``result_``.
    """

    @property
    def needs_previous_weights(self) -> bool:
        """True with ``warm_start``: skfolio then hands each fold the previous portfolio."""
        return bool(self.warm_start) or super().needs_previous_weights

    def _set_engine(self, engine: dict[str, Any], owner: str) -> None:
        """Store one attribute per engine field (None where not given)."""
        check_settings(engine, ENGINE_FIELDS, owner)
        for name in ENGINE_FIELDS:
            setattr(self, name, engine.get(name))

    def _problem(
        self, n_obs: int, n_assets: int, names: list[str] | None
    ) -> tuple[ObjectiveSpec, Constraints]:
        """The objective and constraints of this estimator's parameters (subclasses)."""
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> SGDOptimizationBase:  # noqa: N803
        """Optimise on returns ``X`` (T, N); ``y`` and fit parameters are ignored."""
        previous = self._previous_fit()
        X = validate_data(self, X)  # noqa: N806 - sets n_features_in_, feature_names_in_
        n_obs, n_assets = X.shape
        names = getattr(self, "feature_names_in_", None)
        names = None if names is None else [str(n) for n in names]
        spec, constraints = self._problem(n_obs, n_assets, names)
        engine = {name: getattr(self, name) for name in ENGINE_FIELDS}
        spec, constraints, config = resolve_settings(spec, constraints, self.config, **engine)
        prior = as_prior(getattr(self, "prior_estimator", None))
        if names is None and prior is not None:
            names = [f"x{i}" for i in range(n_assets)]  # a prior's views name the columns
        returns = pd.DataFrame(X, columns=names) if names is not None else X
        init = self._warm_start_weights(previous, n_assets, names)
        self.result_: OptimizationResult = optimize(
            returns, spec, constraints, config, init_weights=init, prior=prior
        )
        self.weights_ = self.result_.weights.to_numpy(dtype=float, copy=True)
        return self

    def _previous_fit(self) -> tuple[np.ndarray, list[str] | None] | None:
        """This estimator's last weights and asset names (before ``validate_data`` resets)."""
        weights = getattr(self, "weights_", None)
        if not self.warm_start or weights is None or np.ndim(weights) != 1:
            return None
        names = getattr(self, "feature_names_in_", None)
        return np.asarray(weights, dtype=float), None if names is None else list(map(str, names))

    def _warm_start_weights(
        self,
        previous: tuple[np.ndarray, list[str] | None] | None,
        n_assets: int,
        names: list[str] | None,
    ) -> np.ndarray | None:
        """The warm start: the last fit's weights, else ``previous_weights``, else None."""
        if not self.warm_start:
            return None
        if previous is not None:
            weights, old_names = previous
            if old_names is not None and names is not None:
                return previous_as_array(
                    dict(zip(old_names, weights, strict=True)), n_assets, names
                )
            if weights.shape == (n_assets,):
                return weights
        if self.previous_weights is not None:
            return previous_as_array(self.previous_weights, n_assets, names)
        return None
