"""The master LP of the outer approximation (:mod:`.outer_approximation`), by HiGHS.

Variables ``[w (N), v_1 .. v_R (each rows term's epigraph variables), s]``. Rows:

- the mandate's polytope in ``w``;
- each rows term: ``a_w w + a_v v <= b`` and ``(cap_w.w + cap_v.v + constant) / L <= s``;
- each cut: ``(rho_j + g_j.(w - w_j)) / L <= s``.

``s = 1`` maximises the return under the limits (:meth:`OuterMaster.maximise`); ``s`` free
(``>= 0``) and minimised finds how far inside the limits one can go (:meth:`minimise_scale`).
Every limit is divided by its level, so the rows are of one scale.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..errors import ConfigError
from .limit_term import LimitTerm

__all__ = ["HIGHS_OPTIONS", "OuterMaster"]

HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
"""Tight tolerances: the master's optimum is the certificate's upper bound."""


class OuterMaster:
    """The LP of the outer approximation (module docstring).

    Parameters
    ----------
    polytope : DenseQP
        The mandate in the weights (``a_eq``, ``b_eq``, ``a_ub``, ``b_ub``, ``lower``, ``upper``).
    terms : list of LimitTerm
    """

    def __init__(self, polytope: object, terms: list[LimitTerm]) -> None:
        self.terms = terms
        self.n = int(np.asarray(polytope.lower).shape[0])
        widths = [t.rows.cap_v.shape[0] if t.rows is not None else 0 for t in terms]
        self.width = self.n + sum(widths) + 1
        lower = [np.asarray(polytope.lower, dtype=np.float64)]
        upper = [np.asarray(polytope.upper, dtype=np.float64)]
        ub_rows = [self._pad(sp.csr_matrix(polytope.a_ub), 0, 0)]
        ub_rhs = [np.asarray(polytope.b_ub, dtype=np.float64)]
        start = self.n
        for term, width in zip(terms, widths, strict=True):
            if term.rows is None:
                continue
            rows = term.rows
            ub_rows.append(self._pad(rows.a_w, start, width, rows.a_v))
            ub_rhs.append(rows.b)
            cap = np.zeros((1, self.width))
            cap[0, : self.n] = rows.cap_w / term.level
            cap[0, start : start + width] = rows.cap_v / term.level
            cap[0, -1] = -1.0
            ub_rows.append(sp.csr_matrix(cap))
            ub_rhs.append(np.array([-rows.constant / term.level]))
            lower.append(rows.lower)
            upper.append(rows.upper)
            start += width
        self.a_ub = sp.vstack(ub_rows, format="csr")
        self.b_ub = np.concatenate(ub_rhs)
        self.a_eq = self._pad(sp.csr_matrix(polytope.a_eq), 0, 0)
        self.b_eq = np.asarray(polytope.b_eq, dtype=np.float64)
        self.lower = np.concatenate([*lower, [0.0]])
        self.upper = np.concatenate([*upper, [np.inf]])
        self.cuts: list[np.ndarray] = []
        self.cut_rhs: list[float] = []

    @property
    def cut_count(self) -> int:
        """Cuts gathered so far."""
        return len(self.cuts)

    def _pad(
        self, a_w: sp.spmatrix, start: int, width: int, a_v: sp.spmatrix | None = None
    ) -> sp.csr_matrix:
        """Rows in ``w`` (and ``v`` at columns ``start:start + width``) over the full width."""
        m = a_w.shape[0]
        blocks = [sp.csr_matrix(a_w)]
        if a_v is not None:
            blocks += [sp.csr_matrix((m, start - self.n)), sp.csr_matrix(a_v)]
            rest = self.width - start - width
        else:
            rest = self.width - self.n
        blocks.append(sp.csr_matrix((m, rest)))
        return sp.hstack(blocks, format="csr")

    def add_cuts(self, w: np.ndarray, over_only: bool) -> None:
        """The cuts of every cut term at ``w`` (only of the terms over their level at ``w``
        where ``over_only``)."""
        for term in self.terms:
            if term.cut is None:
                continue
            value, grad = term.cut(w)
            if over_only and value <= term.level:
                continue
            self.cuts.append(grad / term.level)
            self.cut_rhs.append(float(grad @ w - value) / term.level)

    def _solve(self, cost: np.ndarray, s_bounds: tuple[float, float]) -> tuple[np.ndarray, float]:
        """The LP's full solution and value (a one-line error where HiGHS finds none)."""
        a_ub, b_ub = self.a_ub, self.b_ub
        if self.cuts:
            cuts = np.zeros((len(self.cuts), self.width))
            cuts[:, : self.n] = np.vstack(self.cuts)
            cuts[:, -1] = -1.0
            a_ub = sp.vstack([a_ub, sp.csr_matrix(cuts)], format="csr")
            b_ub = np.concatenate([b_ub, self.cut_rhs])
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[-1], upper[-1] = s_bounds
        res = linprog(
            cost,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=self.a_eq if self.a_eq.shape[0] else None,
            b_eq=self.b_eq if self.a_eq.shape[0] else None,
            bounds=np.column_stack([lower, upper]),
            method="highs",
            options=HIGHS_OPTIONS,
        )
        if res.status != 0:
            raise ConfigError(f"no portfolio within every limit ({res.message})")
        return res.x, float(res.fun)

    def maximise(self, mu: np.ndarray) -> tuple[np.ndarray, float]:
        """``(w, upper bound on max mu.w)`` with ``s = 1``."""
        norm = float(np.abs(mu).max()) or 1.0
        cost = np.zeros(self.width)
        cost[: self.n] = -mu / norm
        x, fun = self._solve(cost, (1.0, 1.0))
        w = x[: self.n]
        return w, max(-fun * norm, float(mu @ w))

    def minimise_scale(self) -> tuple[np.ndarray, float]:
        """``(w, the least s)``: how deep within the limits the master allows."""
        cost = np.zeros(self.width)
        cost[-1] = 1.0
        x, fun = self._solve(cost, (0.0, np.inf))
        return x[: self.n], fun
