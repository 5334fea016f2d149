"""The full LP of a :class:`~.tail_form.TailForm` measure over the feasible polytope, by
HiGHS, and its Lagrangian (LP-dual) lower bound.

``min_{w in C} rho(w) + c.w`` (min-risk: ``c = 0``; utility ``mu.w - g rho``: ``c = -mu / g``)
and ``max mu.w s.t. rho(w) <= cap`` are solved over ``[x, v]`` with ``w = D x`` (the
polytope's lift). The certificate needs only multipliers ``lam >= 0`` of the measure's
rows: for every ``w`` in the box's reach,

    rho(w) >= s * (lam.A_w w + sum_j min_{v_j in box} (cost + A_v' lam)_j v_j)

(weak duality of the inner LP), an affine minorant whose minimum over ``C`` plus ``c.w``
is one linear minimisation over ``C``: a proven lower bound on the optimum, whatever the
multipliers' accuracy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

from .tail_form import TailForm

__all__ = ["TailSolution", "l1_radius", "minorant_bound", "solve_tail_lp"]


@dataclass(frozen=True)
class TailSolution:
    """One LP's outcome: weights (N,), ``rho(w)`` of the LP, the measure rows' multipliers
    ``lam >= 0`` (M,), the cap's multiplier ``d(mu.w*)/d cap``, HiGHS status and seconds."""

    weights: np.ndarray
    value: float
    multipliers: np.ndarray
    cap_multiplier: float
    status: str
    seconds: float


def l1_radius(polytope: Any) -> float:
    """A bound on ``|w|_1`` over the polytope (``inf`` when none is found)."""
    lift = np.abs(polytope.lift)
    if np.all(polytope.lower >= 0):
        weight = lift.sum(axis=0)
        res = linprog(
            -weight,
            A_ub=polytope.a_ub if polytope.a_ub.shape[0] else None,
            b_ub=polytope.b_ub if polytope.b_ub.shape[0] else None,
            A_eq=polytope.a_eq,
            b_eq=polytope.b_eq,
            bounds=np.column_stack([polytope.lower, polytope.upper]),
            method="highs",
        )
        return float(-res.fun) if res.status == 0 else float("inf")
    reach = np.maximum(np.abs(polytope.lower), np.abs(polytope.upper))
    return float(lift.sum(axis=0) @ reach)


def solve_tail_lp(
    form: TailForm, polytope: Any, linear: np.ndarray, cap: float | None = None
) -> TailSolution:
    """Solve ``min rho(w) + linear.w`` (or, with ``cap``, ``max mu.w s.t. rho(w) <= cap``
    where ``linear`` is ``-mu``) over the polytope."""
    began = time.perf_counter()
    n_x, n_v = polytope.n_x, form.cost.size
    lift = polytope.lift
    a_ub = sp.vstack(
        [
            sp.hstack([form.a_w @ lift, form.a_v]),
            sp.hstack([sp.csr_matrix(polytope.a_ub), sp.csr_matrix((polytope.a_ub.shape[0], n_v))]),
        ],
        format="csr",
    )
    b_ub = np.concatenate([np.zeros(form.a_w.shape[0]), polytope.b_ub])
    a_eq = sp.hstack([sp.csr_matrix(polytope.a_eq), sp.csr_matrix((polytope.a_eq.shape[0], n_v))])
    if cap is None:
        cost = np.concatenate([(linear / form.scale) @ lift, form.cost])
    else:
        mu_scale = float(np.abs(linear).max()) or 1.0
        cost = np.concatenate([(linear / mu_scale) @ lift, np.zeros(n_v)])
        a_ub = sp.vstack([a_ub, sp.hstack([sp.csr_matrix((1, n_x)), form.cost[None, :]])])
        b_ub = np.concatenate([b_ub, [cap / form.scale]])
    bounds = np.vstack(
        [
            np.column_stack([polytope.lower, polytope.upper]),
            np.column_stack([form.lp_lower, np.full(n_v, np.inf)]),
        ]
    )
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq.tocsr(),
        b_eq=polytope.b_eq,
        bounds=bounds,
        method="highs-ds",
    )
    if res.status != 0 or res.x is None:
        nan = np.full(lift.shape[0], np.nan)
        seconds = time.perf_counter() - began
        return TailSolution(nan, np.nan, np.zeros(0), np.nan, f"failed ({res.message})", seconds)
    rows = form.a_w.shape[0]
    lam = np.maximum(-res.ineqlin.marginals[:rows], 0.0)
    w = lift @ res.x[:n_x]
    value = float(form.cost @ res.x[n_x:]) * form.scale
    cap_mult = np.nan
    if cap is not None:
        cap_mult = -float(res.ineqlin.marginals[-1]) * mu_scale / form.scale
        lam = lam / max(-float(res.ineqlin.marginals[-1]), 1e-300)
    return TailSolution(w, value, lam, cap_mult, "exact", time.perf_counter() - began)


def minorant_bound(
    form: TailForm, multipliers: np.ndarray, linear: np.ndarray, minimize: Any
) -> float:
    """A proven lower bound on ``min_C rho(w) + linear.w`` from row multipliers ``lam``
    (M,), any ``lam >= 0``; ``minimize`` is the feasible set's linear oracle
    ((K, N) costs -> (K, N) minimisers)."""
    lam = np.maximum(multipliers, 0.0)
    reduced = form.cost + form.a_v.T @ lam
    floor = float(np.minimum(reduced * form.lower, reduced * form.upper).sum())
    slope = form.scale * (form.a_w.T @ lam) + linear
    s = minimize(torch.from_numpy(slope[None, :]))[0].to(torch.float64).cpu().numpy()
    return form.scale * floor + float(slope @ s)
