"""The max-ratio solver: ``max (mu.w - rf) / rho(w)``.

Where the measure has a Charnes-Cooper program (the covariance norm: one QP; an LP
epigraph: one LP), that program answers, with its proven bound
(:mod:`.ratio_exact`). Otherwise, a sequence of utility runs; also for an expectation
measure whose program's bound is not finite (a long-short set where the LP minorant is not
positive on every vertex), started at the program's weights, to certify them.

The maths and the certificates are in :mod:`portfolio_sgd.objectives.max_ratio`. Each
iteration solves the measure's utility problem (``compose("utility", measure, g)``: for
CVaR the tail LP finish, for variance the exact QP finish, else the SGD engine) with the
inner solver, warm-started at the previous weights:

- a measure that is an expectation: Dinkelbach, ``g = S(w_k)``; the bound is
  ``S* <= g + max(U, 0) / rho_lo`` with ``U`` from the utility run's certified gap and
  ``rho_lo`` from one certified min-risk run;
- a square-root measure (``penalised_by``, volatility): ``g = S_k / (2 rho_k)`` on the
  penalised measure; the bound is the linear-fractional bound of the gradient.

Iterations stop when the ratio no longer rises (1e-12 relative) or after ``max_iterations``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..certificate import accuracy_bar
from ..constraints.trading.terms import has_trading
from ..errors import ConfigError
from ..measures.registry import get_measure
from ..objectives.composition import compose
from ..objectives.max_ratio import MaxRatio, linear_fractional_bound, root_gradient
from ..results import OptimizationResult, RatioReport
from .base import Solver, Task
from .plain import PlainSolver
from .ratio_exact import exact_ratio, ratio_weights_result

__all__ = ["MaxRatioSolver"]


@dataclass(frozen=True)
class MaxRatioSolver:
    """Max-ratio by Dinkelbach iterations of an inner solver (see the module docstring)."""

    inner: Solver = PlainSolver()
    max_iterations: int = 50

    def solve(self, task: Task) -> OptimizationResult:
        """The best ratio's weights, with its :class:`RatioReport` and certificate."""
        ratio: MaxRatio = task.spec.impl  # type: ignore[assignment]
        problem = task.prepared.problem
        if has_trading(task.constraints):
            raise ConfigError("max-ratio does not take trading costs or turnover limits")
        returns = problem.returns.detach().cpu().to(torch.float64).numpy()
        oracle = problem.constraints.linear_oracle(problem.n_assets)
        w = _best_excess_vertex(ratio, returns, oracle.minimize)
        root = not ratio.risk.is_expectation
        exact = exact_ratio(ratio, returns, oracle, w)
        if exact is not None and (math.isfinite(exact.upper) or root):
            run = ratio_weights_result(task, exact.weights, exact.seconds)
            return _ratio_result(task, run, exact.attained, exact.upper, 1, exact.method)
        if exact is not None:  # exact weights, no finite bound: Dinkelbach certifies them
            w = exact.weights
        sub_measure = get_measure(ratio.risk.penalised_by) if root else ratio.risk
        best, result, iterations = ratio.ratio(returns, w), None, 0
        last, level = None, 0.0  # the last run and its g: any run's certificate bounds S*
        while iterations < self.max_iterations:
            s_k, _, rho_k = best
            g = s_k / (2.0 * rho_k) if root else s_k
            spec = compose("utility", sub_measure, risk_aversion=g, alpha=task.spec.alpha)
            run = self.inner.solve(task.variant(spec=spec, init_weights=w))
            last, level, iterations = run, g, iterations + 1
            candidate = run.weights.to_numpy()
            value = ratio.ratio(returns, candidate)
            if result is not None and not value[0] > best[0] * (1 + 1e-12) + 1e-300:
                break
            w, best, result = candidate, value, run
        assert result is not None and last is not None  # at least one run
        if root:
            upper = _gradient_bound(ratio, returns, w, oracle.minimize, best[0])
        else:
            upper = _dinkelbach_bound(ratio, task, self.inner, last, returns, level)
        return _ratio_result(task, result, best, upper, iterations, _how(root))


def _best_excess_vertex(ratio: MaxRatio, returns: np.ndarray, minimize: object) -> np.ndarray:
    """The portfolio (N,) of largest excess mean over C; refuses when none beats ``rf``."""
    excess = returns.mean(axis=0) - ratio.risk_free_rate
    cost = torch.as_tensor(-excess, dtype=torch.float64)[None, :]
    vertex = minimize(cost)[0].cpu().numpy()  # type: ignore[operator]
    s0, top, rho0 = ratio.ratio(returns, vertex)
    if not top > 0:
        raise ConfigError(
            f"no portfolio has a mean return above the risk-free rate {ratio.risk_free_rate:g} "
            f"(best excess {top:.3g} per period): the ratio has no positive maximum"
        )
    if not (rho0 > 0 and math.isfinite(s0)):
        raise ConfigError(f"the {ratio.risk.name} of the best-return portfolio is not positive")
    return vertex


