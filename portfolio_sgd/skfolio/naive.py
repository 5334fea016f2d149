"""skfolio-compatible naive baselines: equal weight, inverse volatility, maximum
diversification (:mod:`portfolio_sgd.allocators.naive`).

=============================  ==================================
skfolio                        portfolio-sgd
=============================  ==================================
``EqualWeighted``              :class:`SGDEqualWeighted`
``InverseVolatility``          :class:`SGDInverseVolatility`
``MaximumDiversification``     :class:`SGDMaximumDiversification`
=============================  ==================================

Each takes ``min_weights``, ``max_weights``, ``groups`` and ``linear_constraints``
(:mod:`.allocator_base`), met by the Euclidean redistribution of the weights.
"""

from __future__ import annotations

from typing import Any

from ..allocators import AllocatorSpec
from .allocator_base import SGDAllocatorBase


class SGDEqualWeighted(SGDAllocatorBase):
    """``w_i = 1 / N`` (then the constraints).

    Parameters
    ----------
    min_weights, max_weights, groups, linear_constraints : optional
    portfolio_params, fallback, raise_on_failure
        As in skfolio's ``BaseOptimization``.
    """

    allocator = "equal-weight"

    def __init__(
        self,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        groups: Any = None,
        linear_constraints: Any = None,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
    ) -> None:
        super().__init__(
            portfolio_params=portfolio_params, fallback=fallback, raise_on_failure=raise_on_failure
        )
        self._keep_constraints(min_weights, max_weights, groups, linear_constraints)

    def _spec(self) -> AllocatorSpec:
        return AllocatorSpec(self.allocator)


class SGDInverseVolatility(SGDEqualWeighted):
    """``w_i ∝ 1 / sigma_i`` (parameters as :class:`SGDEqualWeighted`, plus skfolio's
    ``prior_estimator``: the volatilities are the prior's, :mod:`.prior_adapter`)."""

    allocator = "inverse-volatility"

    def __init__(
        self,
        min_weights: Any = 0.0,
        max_weights: Any = 1.0,
        groups: Any = None,
        linear_constraints: Any = None,
        prior_estimator: Any = None,
        portfolio_params: dict | None = None,
        fallback: Any = None,
        raise_on_failure: bool = True,
    ) -> None:
        super().__init__(
            min_weights,
            max_weights,
            groups,
            linear_constraints,
            portfolio_params,
            fallback,
            raise_on_failure,
        )
        self.prior_estimator = prior_estimator


class SGDMaximumDiversification(SGDEqualWeighted):
    """The maximum of ``sigma' w / sqrt(w' Sigma w)`` (parameters as
    :class:`SGDEqualWeighted`)."""

    allocator = "max-diversification"
