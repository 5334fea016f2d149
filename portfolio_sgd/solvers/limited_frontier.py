"""The efficient frontier under risk limits: ``frontier_under_limits(..., limits={...})``.

Every point is the maximum return within a cap on the frontier's own risk axis (the
volatility of a mean-variance frontier, the CVaR of a CVaR one, the measure of a utility
frontier) *and* within every limit, solved exactly by
:func:`portfolio_sgd.limits.several.max_return_under_limits` (tail LP rows, the
mean-variance critical lines, or the certified outer approximation). On a convex problem
this traces the same efficient set as the frontier's own parameter sweep restricted to
the limits: each capped maximum return is the utility optimum at the cap's multiplier.

The ends: the maximum-return end is the maximum return under the limits alone; the
minimum-risk end is the unconstrained minimum-risk portfolio when it meets every limit,
else the least cap at which the limits and the cap have a common point (bisection on the
cap, :data:`LEAST_CAP_STEPS` solves). The K caps are evenly spaced in risk between them.
Each point carries one :class:`~portfolio_sgd.results.RiskLimitReport` per limit; a point
no portfolio reaches (a rounding case at the least cap) is reported not converged with NaN
weights, as an uncertified frontier point is. Limits no portfolio meets at all are one
:class:`~portfolio_sgd.errors.InfeasibleConstraintError` / ``ConfigError`` line naming them.
The points' parameter (``risk_aversion``) is NaN: they come from caps, not from a
parameter.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..certificate.api import RELATIVE_FLOOR
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError, InfeasibleConstraintError
from ..limits.limit_reports import limit_reports
from ..limits.parse import risk_limits_from
from ..limits.several import SeveralAnswer, max_return_under_limits
from ..measures.limit import RiskLimit
from ..measures.registry import get_measure, limit_measures
from ..measures.volatility import TRADING_DAYS
from ..objectives import objective_class
from ..results import RiskLimitReport
from .frontier import FrontierResult, efficient_frontier

__all__ = ["LimitedFrontierResult", "frontier_under_limits"]

LEAST_CAP_STEPS = 30
"""Bisection steps on the least feasible cap (each halves the bracket)."""
CERTIFIED_GAP = 1e-7
"""A point is certified when its proven gap is within this, relative to its return."""

Limits = Mapping[str, float] | Sequence[RiskLimit | tuple[str, float]] | None


@dataclass(frozen=True)
class LimitedFrontierResult(FrontierResult):
    """A :class:`FrontierResult` whose points are within every limit.

    Attributes
    ----------
    limit_reports : tuple of tuple of RiskLimitReport
        One tuple per point (K), one report per limit (its risk, slack and whether it
        binds at that point).
    """

    limit_reports: tuple[tuple[RiskLimitReport, ...], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """:meth:`FrontierResult.to_dict` with each point's ``"limits"`` reports."""
        out = super().to_dict()
        for point, reports in zip(out["points"], self.limit_reports, strict=True):  # type: ignore[call-overload]
            point["limits"] = [report.to_dict() for report in reports]
        return out


def frontier_under_limits(
    returns: pd.DataFrame,
    objective: str = "mean-variance",
    points: int = 20,
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    *,
    alpha: float = 0.95,
    measure: str | None = None,
    limits: Limits = None,
) -> FrontierResult:
    """The efficient frontier of ``points`` portfolios, each within every limit.

    Parameters
    ----------
    returns, objective, points, constraints, config, alpha, measure
        As :func:`portfolio_sgd.solvers.frontier.efficient_frontier`.
    limits : mapping or sequence, optional
        ``{"cvar": 0.02, "evar": 0.05}`` (stated units, as ``optimize(..., limits=)``);
        None or empty: :func:`efficient_frontier` itself.

    Returns
    -------
    LimitedFrontierResult
        (A plain :class:`FrontierResult` without limits.)

    Raises
    ------
    ConfigError, InfeasibleConstraintError
        A risk axis without a limit form, or limits no portfolio meets (one line).
    """
    chosen = risk_limits_from(limits)
    axis = _axis_name(objective, measure) if chosen else ""
    count = 2 if chosen else points
    plain = efficient_frontier(
        returns, objective, count, constraints, config, alpha=alpha, measure=measure
    )
    if not chosen:
        return plain
    start = time.perf_counter()
    frame = returns if isinstance(returns, pd.DataFrame) else pd.DataFrame(np.asarray(returns))
    r = frame.to_numpy(dtype=np.float64)
    feasible = (constraints or Constraints()).bind([str(c) for c in frame.columns])
    oracle = feasible.linear_oracle(r.shape[1])
    sweep = _Sweep(r, oracle, tuple(chosen), axis, float(alpha))
    answers = sweep.points(plain.weights.to_numpy(dtype=np.float64)[0], int(points))
    return _result(plain, frame, sweep, answers, time.perf_counter() - start)


def _axis_name(objective: str, measure: str | None) -> str:
    """The frontier's risk axis as a measure with a limit (one line where it has none)."""
    name = get_measure(measure or objective_class(objective).frontier_measure).name
    if name not in {m.name for m in limit_measures()}:
        names = ", ".join(m.name for m in limit_measures())
        raise ConfigError(
            f"a frontier under limits caps its risk axis, and {name!r} has no limit form "
            f"(a frontier over one of {names})"
        )
    return name


