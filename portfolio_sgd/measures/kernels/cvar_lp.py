"""The restricted Rockafellar-Uryasev LP of :mod:`.cvar_polish`, built and solved by HiGHS.

Variables ``[x (n_x), t', u' (W')]`` (one slack per distinct window row, its cost the
row's count) with ``w = D x`` (the feasible set's lift) and
``t = sc t'``, ``u = sc u'`` for the window's RMS return ``sc``; the objective is ``m / sc``
times the restricted mean-CVaR:

    min  ((-lam_r m mu - sum_F R_i) / sc).D x + (m - |F|) t' + sum_j c_j u'_j
    s.t. -(R_j / sc).D x - t' - u'_j <= 0   (j in W),   the polytope's rows on x,
         max(lower, x_c - delta) <= x <= min(upper, x_c + delta),   u' >= 0.

With a CVaR cap ``kappa`` (max-return under a CVaR limit) the cost is ``-mu.D x`` only,
and the restricted CVaR joins the rows:

    ((-sum_F R_i) / (m sc)).D x + (1 - |F| / m) t' + sum_j c_j u'_j / m <= kappa / sc .

The restricted CVaR is a lower bound of the true one at every ``(w, t)``, so the capped
LP is again a relaxation; once no scenario is on the wrong side it is exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

from ..chunks import bounded_rows

__all__ = ["TailLP", "distinct_rows", "lifted_point", "unique_rows"]

DUAL_TOL = 1e-9
"""A trust bound counts as binding when its multiplier exceeds this, relative to the
largest cost coefficient."""


def lifted_point(polytope: Any, w: np.ndarray) -> np.ndarray | None:
    """``x`` with ``D x = w`` for the lifts in use (identity; ``[I, -I]`` of a leverage cap),
    else None (no trust box)."""
    lift = polytope.lift
    n, n_x = lift.shape
    if n_x == n and np.array_equal(lift, np.eye(n)):
        return w.copy()
    if n_x == 2 * n and np.array_equal(lift, np.hstack([np.eye(n), -np.eye(n)])):
        return np.concatenate([np.maximum(w, 0.0), np.maximum(-w, 0.0)])
    return None


class TailLP:
    """One run's restricted LP (the data stays where it is; rows are gathered per solve)."""

    def __init__(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        lam_r: float,
        alpha: float,
        polytope: Any,
        cap: float | None = None,
    ) -> None:
        self.returns, self.lam_r, self.polytope, self.cap = returns, lam_r, polytope, cap
        self.mu = mean.detach().to("cpu", torch.float64).numpy()
        self.m = (1.0 - alpha) * returns.shape[0]
        self.scale = math.nan
        self.distinct_rows = 0
        self.cap_multiplier = math.nan

    def solve(
        self,
        state: torch.Tensor,
        centre: np.ndarray | None,
        delta: float,
        time_limit: float | None,
        max_rows: int,
        iterations: float = 50.0,
    ) -> tuple[torch.Tensor, float, float, np.ndarray, bool] | str:
        """Solve for the sets in ``state`` (int8 (T,): 2 F, 1 W, 0 E) and the trust box.

        HiGHS stops after ``iterations`` simplex iterations per row and column of the LP
        (counted work), and after ``time_limit`` seconds only where one is given.

        Returns
        -------
        (w, t, value, x, binding) or str
            Weights (N,) float64, the VaR level, the restricted objective, the lifted
            solution, and whether a trust bound binds; or HiGHS's message on failure, or
            ``"window of W distinct rows"`` when the window has more than ``max_rows``.
        """
        fixed_idx = (state == 2).nonzero().squeeze(1)
        win_idx = (state == 1).nonzero().squeeze(1)
        window, counts = unique_rows(self.returns[win_idx].to(torch.float64).cpu().numpy())
        self.distinct_rows = window.shape[0]
        if window.shape[0] > max_rows:
            return f"window of {window.shape[0]} distinct rows"
        if math.isnan(self.scale):
            self.scale = float(np.sqrt(np.mean(window * window))) or 1.0
        sc, poly = self.scale, self.polytope
        fixed = _gather_sum(self.returns, fixed_idx).cpu().numpy()
        width = window.shape[0]
        a_ub, b_ub, a_eq = self._rows(window / sc, width)
        if self.cap is None:
            c_w = (-self.lam_r * self.m * self.mu - fixed) / sc
            cost = np.concatenate([c_w @ poly.lift, [self.m - fixed_idx.numel()], counts])
        else:
            cost, a_ub, b_ub = self._capped(fixed, int(fixed_idx.numel()), counts, a_ub, b_ub)
        lower, upper = _trust_bounds(poly, centre, delta)
        bounds = np.vstack(
            [
                np.column_stack([lower, upper]),
                [[-np.inf, np.inf]],
                np.column_stack([np.zeros(width), np.full(width, np.inf)]),
            ]
        )
        res = linprog(
            cost,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq if a_eq.shape[0] else None,  # a budget range has no equality
            b_eq=poly.b_eq if a_eq.shape[0] else None,
            bounds=bounds,
            method="highs-ds",
            options=_limits(iterations * (cost.shape[0] + a_ub.shape[0]), time_limit),
        )
        if res.status != 0 or res.x is None:
            return str(res.message)
        n_x = poly.lift.shape[1]
        x = res.x[:n_x]
        binding = _binding(res, poly, lower, upper, float(np.abs(cost).max()))
        w = torch.from_numpy(poly.lift @ x)
        value = float(res.fun) * sc / self.m
        if self.cap is not None:  # the cap row is the last inequality: -d(-mu.w)/d kappa
            mu_scale = float(np.abs(self.mu).max()) or 1.0
            self.cap_multiplier = -float(res.ineqlin.marginals[-1]) * mu_scale / sc
            value = -float(self.mu @ w.numpy())
        return w, float(res.x[n_x]) * sc, value, x, binding

    def _capped(
        self, fixed: np.ndarray, n_fixed: int, counts: np.ndarray, a_ub: Any, b_ub: np.ndarray
    ) -> tuple[np.ndarray, Any, np.ndarray]:
        """The max-return cost and the restricted-CVaR row ``<= cap`` (module docstring)."""
        sc, lift, m = self.scale, self.polytope.lift, self.m
        mu_scale = float(np.abs(self.mu).max()) or 1.0
        cost = np.concatenate([-(self.mu / mu_scale) @ lift, [0.0], np.zeros(counts.size)])
        row = np.concatenate([(-fixed / (m * sc)) @ lift, [1.0 - n_fixed / m], counts / m])
        a_ub = sp.vstack([a_ub, sp.csr_matrix(row[None, :])], format="csr")
        return cost, a_ub, np.concatenate([b_ub, [self.cap / sc]])

    def _rows(self, window: np.ndarray, width: int) -> tuple[Any, np.ndarray, Any]:
        """``(A_ub, b_ub, A_eq)``: the window's tail rows, then the polytope's rows."""
        poly = self.polytope
        pad = 1 + width
        tail = sp.hstack(
            [sp.csr_matrix(-window @ poly.lift), -np.ones((width, 1)), -sp.identity(width)]
        )
        blocks, rhs = [tail], [np.zeros(width)]
        if poly.a_ub.shape[0]:
            blocks.append(
                sp.hstack([sp.csr_matrix(poly.a_ub), sp.csr_matrix((poly.a_ub.shape[0], pad))])
            )
            rhs.append(poly.b_ub)
        a_eq = sp.hstack([sp.csr_matrix(poly.a_eq), sp.csr_matrix((poly.a_eq.shape[0], pad))])
        return sp.vstack(blocks, format="csr"), np.concatenate(rhs), a_eq.tocsr()


