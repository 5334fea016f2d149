"""A measure's homogeneous epigraph, the form risk budgeting under constraints solves over.

A convex, positively homogeneous measure with an LP (or root-quadratic) form is

    rho(y) = scale * ( min_v cost.v  s.t.  a_y y + a_v v <= 0,  v_j >= 0 (j in nonneg)
                       + sqrt(y' gram y) ),

with no constant term anywhere (homogeneity): the tail-mean LPs of CVaR, the worst
realisation and the drawdowns (:mod:`.tail_form`), the scenario pieces of MAD and the first
lower partial moment below the mean (:mod:`.scenario_pieces`), and the covariance's root
(volatility). :mod:`portfolio_sgd.objectives.budget_barrier` solves
``min rho(y) - b.log y`` over a polyhedral cone in this form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .scenario_pieces import ScenarioPieces
from .tail_form import TailForm

__all__ = ["BudgetEpigraph", "pieces_epigraph", "root_epigraph", "tail_epigraph"]


@dataclass(frozen=True)
class BudgetEpigraph:
    """``rho(y)`` as in the module docstring.

    Attributes
    ----------
    a_y : ndarray, shape (M, N)
    a_v : sparse, shape (M, V)
    cost : ndarray, shape (V,)
    nonneg : ndarray of bool, shape (V,)
    scale : float
        ``rho`` in data units is ``scale`` times the form's value.
    gram : ndarray, shape (N, N), or None
        The root term's matrix (None: no root term).
    """

    a_y: np.ndarray
    a_v: sp.csc_matrix
    cost: np.ndarray
    nonneg: np.ndarray
    scale: float
    gram: np.ndarray | None = None


def tail_epigraph(form: TailForm) -> BudgetEpigraph:
    """The form of a :class:`TailForm` (its finite box dropped: only the zero lower bounds
    of peaks and excesses are rows of the measure)."""
    return BudgetEpigraph(
        np.asarray(form.a_w.toarray(), dtype=np.float64),
        sp.csc_matrix(form.a_v),
        np.asarray(form.cost, dtype=np.float64),
        form.lower == 0.0,
        float(form.scale),
    )


def pieces_epigraph(pieces: ScenarioPieces) -> BudgetEpigraph | None:
    """``mean_t max(lo l_t, hi l_t)`` with one excess ``e_t >= lo l_t, e_t >= hi l_t`` per
    scenario; None when the pieces have an offset (then the measure is not homogeneous)."""
    if pieces.offset != 0.0:
        return None
    rows = pieces.sign * (pieces.returns - pieces.centred * pieces.mu)
    scale = float(np.abs(rows).max()) or 1.0
    rows = rows / scale
    n_rows = rows.shape[0]
    eye = sp.identity(n_rows, format="csc")
    a_y = np.vstack([pieces.lo * rows, pieces.hi * rows])
    a_v = sp.vstack([-eye, -eye], format="csc")
    cost = np.full(n_rows, 1.0 / n_rows)
    return BudgetEpigraph(a_y, a_v, cost, np.zeros(n_rows, dtype=bool), scale)


def root_epigraph(returns: np.ndarray) -> BudgetEpigraph:
    """``sqrt(y' S y)`` of the sample covariance ``S`` (``ddof = 1``) of ``returns`` (T, N)."""
    r = np.asarray(returns, dtype=np.float64)
    centred = r - r.mean(axis=0)
    gram = centred.T @ centred / (len(r) - 1)
    scale = float(np.sqrt(np.diag(gram).max())) or 1.0
    n = r.shape[1]
    return BudgetEpigraph(
        np.zeros((0, n)),
        sp.csc_matrix((0, 0)),
        np.zeros(0),
        np.zeros(0, dtype=bool),
        scale,
        gram / scale**2,
    )
