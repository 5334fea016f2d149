"""``max mu.w s.t. rho(w) <= cap`` for many caps: one HiGHS model of a
:class:`~.tail_form.TailForm`'s full LP whose cap row's bound changes between solves, each
re-solve starting from the last basis (a frontier's points differ in one right-hand side).

Columns ``[x, v]`` (``w = D x``); rows: the form's ``a_w D x + a_v v <= 0``, the polytope's,
then the cap ``cost.v <= cap / scale``; objective ``-mu.w / |mu|_inf``. The same LP as
:func:`.tail_lp.solve_tail_lp` with a cap, built once.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from .tail_form import TailForm
from .tail_lp import TailSolution
from .tail_pair_model import INF, add_polytope_rows, new_highs, run_highs

__all__ = ["CapModel"]


class CapModel:
    """The capped LP of ``form`` over ``polytope`` for the mean ``mu`` (N,)."""

    def __init__(self, form: TailForm, polytope: Any, mu: np.ndarray) -> None:
        self.form, self.lift = form, np.asarray(polytope.lift, dtype=np.float64)
        self.n_x, n_v = self.lift.shape[1], form.cost.size
        self.mu_scale = float(np.abs(mu).max()) or 1.0
        h = self.highs = new_highs()
        cost = np.concatenate([(-mu / self.mu_scale) @ self.lift, np.zeros(n_v)])
        lower = np.concatenate([polytope.lower, form.lp_lower])
        upper = np.concatenate([polytope.upper, np.full(n_v, INF)])
        h.addCols(
            cost.size,
            cost,
            np.where(np.isfinite(lower), lower, -INF),
            np.where(np.isfinite(upper), upper, INF),
            0,
            np.zeros(cost.size + 1, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        add_polytope_rows(h, polytope)
        rows = sp.vstack(
            [
                sp.hstack([form.a_w @ sp.csr_matrix(self.lift), form.a_v]),
                sp.hstack([sp.csr_matrix((1, self.n_x)), sp.csr_matrix(form.cost[None, :])]),
            ],
            format="csr",
        )
        rows.sort_indices()
        k = rows.shape[0]
        self.form_row0 = int(h.getNumRow())
        upper_rows = np.zeros(k)
        h.addRows(
            k,
            np.full(k, -INF),
            upper_rows,
            rows.nnz,
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(np.float64),
        )
        self.cap_row = self.form_row0 + k - 1

    def solve(self, cap: float) -> TailSolution:
        """The capped LP at ``cap`` (data units), from the last basis."""
        began = time.perf_counter()
        self.highs.changeRowBounds(self.cap_row, -INF, cap / self.form.scale)
        status, col, duals = run_highs(self.highs)
        if status != "exact":
            nan = np.full(self.lift.shape[0], np.nan)
            return TailSolution(nan, np.nan, np.zeros(0), np.nan, status, 0.0)
        w = self.lift @ col[: self.n_x]
        value = float(self.form.cost @ col[self.n_x :]) * self.form.scale
        cap_dual = -float(duals[self.cap_row])
        lam = np.maximum(-duals[self.form_row0 : self.cap_row], 0.0) / max(cap_dual, 1e-300)
        mult = cap_dual * self.mu_scale / self.form.scale
        return TailSolution(w, value, lam, mult, "exact", time.perf_counter() - began)
