"""Risk budgeting by a convex, positively homogeneous measure: the solve and its certificate.

With budgets ``b > 0`` (``sum b = 1``) the budgeting portfolio is ``w = y / sum(y)`` for

    y* = argmin_{y > 0}  F(y) = rho(y) - sum_i b_i log y_i,

whose stationarity ``y_i g_i = b_i`` (``g`` in the subdifferential of ``rho`` at ``y``) makes
the Euler risk contributions ``RC_i = w_i g_i / rho(w)`` equal the budgets (``g.y = rho(y)``
by homogeneity, so ``rho(y*) = sum b = 1``).

**Solve.** The measure's own smoothing of its per-scenario loss (``smoothing = tau``, the
hinge of CVaR as ``tau softplus(z / tau)``) makes ``F`` smooth; each ``tau`` of a shrinking
schedule is minimised by L-BFGS over ``(log y, t)`` (scipy), warm-started at the previous
one. The measure's VaR level ``t`` is a variable where it has one. Each of the last
stages is certified and the one with the smallest proven gap is returned.

**Certificate.** ``rho`` is the support function of ``G = {g : g.v <= rho(v) for all v}``, so
by duality, for any ``g`` in ``G`` with ``g > 0``,

    F* >= D(g) = sum_i b_i (1 - log b_i) + sum_i b_i log g_i.

The smoothed measure's gradient at the final ``y`` (its tail weights ``q`` with ``t`` set so
that they sum to 1: ``q`` in the capped simplex, ``g = -R' q`` in ``G`` for CVaR) gives the
bound; ``F(y) - D(g)`` (exact ``rho``) is the proven gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import minimize

from ..errors import ConfigError
from ..measures.base import RiskMeasure

__all__ = ["BudgetSolution", "by_smoothing", "solve_budgets"]

SCHEDULE = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
"""The smoothing ``tau`` of each stage, relative to the returns' scale."""

CERTIFY_FROM = 1e-6
"""Stages at or below this smoothing are certified; the one with the smallest gap is kept
(a smaller ``tau`` has a smaller bias but a less stationary L-BFGS point)."""


@dataclass(frozen=True)
class BudgetSolution:
    """The solve of :func:`solve_budgets`.

    Attributes
    ----------
    y : ndarray, shape (N,)
        The unnormalised optimum (``w = y / sum(y)``).
    gradient : ndarray, shape (N,)
        The certifying subgradient ``g`` (in ``G``) at ``y``.
    value, lower : float
        ``F(y)`` with the exact measure, and the proven lower bound ``D(g)`` on ``F*``.
    contributions : ndarray, shape (N,)
        ``y_i g_i / g.y``: the risk contributions by the certifying subgradient.
    var_level : float or None
        The VaR level ``t`` of a measure with one.
    """

    y: np.ndarray
    gradient: np.ndarray
    value: float
    lower: float
    contributions: np.ndarray
    var_level: float | None


