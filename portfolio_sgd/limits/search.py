"""Risk limits through the Lagrangian: a bracketing search on the multiplier, K runs a round.

``min f(w)  s.t.  rho(w) <= level, w in C`` is solved through ``L_nu = f + nu (rho~ -
level~)`` (see :mod:`portfolio_sgd.objectives.lagrangian`): each multiplier ``nu`` is one
run of a plain objective at one parameter, so a round of K multipliers is one batched
(K, N) engine call (:meth:`LimitRuns.batch`, as the efficient frontier).

1. The unconstrained optimum (``nu = 0``): if it meets the limit, it is the answer
   (``binds = False``, multiplier 0).
2. The minimum-risk portfolio (``nu = inf``): a limit below its risk is an error that
   states that minimum.
3. Rounds: K multipliers spread geometrically inside the current bracket (the first
   round around a model estimate fitted to the two ends), warm-started between the
   bracket's portfolios. The risk falls as ``nu`` grows, so the runs just over and just
   within the limit bracket the optimum's multiplier.
4. After each round the final point is the exact float64 mix of the bracket's two
   portfolios that meets the limit (:func:`~.measure.mix_to_limit`); every run's
   certificate gives a lower bound ``a(p) LB_p - nu level~`` on the constrained optimum
   (weak duality), so ``f(mix) - max bound`` is a proven gap. The search stops once that
   gap is within :data:`TARGET_GAP` relative, when the bracket collapses, or after
   ``max_rounds``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from ..certificate import accuracy_bar, optimality_gap
from ..certificate.api import RELATIVE_FLOOR
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..measures.limit import RiskLimit
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..objectives.lagrangian import LagrangianFamily
from ..objectives.registry import objective_class
from ..results import BatchResult, OptimizationResult
from .measure import limit_risk, mix_to_limit

TARGET_GAP = 1e-4
"""Relative certified gap of the final mix at which the search stops."""
COLLAPSED = 1e-6
"""A bracket ``nu_within / nu_over - 1`` below this is not refined further: narrower
brackets cannot improve on the runs' own accuracy."""


class LimitRuns(Protocol):
    """The engine runs a limit search asks for, on data prepared once by its caller
    (:class:`portfolio_sgd.solvers.risk_limit.RiskLimitSolver`)."""

    returns: pd.DataFrame
    """The data (T, N), float64, columns named."""

    def single(self, spec: ObjectiveSpec | None) -> OptimizationResult:
        """One certified run of ``spec`` (None: the caller's own objective and solver)."""
        ...  # pragma: no cover

    def batch(
        self, spec: ObjectiveSpec, parameters: Sequence[float], init: np.ndarray
    ) -> BatchResult:
        """K runs of ``spec`` at per-run ``parameters`` (K,), warm-started at ``init``
        (K, N), uncertified."""
        ...  # pragma: no cover


@dataclass
class _Point:
    """One Lagrangian run: multiplier, weights (N,), risk, lower bound on ``f*``."""

    nu: float
    weights: np.ndarray
    risk: float
    bound: float
    penalty: float | None = None


@dataclass
class _Search:
    """The state of one risk-limited search (data, settings, runs so far, cost)."""

    runs: LimitRuns
    spec: ObjectiveSpec
    constraints: Constraints
    config: EngineConfig
    limit: RiskLimit
    family: LagrangianFamily
    points: list[_Point] = field(default_factory=list)
    steps: int = 0
    samples: int = 0
    wall_time: float = 0.0
    rounds: int = 0

    @functools.cached_property
    def r(self) -> np.ndarray:
        """The data (T, N) in float64 (converted once)."""
        return self.runs.returns.to_numpy(dtype=np.float64)

    def risk(self, w: np.ndarray) -> np.ndarray:
        """Limited risk (K,) of weights (K, N) or (N,)."""
        x = self.r @ np.atleast_2d(w).T
        return limit_risk(self.limit.measure, x, self.spec.alpha)

    def objective(self, w: np.ndarray) -> float:
        """The user's objective ``f(w)`` in float64 (its ``numpy_value``)."""
        return float(self.spec.impl.numpy_value(self.r @ w[:, None])[0])

    def family_spec(self, p: float) -> ObjectiveSpec:
        """The family's spec at parameter ``p``."""
        cls = objective_class(self.family.objective)
        measure = self.family.measure if cls.takes_measure else None
        base = ObjectiveSpec(self.family.objective, alpha=self.spec.alpha, measure=measure)
        key = cls.per_run_parameter
        return dataclasses.replace(base, **{key: float(p)})

    def bracket(self) -> tuple[_Point, _Point]:
        """``(over, within)``: the largest-``nu`` run over the limit, the smallest within."""
        level = self.limit.level
        over = max((p for p in self.points if p.risk > level), key=lambda p: p.nu)
        within = min((p for p in self.points if p.risk <= level), key=lambda p: p.nu)
        return over, within

    def add_cost(self, steps: int, samples: int, wall: float) -> None:
        """Account one engine call."""
        self.steps += int(steps)
        self.samples += int(samples)
        self.wall_time += float(wall)


