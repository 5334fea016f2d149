"""The max-Sharpe portfolio as one exact QP: Charnes-Cooper on the covariance matrix.

``max (e.w) / sqrt(w' Sigma w)`` over a polytope is, in the homogenised variable of
:mod:`.ratio_cone` (``y = k w``), the convex QP

    min y' Sigma y   s.t.  e.y = c,  y in the cone of the polytope,

solved by the primal active-set method of :mod:`.qp_active_set`, with its KKT check:
``exact`` is a verified claim. It starts from the KKT guess of :mod:`.qp_guess` on the
homogenised QP (the tangency portfolio ``Sigma^{-1} e`` on the free assets, the negative
ones held at zero, a few rounds), else from the largest-excess vertex (``k = 1``).
Measured (sp500 20 assets, us-stocks 400, long only): 23 and 80 iterations from the vertex,
1 and 6 from the guess; the answer is the same (verified optimum of a convex QP). ``k`` and ``z`` get
an upper bound ``K`` (the method needs a bounded set); an answer at that bound is not
claimed (the caller falls back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .qp_active_set import DenseQP, solve_active_set
from .qp_finish import single_blas_thread
from .qp_guess import kkt_guess
from .ratio_cone import ratio_cone

__all__ = ["RatioQPSolution", "charnes_cooper_qp"]

SCALE_CAP = 1e6
"""``K``: the bound on ``k`` (the optimum's ``k`` is the start's excess over the
optimum's, far below it on any data whose best ratio is positive)."""


@dataclass(frozen=True)
class RatioQPSolution:
    """The weights (N,), whether the KKT check verified them, the status and iterations."""

    weights: np.ndarray
    exact: bool
    status: str
    iterations: int


def charnes_cooper_qp(
    sigma: np.ndarray,
    excess: np.ndarray,
    polytope: Any,
    vertex: np.ndarray | None = None,
    guess: bool = True,
) -> RatioQPSolution:
    """The weights of the largest ``excess.w / sqrt(w' sigma w)`` over ``polytope``.

    Parameters
    ----------
    sigma : ndarray, shape (N, N)
        The (population) covariance, symmetric positive semidefinite.
    excess : ndarray, shape (N,)
        ``mu - rf``.
    polytope : Polytope
        The feasible set's standard form; with infinite bounds there is no answer here.
    vertex : ndarray, shape (N,), optional
        The set's largest-excess vertex (see :func:`.ratio_cone.ratio_cone`).
    guess : bool
        Start from the KKT guess where it gives a feasible point (default); False: from
        the vertex.

    Returns
    -------
    RatioQPSolution
        ``exact`` False (weights NaN where none) when the set has infinite bounds, no
        positive excess, or the method did not verify its answer.
    """
    nan = np.full(excess.shape[0], np.nan)
    if not (np.isfinite(polytope.lower).all() and np.isfinite(polytope.upper).all()):
        return RatioQPSolution(nan, False, "unbounded weights", 0)
    cone = ratio_cone(polytope, excess, vertex)
    if cone is None:
        return RatioQPSolution(nan, False, "no positive excess", 0)
    p = _hessian(sigma, polytope)
    cap = SCALE_CAP * max(1.0, float(cone.start[-1]))
    width = np.append(np.asarray(polytope.upper) - np.asarray(polytope.lower), 1.0)
    upper = cap * np.maximum(width, 0.0)
    rhs = np.zeros(cone.a_ub.shape[0])
    qp = DenseQP(p, np.zeros(p.shape[0]), cone.a_eq, cone.b_eq, cone.a_ub, rhs, cone.lower, upper)
    with single_blas_thread():
        x0 = kkt_guess(qp) if guess else None
        sol = solve_active_set(qp, cone.start if x0 is None else x0)
    k = float(sol.x[-1])
    exact = sol.exact and 0.0 < k < cap * (1.0 - 1e-9)
    status = sol.status if exact or not sol.exact else "scale at its bound"
    return RatioQPSolution(cone.weights(sol.x) if k > 0 else nan, exact, status, sol.iterations)


def _hessian(sigma: np.ndarray, polytope: Any) -> np.ndarray:
    """``2 B' Sigma B`` (n_x + 1, n_x + 1) for ``y = B (z, k) = D (z + l k)``, formed
    blockwise (``D' Sigma D`` only where ``D`` is not the identity)."""
    lift = np.asarray(polytope.lift, dtype=np.float64)
    plain = lift.shape[0] == lift.shape[1] and np.array_equal(lift, np.eye(lift.shape[0]))
    s = sigma if plain else lift.T @ sigma @ lift
    low = np.where(np.isfinite(polytope.lower), polytope.lower, 0.0)
    s_low = s @ low
    p = np.block([[s, s_low[:, None]], [s_low[None, :], np.array([[low @ s_low]])]])
    return p + p.T  # 2 B' Sigma B, exactly symmetric
