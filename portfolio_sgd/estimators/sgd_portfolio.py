"""The scikit-learn-style estimator: :class:`SGDPortfolio`.

>>> from portfolio_sgd import SGDPortfolio, load_returns
>>> returns = load_returns(dataset="sp500")
>>> model = SGDPortfolio(objective="min-variance", seed=0).fit(returns)
>>> model.weights_.sum()  # doctest: +SKIP
1.0

Constructor parameters are stored as given and validated in :meth:`SGDPortfolio.fit`
(scikit-learn's convention), so :func:`sklearn.base.clone`, ``get_params`` and
``set_params`` work as for any scikit-learn estimator; ``fit`` never changes its inputs.

Tickers through scikit-learn pipelines: ``fit`` sets ``n_features_in_`` and, when the
returns' column names are all strings, ``feature_names_in_``; the weights are named by
them. A pipeline whose steps output pandas (``pipeline.set_output(transform="pandas")``)
therefore hands the estimator the kept tickers. ``predict`` accepts a DataFrame (checked
against the fitted tickers) or a NumPy array (matched by position to
``feature_names_in_``). ``set_output`` is a no-op returning ``self``: the estimator is not
a transformer (scikit-learn's ``Pipeline.set_output`` only configures steps that
transform), and scikit-learn stays an optional dependency of the core package.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..api import ObjectiveLike, optimize, optimize_many, resolve_settings
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..engine.shorthands import ESTIMATOR_SETTINGS, check_settings, settings_doc, settings_signature
from ..errors import ConfigError, DataError
from ..results import OptimizationResult

__all__ = ["SGDPortfolio", "optimize", "optimize_many"]


class SGDPortfolio:
    """Mini-batch SGD portfolio optimiser with a scikit-learn-style API.

    Parameters
    ----------
    objective : str, Objective or ObjectiveSpec, default "mean-variance"
        A registered objective name (``mean-variance``, ``min-variance``, ``cvar``,
        ``kelly``, ``tracking``) or a spec with its parameters.
    constraints : Constraints, optional
        Feasible set (default: long-only, fully invested).
    config : EngineConfig, optional
        Engine settings (default ``EngineConfig()``).
    **settings
        One keyword per setting of :data:`~portfolio_sgd.engine.shorthands.ESTIMATOR_SETTINGS`
        (the objective and constraint shorthands, and every :class:`EngineConfig` field),
        each overriding that field of ``objective``, ``constraints`` or ``config``
        (default None: keep it). Generated from the records, listed below.

    Attributes
    ----------
    weights_ : pandas.Series, shape (N,)
        Fitted weights by ticker.
    result_ : OptimizationResult
        Everything the fit recorded.
    n_features_in_ : int
        Number of assets seen in ``fit``.
    feature_names_in_ : ndarray of str, shape (N,)
        The tickers seen in ``fit``; defined only when the returns' columns are all strings.
    """

    def __init__(
        self,
        objective: ObjectiveLike = "mean-variance",
        *,
        constraints: Constraints | None = None,
        config: EngineConfig | None = None,
        **settings: Any,
    ) -> None:
        check_settings(settings, ESTIMATOR_SETTINGS, "SGDPortfolio")
        self.objective = objective
        self.constraints = constraints
        self.config = config
        for name in ESTIMATOR_SETTINGS:
            setattr(self, name, settings.get(name))

    __init__.__signature__ = settings_signature(__init__, ESTIMATOR_SETTINGS)  # type: ignore[attr-defined]

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, object]:  # noqa: ARG002 - sklearn API
        """Constructor parameters by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: object) -> SGDPortfolio:
        """Set constructor parameters and return self.

        Raises
        ------
        ConfigError
            For a name that is not a constructor parameter.
        """
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(f"invalid parameter {name!r} for SGDPortfolio")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if value is not defaults[name].default and value != defaults[name].default
        ]
        return f"SGDPortfolio({', '.join(changed)})"

    def set_output(self, *, transform: str | None = None) -> SGDPortfolio:  # noqa: ARG002
        """scikit-learn's output API; a no-op returning ``self`` (not a transformer)."""
        return self

    def fit(
        self,
        returns: pd.DataFrame | np.ndarray | torch.Tensor,
        benchmark: pd.Series | np.ndarray | None = None,
        init_weights: np.ndarray | pd.Series | None = None,
    ) -> SGDPortfolio:
        """Optimise on ``returns`` (T, N); returns ``self``."""
        params = self.get_params()
        spec, constraints, config = resolve_settings(
            params.pop("objective"), params.pop("constraints"), params.pop("config"), **params
        )
        names = _string_columns(returns)
        self.result_: OptimizationResult = optimize(
            returns, spec, constraints, config, benchmark=benchmark, init_weights=init_weights
        )
        self.weights_ = self.result_.weights
        self.n_features_in_ = int(self.weights_.shape[0])
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def predict(self, returns: pd.DataFrame | np.ndarray) -> pd.Series:
        """Portfolio returns (T,) of the fitted weights on ``returns`` (T, N).

        A DataFrame's columns must be the fitted tickers (in order); a NumPy array is
        matched by position and must have ``n_features_in_`` columns.
        """
        if isinstance(returns, pd.DataFrame):
            cols = [str(c) for c in returns.columns]
            if cols != list(self.weights_.index):
                raise DataError("returns columns do not match the fitted tickers")
            return pd.Series(returns.to_numpy() @ self.weights_.to_numpy(), index=returns.index)
        values = np.asarray(returns, dtype=float)
        if values.ndim != 2 or values.shape[1] != self.n_features_in_:
            raise DataError(
                f"returns must have shape (T, {self.n_features_in_}), got {values.shape}"
            )
        return pd.Series(values @ self.weights_.to_numpy())


SGDPortfolio.__doc__ = (SGDPortfolio.__doc__ or "").replace(
    "\n    Attributes\n", "\n" + settings_doc(ESTIMATOR_SETTINGS) + "\n    Attributes\n", 1
)


def _string_columns(returns: object) -> list[str] | None:
    """A DataFrame's column names when they are all strings (scikit-learn's rule), else None."""
    columns = getattr(returns, "columns", None)
    if columns is None or not all(isinstance(c, str) for c in columns):
        return None
    return list(columns)