def _gradient_bound(
    ratio: MaxRatio, returns: np.ndarray, w: np.ndarray, minimize: object, attained: float
) -> float:
    """The linear-fractional bound of the root measure's gradient at ``w`` (Euler)."""
    penalised = get_measure(ratio.risk.penalised_by)
    rho, gradient = root_gradient(penalised, returns, w, ratio.spec.alpha)
    _, _, risk = ratio.ratio(returns, w)
    if not abs(rho - risk) <= 1e-9 * risk:
        raise ConfigError(
            f"max-ratio needs {ratio.risk.name} = sqrt({penalised.name}); they differ at the solution"
        )
    excess = returns.mean(axis=0) - ratio.risk_free_rate
    return linear_fractional_bound(minimize, excess, gradient, attained)


def _dinkelbach_bound(
    ratio: MaxRatio,
    task: Task,
    inner: Solver,
    run: OptimizationResult,
    returns: np.ndarray,
    level: float,
) -> float:
    """``level + max(U, 0) / rho_lo`` from a utility run at ``g = level`` (its weights and
    certified gap give ``U``) and a min-risk run."""
    w = run.weights.to_numpy()
    _, excess, risk = ratio.ratio(returns, w)
    scale = _utility_scale(run, returns, w, level)
    slack = excess - level * risk + run.optimality_gap / scale
    floor_spec = compose("min-risk", ratio.risk, alpha=task.spec.alpha)
    floor_run = inner.solve(task.variant(spec=floor_spec, init_weights=w))
    rho_lo = floor_run.objective_value - floor_run.optimality_gap
    if not rho_lo > 0:
        raise ConfigError(
            f"the {ratio.risk.name} is not certified positive on the constraint set "
            f"(floor {rho_lo:.3g}): the ratio may be unbounded"
        )
    return level + max(slack, 0.0) / rho_lo


def _utility_scale(run: OptimizationResult, returns: np.ndarray, w: np.ndarray, g: float) -> float:
    """``c`` with ``f = c (g rho - mu.w)`` for the utility run's objective ``f`` (> 0),
    read off its values at ``w`` and at the equal-weight portfolio."""
    impl = run.spec.impl
    risk = get_measure(run.spec.measure) if run.spec.measure else None
    points = np.stack([w, np.full_like(w, 1.0 / len(w))], axis=1)  # (N, 2)
    x = returns @ points
    f = impl.numpy_value(x)
    rho = (risk or _measure_of(run)).numpy_value(x, run.spec.alpha)
    u = g * rho - x.mean(axis=0)
    if abs(u[0] - u[1]) <= 1e-12 * max(abs(u[0]), abs(u[1])):
        return float(f[0] / u[0])
    return float((f[0] - f[1]) / (u[0] - u[1]))


def _how(root: bool) -> str:
    """The Dinkelbach methods' names and bounds."""
    if root:
        return (
            "square-root Dinkelbach (minorise-maximise) on the penalised measure's utility; "
            "bound: linear-fractional program of the risk's gradient (Euler)"
        )
    return "Dinkelbach on the measure's utility; bound: utility gap / certified min-risk floor"


def _measure_of(run: OptimizationResult) -> object:
    """The measure a dedicated utility objective is written over (its class record)."""
    return get_measure(run.spec.objective.objective_class.measure)


def _ratio_result(
    task: Task,
    run: OptimizationResult,
    best: tuple[float, float, float],
    upper: float,
    iterations: int,
    how: str,
) -> OptimizationResult:
    """A run's result (the last utility run's, or the exact program's), restated as the
    ratio's (value, gap, report); ``how`` names the method and its bound."""
    value, excess, risk = best
    gap = max(upper - value, 0.0)
    relative = gap / abs(value) if value else math.inf
    spec = task.spec
    report = RatioReport(
        spec.impl.measure, value, upper, spec.risk_free_rate, excess, risk, iterations, how
    )
    return run.with_reports(
        report,
        objective=spec.objective.value,
        objective_value=-value,
        spec=spec,
        optimality_gap=gap,
        relative_gap_bound=relative,
        converged=bool(relative <= accuracy_bar(spec)),
        certificate_method=how,
    )
