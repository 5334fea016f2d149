"""Max-ratio over any measure: maximise ``S(w) = (mu.w - rf) / rho(w)`` over the constraints.

The Sharpe ratio for volatility (the standard deviation), the CVaR ratio for CVaR, and so
on for any registered measure. The ratio is not an expectation of a per-scenario loss, so
the engine never runs it directly: :class:`~portfolio_sgd.solvers.max_ratio.MaxRatioSolver`
solves it by one Charnes-Cooper program where the measure has one (a QP for volatility, an
LP for the tail and drawdown measures: :mod:`portfolio_sgd.solvers.ratio_exact`), and
otherwise as a sequence of the measure's utility problems (each one an engine run with the
measure's exact finish where it has one):

- **Dinkelbach** (a measure that is an expectation, e.g. CVaR): at ``lam_k = S(w_k)`` solve
  ``max_w mu.w - lam_k rho(w)``; ``lam_{k+1} = S(w_{k+1})`` rises to ``S*`` superlinearly.
- **Square root of a penalised measure** (``penalised_by``, e.g. volatility = sqrt(variance)):
  at ``w_k`` solve ``max_w mu.w - g_k P(w)`` with ``g_k = S_k / (2 rho_k)``; since
  ``rho(w) <= P(w) / (2 rho_k) + rho_k / 2`` (AM-GM), every step raises the ratio
  (a minorise-maximise form of Dinkelbach), and its fixed points are the ratio's KKT points.

The ratio is quasi-concave where the mean excess is positive (``rho`` convex), so a
stationary point is the global maximum.

**Certificates** (upper bounds on ``S*``; ``rf`` enters as ``rf * sum(w)``, a constant on a
fixed budget):

- From the Dinkelbach problem: if ``U >= max_C [mu.w - rf - lam rho(w)]`` (the utility run's
  certified gap) and ``rho >= rho_lo > 0`` on C (the min-risk run's certified bound), then
  ``S* <= lam + max(U, 0) / rho_lo``.
- From a gradient (convex, positively homogeneous ``rho`` with ``g = grad rho(w_k)``):
  ``rho(w) >= g.w`` for all ``w`` (Euler), so ``S* <= max_C {(mu - rf).w / g.w}``, a
  linear-fractional program solved exactly by Dinkelbach steps on the constraint set's
  linear oracle (:func:`linear_fractional_bound`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.registry import get_measure
from .base import Derivatives, PortfolioObjective
from .parameters import SpecFields

__all__ = ["DEFAULT_RATIO_MEASURE", "MaxRatio", "linear_fractional_bound", "root_gradient"]

DEFAULT_RATIO_MEASURE = "volatility"
"""The measure of max-ratio when none is named: the Sharpe ratio."""


class MaxRatio(PortfolioObjective):
    """``max (mu.w - rf) / rho(w)`` (``--objective max-ratio --measure M``; ``max-sharpe``).

    Attributes
    ----------
    risk : RiskMeasure
        The denominator's measure (``spec.measure``, default volatility).
    """

    name = "max-ratio"
    member = "MAX_RATIO"
    aliases = ("max-sharpe", "maximize-ratio")
    functions = ("max-ratio",)
    takes_measure = True
    solved_as_ratio = True
    accepts_any_measure = True
    certificate_bar = 1e-4

    def __init__(self, spec: SpecFields) -> None:
        super().__init__(spec)
        self.risk: RiskMeasure = get_measure(
            getattr(spec, "measure", None) or DEFAULT_RATIO_MEASURE
        )
        self.measure = self.risk.name
        if not (self.risk.is_expectation or self.risk.penalised_by):
            raise ConfigError(f"max-ratio cannot optimise over the {self.risk.name} measure")

    @property
    def risk_free_rate(self) -> float:
        """``rf`` per period of the data (``spec.risk_free_rate``)."""
        return float(getattr(self.spec, "risk_free_rate", 0.0))

    def losses(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """Refused: the ratio is not an expectation (its solver drives utility runs)."""
        raise ConfigError("max-ratio is solved by its Dinkelbach solver, not by one engine run")

    def derivatives(self, *args: Any, **kwargs: Any) -> Derivatives:
        """Refused, as :meth:`losses`."""
        raise ConfigError("max-ratio is solved by its Dinkelbach solver, not by one engine run")

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """Refused: the ratio is not convex in ``w``; its cvxpy reference is the
        Charnes-Cooper program over ``y = k w`` (see ``tests/test_max_ratio.py``)."""
        raise ConfigError(
            "max-ratio has no cvxpy form over w (its reference is the Charnes-Cooper program)"
        )

    def ratio(self, returns: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
        """``(S(w), mu.w - rf * sum(w), rho(w))`` in the data's period (float64).

        Parameters
        ----------
        returns : ndarray, shape (T, N)
        w : ndarray, shape (N,)
        """
        excess = float(returns.mean(axis=0) @ w) - self.risk_free_rate * float(np.sum(w))
        risk = float(self.risk.numpy_value((returns @ w)[:, None], self.spec.alpha)[0])
        value = excess / risk if risk > 0 else math.copysign(math.inf, excess)
        return value, excess, risk

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """``-S`` (K,) of portfolio returns ``x`` (T, K) (the value minimised), with
        ``rf`` on a budget of 1."""
        excess = x.mean(axis=0) - self.risk_free_rate
        return -excess / self.risk.numpy_value(x, self.spec.alpha)


def root_gradient(
    penalised: RiskMeasure, returns: np.ndarray, w: np.ndarray, alpha: float
) -> tuple[float, np.ndarray]:
    """``rho(w) = sqrt(P(w))`` and its gradient ``grad P / (2 rho)`` (N,), float64, for a
    smooth expectation measure ``P`` (the one a root measure is ``penalised_by``).

    Parameters
    ----------
    penalised : RiskMeasure
    returns : ndarray, shape (T, N)
    w : ndarray, shape (N,)
    alpha : float
    """
    r = torch.from_numpy(np.array(returns, dtype=np.float64))
    mu = r.mean(dim=0)
    w64 = torch.tensor(np.asarray(w, dtype=np.float64))
    x = (r @ w64)[None, :]
    m = (mu @ w64)[None]
    value = float(penalised.losses(x, m, None, alpha).mean())
    dx, dm, _ = penalised.derivatives(x, m, None, alpha)
    grad = (dx @ r)[0] / r.shape[0]
    if dm is not None:
        grad = grad + dm.mean() * mu
    rho = math.sqrt(max(value, 0.0))
    return rho, (grad / (2.0 * rho)).numpy() if rho > 0 else np.zeros_like(w)


def linear_fractional_bound(
    minimize: Any,
    excess: np.ndarray,
    gradient: np.ndarray,
    start: float,
    steps: int = 100,
    offset: float = 0.0,
) -> float:
    """``max_{w in C} excess.w / (gradient.w + offset)`` by Dinkelbach steps on the linear
    oracle.

    Each step maximises ``(excess - lam gradient).w`` over the polytope exactly
    (``minimize``, the set's linear oracle); ``lam`` rises to the maximum in finitely many
    vertex steps. ``+inf`` when a vertex with positive excess has a denominator ``<= 0``.

    Parameters
    ----------
    minimize : callable
        ``c (1, N) -> argmin_{s in C} c.s`` (1, N).
    excess, gradient : ndarray, shape (N,)
        ``mu - rf`` and the risk's gradient at the solution.
    start : float
        A ratio attained on C (a lower bound of the maximum).
    offset : float
        A constant in the denominator (an affine minorant of the risk; 0: linear).
    """
    lam = start
    for _ in range(steps):
        cost = torch.as_tensor(-(excess - lam * gradient), dtype=torch.float64)[None, :]
        v = minimize(cost)[0].cpu().numpy()
        top, denominator = float(excess @ v), float(gradient @ v) + offset
        if top - lam * denominator <= 1e-15 * max(abs(top), abs(lam * denominator), 1e-300):
            return lam
        if denominator <= 0:
            return math.inf
        lam = top / denominator
    return math.inf