def model_multiplier(search: _Search) -> float:
    """A first estimate of the optimum's ``nu`` from the two ends (the frontier's model).

    Volatility: ``Var = Var_m + (m - m_m)^2 / c`` gives ``nu = sqrt(c / (V - Var_m))``;
    CVaR: ``rho^2 = rho_m^2 + (m - m_m)^2 / c`` gives ``nu = sqrt(c) rho / sqrt(rho^2 -
    rho_m^2)``. ``m`` is the mean return; 1 where the ends do not fit the model.
    """
    low = next(p for p in search.points if math.isinf(p.nu))
    top = next(p for p in search.points if p.nu == 0.0)
    mu = search.r.mean(axis=0)
    dm = float(mu @ (top.weights - low.weights))
    level = search.limit.level
    measure = get_measure(search.limit.measure)
    a, b, t = (measure.penalty_value(v) for v in (low.risk, top.risk, level))
    if dm <= 0 or not (a < t < b):
        return 1.0
    if search.family.scaled:  # a return-weight family (CVaR): the risk itself in the model
        c = dm**2 / (b**2 - a**2)
        return math.sqrt(c) * t / math.sqrt(t**2 - a**2)
    return math.sqrt(dm**2 / (b - a) / (t - a))


def next_multipliers(search: _Search, k: int) -> np.ndarray:
    """K multipliers (K,) for the next round, spread geometrically inside the bracket."""
    over, within = search.bracket()
    if over.nu == 0.0 and math.isinf(within.nu):
        return model_multiplier(search) * np.geomspace(1e-2, 1e2, k)
    if over.nu == 0.0:
        return np.geomspace(within.nu * 1e-3, within.nu, k + 1)[:-1]
    if math.isinf(within.nu):
        return np.geomspace(over.nu, over.nu * 1e3, k + 1)[1:]
    return np.geomspace(over.nu, within.nu, k + 2)[1:-1]


def warm_starts(search: _Search, nus: np.ndarray) -> np.ndarray:
    """Initial weights (K, N): the bracket's portfolios mixed by position in ``log nu``."""
    over, within = search.bracket()
    if over.nu > 0 and math.isfinite(within.nu):
        span = math.log(within.nu / over.nu)
        frac = np.log(nus / over.nu) / span if span > 0 else np.full(len(nus), 0.5)
    else:
        frac = np.full(len(nus), 0.5)
    frac = np.clip(frac, 0.0, 1.0)[:, None]
    return (1.0 - frac) * over.weights[None, :] + frac * within.weights[None, :]


def run_round(search: _Search, k: int) -> None:
    """One batched round of K Lagrangian runs; appends their points."""
    fam = search.family
    nus = next_multipliers(search, k)
    params = np.array([fam.parameter(float(nu)) for nu in nus])
    batch = search.runs.batch(search.family_spec(1.0), list(params), warm_starts(search, nus))
    search.add_cost(batch.steps, int(batch.runs["samples_seen"].sum()), batch.wall_time)
    w = batch.weights.to_numpy(dtype=np.float64)
    risks = search.risk(w)
    for j, (nu, p) in enumerate(zip(nus, params, strict=True)):
        bound = dual_bound(search, w[j], float(p))
        search.points.append(_Point(float(nu), w[j], float(risks[j]), bound, float(p)))
    search.rounds += 1


def dual_bound(search: _Search, w: np.ndarray, p: float) -> float:
    """``a(p) LB_p - nu(p) level~``: a lower bound on the constrained optimum ``f*``."""
    fam = search.family
    spec = search.family_spec(p)
    feasible = search.constraints.linear_oracle(search.r.shape[1])
    cert = optimality_gap(spec, search.r, w, risk_aversion=p, feasible=feasible)
    lower = float(cert.lower_bound[0])
    if not math.isfinite(lower):
        return -math.inf
    nu = fam.multiplier(p)
    return fam.factor(p) * lower - nu * fam.penalised_level(search.limit.level)


def final_mix(search: _Search) -> tuple[np.ndarray, float, float]:
    """The best point within the limit: ``(weights, f, relative gap)``.

    The exact mix of the bracket's two runs that meets the limit; where the measure has a
    master problem (CVaR: :mod:`portfolio_sgd.measures.kernels.cvar_master`) also its best
    mix of every run, if it is better.
    """
    over, within = search.bracket()
    w = _mix(search, within.weights, over.weights)
    f = search.objective(w)
    measure = get_measure(search.limit.measure)
    columns = np.stack([p.weights for p in search.points])
    master = measure.master_weights(search.r, columns, search.limit.level, search.spec.alpha)
    if master is not None:
        if search.risk(master)[0] > search.limit.level:
            master = _mix(search, within.weights, master)
        f_master = search.objective(master)
        if f_master < f:
            w, f = master, f_master
    bound = max(p.bound for p in search.points)
    return w, f, relative_gap(search, w, f, bound)


def _mix(search: _Search, feasible: np.ndarray, over: np.ndarray) -> np.ndarray:
    """The exact float64 mix of ``feasible`` (within the limit) towards ``over`` that meets
    the limit (:func:`~.measure.mix_to_limit`)."""
    x_in, x_over = search.r @ feasible, search.r @ over
    theta = mix_to_limit(x_in, x_over, search.limit.measure, search.limit.level, search.spec.alpha)
    w = (1.0 - theta) * feasible + theta * over
    for k in range(60):  # evaluated from the weights, a rounding ulp over: back off
        if search.risk(w)[0] <= search.limit.level:
            break
        theta *= 1.0 - 1e-12 * 2.0**k
        w = (1.0 - theta) * feasible + theta * over
    return w


def relative_gap(search: _Search, w: np.ndarray, f: float, bound: float) -> float:
    """``(f - bound) / max(|f|, RELATIVE_FLOOR E|x|)`` (the certificate's scale)."""
    scale = max(abs(f), RELATIVE_FLOOR * float(np.abs(search.r @ w).mean()), 1e-300)
    return max(f - bound, 0.0) / scale


def family_bar(search: _Search) -> float:
    """The convergence bar of the final gap: the limited objective's own accuracy bar
    (1e-4 for max-return and mean-variance, 1e-3 for mean-CVaR), as its note states."""
    return accuracy_bar(search.spec)
