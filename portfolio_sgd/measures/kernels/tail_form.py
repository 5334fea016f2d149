"""The LP epigraph of a tail mean of linear (or drawdown) losses, as sparse rows.

Losses ``L_t(w) = u_t - P_t.w`` with running peaks ``u`` (drawdowns of the cumulative
path ``P = cumsum(R)``), or ``L_t(w) = -P_t.w`` (``P = R``, no peaks). Their mean over the
worst ``m`` of ``T`` (Rockafellar-Uryasev) is

    rho(w) = min  z + sum_t d_t / m
             s.t. P_t.w - u_t <= 0,  u_{t-1} - u_t <= 0,      (peaks, drawdowns only)
                  -P_t.w + u_t - z - d_t <= 0,   u, d >= 0,

``m = 1`` the largest loss, ``m = T`` the mean. ``z >= 0`` for drawdowns (they are
``>= 0``); free, within the box, for returns. The rows are ``A_w w + A_v v <= 0`` over
``v = [u, z, d]``; ``box`` holds bounds on ``v`` that hold at every optimum for weights
of 1-norm at most ``radius`` (what the certificate's Lagrangian minorant needs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["TailForm", "tail_form"]


@dataclass(frozen=True)
class TailForm:
    """``rho(w) = min cost.v  s.t.  a_w w + a_v v <= 0,  box`` (module docstring).

    Attributes
    ----------
    a_w : sparse (M, N)
    a_v : sparse (M, V)
    cost : ndarray (V,)
    lower, upper : ndarray (V,)
        The box of ``v`` (finite; valid at every optimum within ``radius``).
    scale : float
        The data were divided by it (``rho`` in data units is ``scale`` times the LP's).
    lp_lower : ndarray (V,)
        The bounds the LP itself needs (``u, d >= 0``; ``z`` free where the tail costs sum
        to at least 1, else ``z >= lower``); no upper bounds. The box only serves the
        certificate: it holds at every optimum, so the LP's optimum and multipliers are
        those of the boxed LP, and the simplex is not slowed by bounds that never bind.
    """

    a_w: sp.csr_matrix
    a_v: sp.csr_matrix
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    scale: float
    lp_lower: np.ndarray


def tail_form(
    returns: np.ndarray,
    mass: float,
    peaks: bool,
    radius: float,
    weights: np.ndarray | None = None,
) -> TailForm:
    """The form for ``returns`` (T, N): tail ``mass`` ``m`` in [1, T]; ``peaks``: drawdowns
    of the cumulative path (else the returns' own losses); ``radius``: a bound on ``|w|_1``;
    ``weights`` (T,), ``>= 0`` summing to at most 1: the costs of ``d`` in place of
    ``1 / m`` (then ``z = 0`` is optimal and ``rho`` is the weighted mean of the losses)."""
    path = np.cumsum(returns, axis=0) if peaks else np.asarray(returns, dtype=np.float64)
    n_rows = path.shape[0]
    scale = float(np.abs(path).max()) or 1.0
    path = path / scale
    big = 2.0 * radius * float(np.abs(path).max(axis=1).max()) + 1.0
    eye = sp.identity(n_rows, format="csr")
    ones = sp.csr_matrix(np.ones((n_rows, 1)))
    tail_w = sp.csr_matrix(-path)
    if peaks:
        step = sp.diags([np.ones(n_rows - 1), -np.ones(n_rows - 1)], [0, 1], (n_rows - 1, n_rows))
        zeros = sp.csr_matrix((n_rows, 1 + n_rows))
        a_v = sp.vstack(
            [
                sp.hstack([-eye, zeros]),
                sp.hstack([step, sp.csr_matrix((n_rows - 1, 1 + n_rows))]),
                sp.hstack([eye, -ones, -eye]),
            ],
            format="csr",
        )
        a_w = sp.vstack([sp.csr_matrix(path), sp.csr_matrix((n_rows - 1, path.shape[1])), tail_w])
        lower = np.zeros(2 * n_rows + 1)
        cost = np.concatenate([np.zeros(n_rows), [1.0], _row_costs(n_rows, mass, weights)])
    else:
        a_v = sp.hstack([-ones, -eye], format="csr")
        a_w = tail_w
        lower = np.concatenate([[-big], np.zeros(n_rows)])
        cost = np.concatenate([[1.0], _row_costs(n_rows, mass, weights)])
    upper = np.full(lower.shape, big)
    lp_lower = lower.copy()
    if weights is None:  # costs 1 / m on T rows: a lower z never pays, z may be free
        lp_lower[n_rows if peaks else 0] = -np.inf
    return TailForm(a_w.tocsr(), a_v, cost, lower, upper, scale, lp_lower)


def _row_costs(n_rows: int, mass: float, weights: np.ndarray | None) -> np.ndarray:
    """The costs (T,) of the excess losses ``d``: ``1 / m``, or the given weights."""
    return np.full(n_rows, 1.0 / mass) if weights is None else np.asarray(weights, dtype=float)
