"""Warm starts of the exact QP finish along a sequence of related problems (walk-forwards).

A walk-forward solves one QP per window, and neighbouring windows share most of their
data: the optimum of one window is a feasible point of the next (same budget and bounds)
and holds almost the same assets. The primal active set (:mod:`.qp_active_set`) started
there begins with the previous working set (the variables at their bounds and the active
rows of the previous answer) instead of the LP vertex of a cold start, and needs only the
iterations that change it (typically 1-3 against about the number of assets held).

The caller opts in by holding a :class:`WarmStart` around its solves
(``with warm_start(state): ...``); :func:`portfolio_sgd.measures.kernels.qp_finish.polish_quadratic`
then starts each single-run finish from ``state.weights`` (where that point is feasible
for the new problem; otherwise from the cold vertex) and stores its answer back. Without
a held state nothing changes. The answer is the verified optimum either way: a strictly
convex QP has one, so a warm and a cold start agree to round-off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from .qp_active_set import FEAS_TOL, DenseQP, QPSolution, solve_active_set

__all__ = ["WarmStart", "current_warm_start", "solve_warm", "warm_start"]


@dataclass
class WarmStart:
    """The previous answer of a sequence of QP finishes, and how often it was used.

    Attributes
    ----------
    weights : ndarray, shape (N,) or None
        The previous finished weights (None before the first solve).
    warm : int
        Solves that started from ``weights``.
    cold : int
        Solves that started from the vertex (no previous answer, another size, or the
        previous answer infeasible for the new problem).
    """

    weights: np.ndarray | None = None
    warm: int = 0
    cold: int = 0


_HELD: ContextVar[WarmStart | None] = ContextVar("portfolio_sgd_qp_warm_start", default=None)


@contextlib.contextmanager
def warm_start(state: WarmStart | None) -> Iterator[WarmStart | None]:
    """Hold ``state`` for the QP finishes run inside the block (None: cold starts)."""
    token = _HELD.set(state)
    try:
        yield state
    finally:
        _HELD.reset(token)


def current_warm_start() -> WarmStart | None:
    """The state held by the innermost :func:`warm_start` block, or None."""
    return _HELD.get()


def solve_warm(
    qp: DenseQP,
    start: np.ndarray | None,
    cold_start: Callable[[], np.ndarray | None],
) -> tuple[QPSolution | None, bool]:
    """Solve ``qp`` from ``start`` (the previous answer in the QP's variable) when feasible.

    Parameters
    ----------
    qp : DenseQP
    start : ndarray, shape (n,) or None
        The warm point; its variables at a bound and its active rows are the starting
        working set (see :func:`.qp_active_set.solve_active_set`).
    cold_start : callable
        ``() -> x0 (n,) or None``: the cold start's vertex, called only when ``start`` is
        None, of another size or infeasible (violation above ``FEAS_TOL``).

    Returns
    -------
    (solution or None, warm)
        None where the cold start found no vertex; ``warm``: whether ``start`` was used.
    """
    if start is not None and start.shape == (qp.n,) and qp.violation(start) <= FEAS_TOL:
        return solve_active_set(qp, start), True
    x0 = cold_start()
    return (None if x0 is None else solve_active_set(qp, x0)), False
