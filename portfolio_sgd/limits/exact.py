"""The exact finish of a CVaR-limited max-return search: the capped tail LP.

``max mu.w s.t. CVaR_alpha(-R w) <= K`` on the constraint polytope is an LP; restricted to
a window of scenarios around the VaR and verified on all of them (the cutting planes of
:mod:`portfolio_sgd.measures.kernels.cvar_polish` with a cap, :func:`~.cvar_polish.polish_cvar_cap`)
it is solved exactly from any point within the limit. The search tries it from its best
point within the limit before each round of Lagrangian runs; once it is exact, the search
stops with the optimum (``stop_reason = "risk limit: exact finish"``).

Where the measure's finish is one LP over the whole data (``whole_data_lp``) and that LP
is what the engine itself chose for this data (the unconstrained run finished before its
first step, by counted work), or what every finish of the measure is whatever the start
(``finish_from_any_start``: the drawdowns, worst realisation), the limited max-return is
that ONE capped LP, solved before any multiplier round (:func:`whole_data_limit`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.base import RiskMeasure
from ..measures.kernels.cvar_polish import PolishOptions
from ..measures.registry import get_measure
from .search import _mix, _Point, _Search

__all__ = [
    "EXACT_FINISH",
    "ExactFinish",
    "capped_lp",
    "exact_cap_finish",
    "whole_data_chosen",
    "whole_data_limit",
    "within_cap",
]

EXACT_FINISH = "exact finish"
CAP_SLACK = 1e-12
"""The whole-data capped LP's cap lies this fraction of the level below it (the LP's
roundings must not take the answer over the limit)."""


@dataclass(frozen=True)
class ExactFinish:
    """A limited search's exact answer.

    Attributes
    ----------
    weights : ndarray, shape (N,)
        Within the limit (float64 evaluation).
    account : str
        What the finish did (LPs, QPs), for the certificate's method.
    multiplier : float
        The limit's Lagrange multiplier ``nu``.
    bound : float or None
        A proven lower bound on the limited optimum (None: ``f(weights)``, a verified LP
        optimum).
    method : str
        The certificate's method, with ``account`` in parentheses after it.
    """

    weights: np.ndarray
    account: str
    multiplier: float
    bound: float | None = None
    method: str = "exact capped tail LP, verified on every scenario"


def whole_data_chosen(measure: RiskMeasure, steps: int) -> bool:
    """Whether ``measure``'s finish is its whole-data LP here: the engine chose it before
    the first step (a run of ``steps == 0``, by counted work), or every finish of the
    measure is that LP whatever the start (``finish_from_any_start``)."""
    if not measure.whole_data_lp:
        return False
    return steps == 0 or measure.finish_from_any_start


def whole_data_limit(search: _Search, start: np.ndarray, steps: int) -> ExactFinish | None:
    """The limited max-return as one capped LP over the whole data from ``start`` (N,),
    or None (the measure's finish is no whole-data LP, or the engine's unconstrained run
    took ``steps > 0`` steps where the LP depends on its start, or the LP is not exact).

    The cap is lowered by :data:`CAP_SLACK` of the level (and, where the answer is still a
    rounding over the limit, by twice that excess more, solved again), so the answer is
    within the limit; the bound is ``f - nu * slack`` (the LP's value is convex in the cap,
    ``nu`` its slope), a proven bound a rounding below ``f``.
    """
    measure = get_measure(search.limit.measure)
    if not whole_data_chosen(measure, steps):
        return None  # large data by the counted-work rule: the batched search decides
    options = measure.whole_data_options(search.r.shape[0])
    level = search.limit.level
    within = within_cap(
        lambda cap: _capped(search, start, options, cap),
        lambda w: float(search.risk(w)[0]),
        level,
    )
    if within is None:
        return None
    w, account, nu, slack = within
    f = search.objective(w)
    bound = f - nu * slack
    excess = float(search.risk(w)[0]) - level  # the risk as the search records it
    search.points.append(_Point(nu, w, excess + level, bound))
    return ExactFinish(w, account, nu, bound)


def within_cap(
    solve: Callable[[float], tuple[np.ndarray, str, float] | None],
    risk: Callable[[np.ndarray], float],
    level: float,
) -> tuple[np.ndarray, str, float, float] | None:
    """A capped LP's answer within ``level``: ``(weights (N,), account, multiplier, slack)``.

    ``solve(cap)`` is the capped LP at ``cap`` (None: not exact). The cap is ``level``
    lowered by :data:`CAP_SLACK` of it and, where the answer is still a rounding over
    ``level`` (by ``risk``), by twice that excess more, solved again; None if that fails too.
    """
    slack = CAP_SLACK * abs(level)
    for _ in range(2):
        solved = solve(level - slack)
        if solved is None:
            return None
        w, account, nu = solved
        excess = risk(w) - level
        if excess <= 0.0:
            return w, account, nu, slack
        slack += 2.0 * excess
    return None


def _capped(
    search: _Search, start: np.ndarray, options: object, cap: float
) -> tuple[np.ndarray, str, float] | None:
    """The capped finish at ``cap`` from ``start``: ``(weights, account, multiplier)``,
    or None (not applicable, or not exact)."""
    measure = get_measure(search.limit.measure)
    if not (measure.has_capped_finish and search.spec.impl.maximises_return_only):
        return None
    if not search.config.cvar_polish:
        return None
    try:
        feasible = search.constraints.linear_oracle(search.r.shape[1])
    except ConfigError:
        return None
    return capped_lp(measure, search.r, start, feasible, search.spec.alpha, cap, options)


def capped_lp(
    measure: RiskMeasure,
    r: np.ndarray,
    start: np.ndarray,
    feasible: object,
    alpha: float,
    cap: float,
    options: object,
) -> tuple[np.ndarray, str, float] | None:
    """``max mu.w s.t. measure(R w) <= cap`` over ``feasible`` by the measure's capped
    finish from ``start`` (N,), on returns ``r`` (T, N): ``(weights (N,), account,
    multiplier)``, or None (not exact)."""
    with warnings.catch_warnings():  # read-only frame memory: the finish never writes it
        warnings.simplefilter("ignore", UserWarning)
        data = torch.from_numpy(r)
    w, row, multiplier = measure.capped_finish(
        data, data.mean(dim=0), torch.from_numpy(start), feasible, alpha, cap, options
    )
    if not row.exact:
        return None
    account = f"{row.rounds} LPs, up to {row.window_rows} window rows, {row.seconds:.2f} s"
    return w.numpy(), account, multiplier


def exact_cap_finish(search: _Search) -> ExactFinish | None:
    """The verified optimum, the finish's account and the limit's multiplier (``-d f* /
    d K`` from the LP's dual), or None (not applicable, or not exact from the current
    points).

    Applies to ``max-return`` under a limit on a measure with a capped finish (CVaR) with
    ``EngineConfig.cvar_polish`` on and a feasible set with a linear form.
    """
    start = _best_within(search)
    if start is None:
        return None
    solved = _capped(search, start, PolishOptions(max_rounds=24), search.limit.level)
    if solved is None:
        return None
    w_np, account, multiplier = solved
    if search.risk(w_np)[0] > search.limit.level:  # the LP's ~1e-12: mix back within, exactly
        w_np = _mix(search, start, w_np)
    return ExactFinish(w_np, account, multiplier)


def _best_within(search: _Search) -> np.ndarray | None:
    """The start: the best point within the limit, mixed towards the nearest point over
    it so that it sits on the limit (None if no point is within)."""
    level = search.limit.level
    inside = [p for p in search.points if p.risk <= level]
    if not inside:
        return None
    best = min(inside, key=lambda p: search.objective(p.weights)).weights
    over = [p for p in search.points if p.risk > level]
    if not over:
        return best
    nearest = min(over, key=lambda p: p.risk).weights
    mixed = _mix(search, best, nearest)
    return mixed if search.objective(mixed) <= search.objective(best) else best
