"""The exact finish of a CVaR-limited max-return search: the capped tail LP.

``max mu.w s.t. CVaR_alpha(-R w) <= K`` on the constraint polytope is an LP; restricted to
a window of scenarios around the VaR and verified on all of them (the cutting planes of
:mod:`portfolio_sgd.measures.kernels.cvar_polish` with a cap, :func:`~.cvar_polish.polish_cvar_cap`)
it is solved exactly from any point within the limit. The search tries it from its best
point within the limit before each round of Lagrangian runs; once it is exact, the search
stops with the optimum (``stop_reason = "risk limit: exact finish"``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.kernels.cvar_polish import PolishOptions
from ..measures.registry import get_measure
from .search import _mix, _Search

__all__ = ["EXACT_FINISH", "ExactFinish", "exact_cap_finish"]

EXACT_FINISH = "exact finish"


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


def exact_cap_finish(search: _Search) -> ExactFinish | None:
    """The verified optimum, the finish's account and the limit's multiplier (``-d f* /
    d K`` from the LP's dual), or None (not applicable, or not exact from the current
    points).

    Applies to ``max-return`` under a limit on a measure with a capped finish (CVaR) with ``EngineConfig.cvar_polish`` on and
    a feasible set with a linear form.
    """
    limit = search.limit
    measure = get_measure(limit.measure)
    if not (measure.has_capped_finish and search.spec.impl.maximises_return_only):
        return None
    if not search.config.cvar_polish:
        return None
    try:
        feasible = search.constraints.linear_oracle(search.r.shape[1])
    except ConfigError:
        return None
    start = _best_within(search)
    if start is None:
        return None
    with warnings.catch_warnings():  # read-only frame memory: the finish never writes it
        warnings.simplefilter("ignore", UserWarning)
        data = torch.from_numpy(search.r)
    mean, options = data.mean(dim=0), PolishOptions(max_rounds=24)
    w, row, multiplier = measure.capped_finish(
        data, mean, torch.from_numpy(start), feasible, search.spec.alpha, limit.level, options
    )
    if not row.exact:
        return None
    w_np = w.numpy()
    if search.risk(w_np)[0] > limit.level:  # the LP's ~1e-12: mix back within, exactly
        w_np = _mix(search, start, w_np)
    account = f"{row.rounds} LPs, up to {row.window_rows} window rows, {row.seconds:.2f} s"
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