class _Smoothed:
    """``F_tau(u, t) = E[l_t(R e^u, t)] - b.u`` and its gradient, in float64."""

    def __init__(self, measure: RiskMeasure, returns: np.ndarray, b: np.ndarray, alpha: float):
        self.measure, self.alpha, self.b = measure, alpha, b
        self.r = torch.from_numpy(np.array(returns, dtype=np.float64))
        self.mu = self.r.mean(dim=0)
        self.tau = 0.0

    def parts(self, y: np.ndarray, t: float) -> tuple[torch.Tensor, ...]:
        """``(x (1, T), mu.y (1,), t (1,))`` as tensors."""
        yt = torch.from_numpy(np.array(y, dtype=np.float64))
        return (self.r @ yt)[None, :], (self.mu @ yt)[None], torch.tensor([t], dtype=torch.float64)

    def __call__(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        u, t = z[:-1], float(z[-1])
        y = np.exp(u)
        x, m, level = self.parts(y, t)
        level_arg = level if self.measure.has_var_level else None
        loss = self.measure.losses(x, m, level_arg, self.alpha, self.tau)
        dx, dm, dt = self.measure.derivatives(x, m, level_arg, self.alpha, self.tau)
        grad_y = (dx @ self.r)[0] / self.r.shape[0]
        if dm is not None:
            grad_y = grad_y + dm.mean() * self.mu
        grad_t = float(dt.mean()) if dt is not None else 0.0
        value = float(loss.mean()) - float(self.b @ u)
        grad_u = grad_y.numpy() * y - self.b
        return value, np.append(grad_u, grad_t)

    def gradient_at(self, y: np.ndarray, t: float) -> np.ndarray:
        """The smoothed measure's gradient (N,) in ``y`` at ``(y, t)``."""
        _, grad = self(np.append(np.log(y), t))
        return (grad[:-1] + self.b) / y


def by_smoothing(measure: RiskMeasure) -> bool:
    """Whether this module's smoothing solve applies: the measure decomposes and is an
    expectation of per-scenario losses that is not path dependent."""
    return measure.decomposes and measure.is_expectation and not measure.path_dependent


def solve_budgets(
    measure: RiskMeasure, returns: np.ndarray, budgets: np.ndarray, alpha: float
) -> BudgetSolution:
    """Solve ``min_{y > 0} rho(y) - b.log y`` (see the module docstring).

    Parameters
    ----------
    measure : RiskMeasure
        Convex, positively homogeneous, an expectation of per-scenario losses, not path
        dependent (:func:`by_smoothing`).
    returns : ndarray, shape (T, N)
    budgets : ndarray, shape (N,)
        ``b > 0``, summing to 1.
    alpha : float
        The measure's confidence level.
    """
    if not by_smoothing(measure):
        raise ConfigError(
            f"risk budgeting needs a convex, positively homogeneous expectation of per-scenario "
            f"losses; {measure.name} is not one"
        )
    f = _Smoothed(measure, returns, budgets, alpha)
    scale = float(np.abs(returns).mean()) or 1.0
    sigma = returns.std(axis=0)
    z = np.append(np.log(budgets / np.maximum(sigma, 1e-300)), 0.0)
    best: BudgetSolution | None = None
    for rel in SCHEDULE:
        f.tau = rel * scale
        opts = {"maxiter": 20_000, "gtol": 1e-13, "ftol": 1e-16, "maxcor": 30}
        z = minimize(f, z, jac=True, method="L-BFGS-B", options=opts).x
        if rel <= CERTIFY_FROM:
            found = _certify_stage(f, z)
            if best is None or found.value - found.lower < best.value - best.lower:
                best = found
    assert best is not None
    return best


def _certify_stage(f: _Smoothed, z: np.ndarray) -> BudgetSolution:
    """The certified solution at a stage's minimiser ``z = (log y, t)``."""
    y = np.exp(z[:-1])
    has_level = f.measure.has_var_level
    t, mass = _balanced_level(f, y, float(z[-1])) if has_level else (None, 1.0)
    g = f.gradient_at(y, t if t is not None else 0.0) / mass
    returns = f.r.numpy()
    return _certified(f.measure, returns, f.b, f.alpha, y, g, t)


def _balanced_level(f: _Smoothed, y: np.ndarray, t0: float) -> tuple[float, float]:
    """A level ``t`` where ``E[dl/dt] <= 0`` and about 0 for the smoothed loss at ``y``, and
    ``1 - E[dl/dt]`` there (the tail weights' sum, ``>= 1``), by bisection.

    For a Rockafellar-Uryasev loss ``t + h(x - t)`` the tail weights ``q = -dl/dx / T`` are
    at most their cap and sum to ``1 - E[dl/dt]``: divided by it they lie in the capped
    simplex, so the gradient divided by it lies in ``G``.
    """

    def slope(t: float) -> float:
        x, m, level = f.parts(y, t)
        return float(f.measure.derivatives(x, m, level, f.alpha, f.tau)[2].mean())

    step = max(abs(t0), 1e-6)
    lo, hi = t0 - step, t0 + step
    while slope(lo) > 0:
        lo, step = lo - step, 2 * step
    while slope(hi) < 0:
        hi, step = hi + step, 2 * step
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if slope(mid) <= 0 else (lo, mid)
    return lo, 1.0 - slope(lo)


def _certified(
    measure: RiskMeasure,
    returns: np.ndarray,
    b: np.ndarray,
    alpha: float,
    y: np.ndarray,
    g: np.ndarray,
    t: float | None,
) -> BudgetSolution:
    """``F(y)`` with the exact measure, ``D(g)`` and the contributions ``y g / g.y``."""
    rho = float(measure.numpy_value((returns @ y)[:, None], alpha)[0])
    value = rho - float(b @ np.log(y))
    lower = -math.inf
    if np.all(g > 0):
        lower = float(b @ (1.0 - np.log(b)) + b @ np.log(g))
    rc = y * g / float(g @ y)
    return BudgetSolution(y, g, value, lower, rc, t)
