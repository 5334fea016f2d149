"""The max-ratio portfolio of an LP measure as one LP: Charnes-Cooper on its epigraph.

For a measure with a :class:`~.tail_form.TailForm` (CVaR, worst realisation, drawdowns)
``rho(w) = s min {cost.v : a_w w + a_v v <= 0}``, positively homogeneous, so in the
homogenised variable of :mod:`.ratio_cone` (``y = k w``, ``v`` scaled alike) the best
ratio ``e.w / rho(w)`` is ``c / (s LP*)`` with

    LP* = min cost.v  s.t.  a_w y + a_v v <= 0,  e.y = c,  y in the cone of the polytope,

one HiGHS (dual simplex) solve. The epigraph rows' multipliers ``lam >= 0`` are dual
feasible for the inner LP of every ``w``, which gives the caller an affine minorant of
``rho`` (:func:`tail_minorant`) and so a proven bound on the ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .ratio_cone import ratio_cone
from .tail_form import TailForm

__all__ = ["RatioLPSolution", "charnes_cooper_lp", "tail_minorant"]


@dataclass(frozen=True)
class RatioLPSolution:
    """The weights (N,), the epigraph rows' multipliers ``lam >= 0`` (M,) and the status."""

    weights: np.ndarray
    multipliers: np.ndarray
    status: str


def charnes_cooper_lp(
    form: TailForm, polytope: Any, excess: np.ndarray, vertex: np.ndarray | None = None
) -> RatioLPSolution:
    """The weights of the largest ``excess.w / rho(w)`` over ``polytope``.

    Parameters
    ----------
    form : TailForm
        The measure's LP epigraph (its box is dropped: it scales with ``k``).
    polytope : Polytope
    excess : ndarray, shape (N,)
        ``mu - rf``.
    vertex : ndarray, shape (N,), optional
        The set's largest-excess vertex (see :func:`.ratio_cone.ratio_cone`).

    Returns
    -------
    RatioLPSolution
        Status ``"exact"`` where HiGHS found the optimum (weights NaN otherwise).
    """
    nan = np.full(excess.shape[0], np.nan)
    cone = ratio_cone(polytope, excess, vertex)
    if cone is None:
        return RatioLPSolution(nan, np.zeros(0), "no positive excess")
    n_c, n_v, rows = cone.lift.shape[1], form.cost.size, form.a_w.shape[0]
    a_ub = sp.vstack(
        [
            sp.hstack([form.a_w @ sp.csr_matrix(cone.lift), form.a_v]),
            sp.hstack([sp.csr_matrix(cone.a_ub), sp.csr_matrix((cone.a_ub.shape[0], n_v))]),
        ],
        format="csr",
    )
    a_eq = sp.hstack([sp.csr_matrix(cone.a_eq), sp.csr_matrix((cone.a_eq.shape[0], n_v))])
    v_lower = np.where(form.lower >= 0, 0.0, -np.inf)
    bounds = np.column_stack(
        [np.concatenate([cone.lower, v_lower]), np.concatenate([cone.upper, np.full(n_v, np.inf)])]
    )
    res = linprog(
        np.concatenate([np.zeros(n_c), form.cost]),
        A_ub=a_ub,
        b_ub=np.zeros(a_ub.shape[0]),
        A_eq=a_eq.tocsr(),
        b_eq=cone.b_eq,
        bounds=bounds,
        method="highs-ds",
    )
    if res.status != 0 or res.x is None or not res.x[n_c - 1] > 0:
        return RatioLPSolution(nan, np.zeros(0), f"failed ({res.message})")
    lam = np.maximum(-res.ineqlin.marginals[:rows], 0.0)
    return RatioLPSolution(cone.weights(res.x[:n_c]), lam, "exact")


def tail_minorant(form: TailForm, multipliers: np.ndarray) -> tuple[np.ndarray, float]:
    """``(g (N,), f0)`` with ``rho(w) >= g.w + f0`` for every ``w`` within the form's box
    reach (weak duality of the inner LP, any ``lam >= 0``; see
    :func:`.tail_lp.minorant_bound`)."""
    lam = np.maximum(multipliers, 0.0)
    reduced = form.cost + form.a_v.T @ lam
    floor = float(np.minimum(reduced * form.lower, reduced * form.upper).sum())
    return form.scale * (form.a_w.T @ lam), form.scale * floor