def unique_rows(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``window`` (W, N) and how often each occurs (float64 (W',)).

    Identical scenarios (a bootstrapped or historical-simulation set repeats rows) have
    identical slack variables at every LP point, so one row with its count as the slack's
    cost is the same LP, up to W / W' times smaller.
    """
    distinct, counts, _ = distinct_rows(window)
    return distinct, counts


def distinct_rows(window: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(distinct rows (W', N), counts (W',) float64, inverse (W,))`` with
    ``distinct[inverse] == window`` (bitwise-equal rows are merged)."""
    n_rows = window.shape[0]
    if n_rows < 2:
        return window, np.ones(n_rows), np.arange(n_rows)
    keys = np.ascontiguousarray(window).view(np.dtype((np.void, window.itemsize * window.shape[1])))
    _, first, inverse, counts = np.unique(
        keys.ravel(), return_index=True, return_inverse=True, return_counts=True
    )
    if first.size == n_rows:
        return window, np.ones(n_rows), np.arange(n_rows)
    return window[first], counts.astype(np.float64), inverse.ravel()


def _trust_bounds(
    poly: Any, centre: np.ndarray | None, delta: float
) -> tuple[np.ndarray, np.ndarray]:
    """The variable bounds of ``x``: the polytope's, cut to the trust box."""
    if centre is None or not math.isfinite(delta):
        return poly.lower, poly.upper
    return np.maximum(poly.lower, centre - delta), np.minimum(poly.upper, centre + delta)


def _binding(res: Any, poly: Any, lower: np.ndarray, upper: np.ndarray, c_max: float) -> bool:
    """Whether a trust bound (tighter than the polytope's own) carries a multiplier."""
    n_x = lower.shape[0]
    tol = DUAL_TOL * max(c_max, 1.0)
    low_trust = lower > poly.lower
    up_trust = upper < poly.upper
    low_mult = np.abs(res.lower.marginals[:n_x])
    up_mult = np.abs(res.upper.marginals[:n_x])
    return bool(np.any(low_trust & (low_mult > tol)) or np.any(up_trust & (up_mult > tol)))


def _gather_sum(
    returns: torch.Tensor, index: torch.Tensor, chunk_rows: int = 65_536
) -> torch.Tensor:
    """``sum_{i in index} R_i`` in float64 (N,)."""
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    chunk_rows = bounded_rows(chunk_rows, returns.shape[1])
    for start in range(0, index.numel(), chunk_rows):
        total += returns[index[start : start + chunk_rows]].to(torch.float64).sum(dim=0)
    return total


def _limits(iterations: float, time_limit: float | None) -> dict[str, float | int]:
    """HiGHS options: an iteration limit, and a time limit only where one is given."""
    options: dict[str, float | int] = {"maxiter": max(int(iterations), 1000)}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    return options