@dataclass(frozen=True)
class _Sweep:
    """The capped maximum-return solves of one frontier under ``limits``."""

    r: np.ndarray
    feasible: object
    limits: tuple[RiskLimit, ...]
    axis: str
    alpha: float

    def risk(self, w: np.ndarray) -> float:
        """The axis measure's stated value at ``w`` (N,)."""
        return float(get_measure(self.axis).stated_value((self.r @ w)[:, None], self.alpha)[0])

    def within(self, w: np.ndarray) -> bool:
        """Whether ``w`` meets every limit in float64."""
        return all(
            get_measure(lim.measure).stated_value((self.r @ w)[:, None], self.alpha)[0] <= lim.level
            for lim in self.limits
        )

    def capped(self, cap: float) -> SeveralAnswer | None:
        """The maximum return within every limit and the axis cap; None where no
        portfolio is within them (an infeasible cap)."""
        chosen = risk_limits_from([*self.limits, RiskLimit(self.axis, float(cap))])
        try:
            return max_return_under_limits(self.r, self.feasible, chosen, self.alpha)
        except (InfeasibleConstraintError, ConfigError):
            return None

    def points(self, w_low: np.ndarray, k: int) -> list[SeveralAnswer | None]:
        """The K answers at caps evenly spaced from the least feasible risk to the
        maximum-return end's."""
        try:
            top = max_return_under_limits(self.r, self.feasible, self.limits, self.alpha)
        except InfeasibleConstraintError as err:
            names = ", ".join(f"{lim.measure} <= {lim.level:g}" for lim in self.limits)
            raise InfeasibleConstraintError(
                f"frontier: no portfolio is within every limit ({names}); loosen one"
            ) from err
        high = self.risk(top.weights)
        low = self.risk(w_low)
        if not self.within(w_low):
            low = self._least_cap(low, high)
        caps = np.linspace(min(low, high), high, k)
        first = self._as_answer(w_low) if self.within(w_low) else self.capped(float(caps[0]))
        return [first] + [self.capped(float(c)) for c in caps[1:-1]] + [top]

    def _as_answer(self, w: np.ndarray) -> SeveralAnswer:
        """The frontier's own minimum-risk end (within every limit) as an answer."""
        value = float(-self.r.mean(axis=0) @ w)
        risks = tuple(
            float(get_measure(lim.measure).stated_value((self.r @ w)[:, None], self.alpha)[0])
            for lim in self.limits
        )
        return SeveralAnswer(w, value, value, 0, risks)

    def _least_cap(self, infeasible: float, feasible: float) -> float:
        """The least axis cap (up to bisection) at which every limit can be met."""
        lo, hi = infeasible, feasible
        for _ in range(LEAST_CAP_STEPS):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if self.capped(mid) is None:
                lo = mid
            else:
                hi = mid
        return hi


def _result(
    plain: FrontierResult,
    frame: pd.DataFrame,
    sweep: _Sweep,
    answers: list[SeveralAnswer | None],
    seconds: float,
) -> LimitedFrontierResult:
    """The frontier of the answers (NaN rows where a cap had no point)."""
    n = frame.shape[1]
    w = np.vstack([a.weights if a is not None else np.full(n, np.nan) for a in answers])
    x = sweep.r @ np.nan_to_num(w).T
    risk = get_measure(sweep.axis).stated_value(x, sweep.alpha)
    ok = np.array([a is not None for a in answers])
    converged = ok & np.array([_certified(sweep.r, a) for a in answers])
    if answers[0] is not None and answers[0].rounds == 0:  # the frontier's own end
        converged[0] = bool(plain.converged[0])
    reports = tuple(_reports(sweep, a, bool(c)) for a, c in zip(answers, converged, strict=True))
    return LimitedFrontierResult(
        **{
            **{f.name: getattr(plain, f.name) for f in dataclasses.fields(plain)},
            "weights": pd.DataFrame(w, columns=frame.columns),
            "risk": np.where(ok, risk, np.nan),
            "returns": np.where(ok, TRADING_DAYS * x.mean(axis=0), np.nan),
            "risk_aversion": np.full(len(answers), np.nan),
            "converged": converged,
            "wall_time": float(seconds),
            "steps": 0,
        },
        limit_reports=reports,
    )


def _certified(r: np.ndarray, answer: SeveralAnswer | None) -> bool:
    """Whether the answer's proven gap is within :data:`CERTIFIED_GAP` relative."""
    if answer is None:
        return False
    gap = max(answer.objective - answer.bound, 0.0)
    scale = max(abs(answer.objective), RELATIVE_FLOOR * float(np.abs(r @ answer.weights).mean()))
    return gap <= CERTIFIED_GAP * max(scale, 1e-300)


def _reports(
    sweep: _Sweep, answer: SeveralAnswer | None, converged: bool
) -> tuple[RiskLimitReport, ...]:
    """The point's reports (empty where the cap had no point)."""
    if answer is None:
        return ()
    stop = "certified" if converged else "max rounds"
    return limit_reports(
        sweep.r, answer.weights, sweep.limits, sweep.alpha, answer.bound, answer.rounds, stop
    )
