"""The relaxation LP of a piecewise-linear measure, with a window of free pieces.

A piecewise-linear measure (MAD, a first lower partial moment, the Gini mean difference)
is a weighted sum of *pieces* ``h_p(w) = max(lo_p l_p(w), hi_p l_p(w))`` of affine
``l_p(w) = P_p.w + q_p`` (``lo_p <= hi_p``). For every slope ``s_p in [lo_p, hi_p]``,
``s_p l_p <= h_p``, so fixing the slopes of all pieces but a *window* gives a
:class:`Relaxation`

    g(w) = g0.w + c0 + weight * sum_{p in W} max(lo_p l_p, hi_p l_p)  <=  rho(w) + linear.w

everywhere. Its minimum over the feasible set (one HiGHS LP, :func:`solve_relaxation`,
variables ``[x (n_x), e (W)]`` with ``e_p >= lo_p l_p, e_p >= hi_p l_p``) is a lower bound,
and any window slopes ``s`` give a *proven* one, :meth:`Relaxation.bound` (the linear
function ``g0.w + c0 + weight sum s_p l_p`` minimised by the feasible set's own linear
oracle), so the LP needs no accuracy for validity: its duals only choose ``s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

from .cvar_lp import _binding, _trust_bounds

__all__ = ["LPPoint", "Pieces", "Relaxation", "solve_relaxation"]

FEASIBILITY = 1e-10
"""HiGHS's primal feasibility tolerance: the weights meet the budget and bounds within it
(the certificate counts a point as feasible within 1e-8)."""


@dataclass(frozen=True)
class Pieces:
    """Window pieces ``l_p(w) = rows_p.w + offset_p`` entering as ``weight * max(lo l, hi l)``.

    Attributes
    ----------
    rows : np.ndarray, shape (W, N)
    offset, lo, hi : np.ndarray, shape (W,)
    weight : float
        The common weight of a piece (``1/T`` for a scenario, ``2/(T(T-1))`` for a pair).
    """

    rows: np.ndarray
    offset: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    weight: float


@dataclass(frozen=True)
class Relaxation:
    """A lower model ``g0.w + c0 + weight sum_W max(lo l, hi l)`` of ``rho(w) + linear.w``.

    Attributes
    ----------
    g0 : np.ndarray, shape (N,)
        The fixed pieces' slopes times their rows, plus the objective's linear term.
    c0 : float
    pieces : Pieces
    """

    g0: np.ndarray
    c0: float
    pieces: Pieces

    def bound(self, slopes: np.ndarray, feasible: Any) -> float:
        """``min_{w in C} g0.w + c0 + weight sum_p s_p l_p(w)``: a proven lower bound on
        ``min_C rho + linear.w`` for window slopes ``s`` (W,) (clipped into ``[lo, hi]``)."""
        p = self.pieces
        s = np.clip(slopes, p.lo, p.hi)
        g = self.g0 + p.weight * (p.rows.T @ s)
        v = feasible.minimize(torch.from_numpy(g)[None, :])
        offset = float(feasible.offset(v)[0])
        return float(g @ v[0].cpu().numpy()) + self.c0 + p.weight * float(s @ p.offset) + offset

    def value(self, w: np.ndarray) -> float:
        """The model at ``w`` (N,)."""
        p = self.pieces
        lin = p.rows @ w + p.offset
        return (
            float(self.g0 @ w)
            + self.c0
            + p.weight * float(np.maximum(p.lo * lin, p.hi * lin).sum())
        )


@dataclass(frozen=True)
class LPPoint:
    """The relaxation's LP solution.

    Attributes
    ----------
    w : np.ndarray, shape (N,)
    value : float
        The LP optimum (HiGHS's, not a proof: see :meth:`Relaxation.bound`).
    slopes : np.ndarray, shape (W,)
        The window slopes from the LP duals (in ``[lo, hi]``).
    binding : bool
        Whether a trust-box bound carries a multiplier.
    lifted : np.ndarray, shape (n_x,)
    """

    w: np.ndarray
    value: float
    slopes: np.ndarray
    binding: bool
    lifted: np.ndarray


def solve_relaxation(
    relax: Relaxation,
    polytope: Any,
    centre: np.ndarray | None = None,
    delta: float = np.inf,
    time_limit: float | None = None,
    iterations: float = 50.0,
) -> LPPoint | str:
    """Minimise the relaxation over the polytope (cut to the box ``|x - centre| <= delta``).

    HiGHS stops after ``iterations`` simplex iterations per row and column of the LP (counted
    work, so a loaded machine takes the same path as a quiet one), and after ``time_limit``
    seconds only where one is given.

    Returns
    -------
    LPPoint or str
        The solution, or HiGHS's message when it found none.
    """
    p, poly = relax.pieces, polytope
    width, n_x = p.rows.shape[0], poly.n_x
    sc = float(np.sqrt(np.mean(p.rows * p.rows))) if width else 1.0
    rows = sp.csr_matrix((p.rows / (sc or 1.0)) @ poly.lift)  # (W, n_x), l / sc
    minus = -sp.identity(width, format="csr")
    a_ub = sp.vstack(
        [
            sp.hstack([sp.diags(p.lo) @ rows, minus]),
            sp.hstack([sp.diags(p.hi) @ rows, minus]),
            sp.hstack([sp.csr_matrix(poly.a_ub), sp.csr_matrix((poly.a_ub.shape[0], width))]),
        ],
        format="csr",
    )
    q = p.offset / (sc or 1.0)
    b_ub = np.concatenate([-p.lo * q, -p.hi * q, poly.b_ub])
    a_eq = sp.hstack([sp.csr_matrix(poly.a_eq), sp.csr_matrix((poly.a_eq.shape[0], width))])
    cost = np.concatenate([relax.g0 @ poly.lift / (sc or 1.0), np.full(width, p.weight)])
    lower, upper = _trust_bounds(poly, centre, delta)
    bounds = np.vstack([np.column_stack([lower, upper]), [[-np.inf, np.inf]] * width])
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=poly.b_eq,
        bounds=bounds,
        method="highs",
        options=_limits(iterations * (cost.shape[0] + a_ub.shape[0]), time_limit),
    )
    if res.status != 0 or res.x is None:
        return str(res.message)
    x = res.x[:n_x]
    lam_lo = -res.ineqlin.marginals[:width]
    lam_hi = -res.ineqlin.marginals[width : 2 * width]
    total = lam_lo + lam_hi
    lin = (p.rows @ (poly.lift @ x)) + p.offset
    side = np.where(lin >= 0, p.hi, p.lo)
    safe = np.where(total > 0, total, 1.0)
    slopes = np.where(total > 0, (lam_lo * p.lo + lam_hi * p.hi) / safe, side)
    binding = _binding(res, poly, lower, upper, float(np.abs(cost).max()))
    value = float(res.fun) * (sc or 1.0) + relax.c0
    return LPPoint(poly.lift @ x, value, np.clip(slopes, p.lo, p.hi), binding, x)


def _limits(iterations: float, time_limit: float | None) -> dict[str, float | int]:
    """HiGHS options: the feasibility tolerance, an iteration limit, and a time limit only
    where one is given."""
    options: dict[str, float | int] = {
        "maxiter": max(int(iterations), 1000),
        "primal_feasibility_tolerance": FEASIBILITY,
    }
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    return options
