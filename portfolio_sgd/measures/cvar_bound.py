"""A proven lower bound on the mean-CVaR optimum from LP duality on the tail scenarios.

With losses ``L_t = -R_t.w``, ``m = (1 - alpha) T`` and ``Q = {0 <= q_t <= 1/m, sum q = 1}``,

    f(w) = -lam_r mu.w + CVaR_alpha(L) = max_{q in Q} h(q).w,   h(q) = -lam_r mu - R^T q,

so by weak duality every ``q in Q`` gives ``phi(q) = min_{s in C} h(q).s <= f*``. The
exact dual point at ``w`` (``1/m`` on the ``floor(m)`` largest losses, the remainder on
the next) gives ``f(w) - phi(q_w)``: the Frank-Wolfe gap of the CVaR subgradient, valid
but loose at a kink. The bound shipped here maximises ``phi`` over a restriction
``Q' subset Q``: the scenarios ranked ``[0, i0)`` by loss at ``w`` keep ``q_t = 1/m``,
those ranked ``[i0, i1)`` (a window around the VaR, reaching ``margin`` rows past it) are
free, the rest are 0. Writing ``phi`` through the LP dual of ``min_{s in C}`` (for any
:class:`~portfolio_sgd.constraints.polytope.Polytope`) makes ``max_{q in Q'} phi(q)`` one LP, solved by HiGHS.

Any ``q in Q'`` gives a valid bound, so the LP needs no accuracy for validity: its ``q`` is
moved exactly into ``Q'`` and ``phi(q)`` is re-evaluated with the exact LMO; the larger of
that and ``phi(q_w)`` is reported. At an exact optimum every saddle point ``q*`` puts
``1/m`` on the losses above the VaR and 0 below, so the bound is tight once the window
holds every scenario tied at the VaR. A window of ``W`` rows costs ``W x N`` dense LP
entries; it is shrunk towards the VaR to fit ``max_lp_entries``, and where even two rows
do not fit (or HiGHS fails) the subgradient bound is returned, as the ``method`` says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

from .chunks import bounded_rows, iter_chunks
from .kernels.cvar_lp import distinct_rows

FeasibleSet = Any
"""The constraint set's linear oracle (``minimize``, ``offset``, ``polytope()``)."""
Polytope = Any
"""Its linear form (``lift``, ``a_ub``, ``b_ub``, ``a_eq``, ``b_eq``, ``lower``, ``upper``)."""

__all__ = ["CvarBound", "CvarOptions", "cvar_bound", "scenario_losses64"]


@dataclass(frozen=True)
class CvarOptions:
    """Knobs of the CVaR dual bound.

    Attributes
    ----------
    margin : float
        Free rows past the VaR, as a fraction of ``m = (1 - alpha) T``; at least
        ``2 N`` rows are taken (a vertex optimum ties up to about ``N`` losses at the VaR).
    max_lp_entries : int
        Budget for the dense block of the LP (window rows x assets).
    time_limit : float
        Seconds per LP; HiGHS stopping early still yields a valid (looser) bound.
    lp_method : str
        scipy ``linprog`` method: ``"highs"`` (HiGHS chooses), ``"highs-ds"`` (dual
        simplex) or ``"highs-ipm"`` (interior point).
    """

    margin: float = 0.25
    max_lp_entries: int = 4_000_000
    time_limit: float = 60.0
    lp_method: str = "highs"


@dataclass(frozen=True)
class CvarBound:
    """Per-row results of :func:`cvar_bound` (all float64 tensors of shape (K,))."""

    value: torch.Tensor
    lower_bound: torch.Tensor
    subgradient_bound: torch.Tensor
    abs_loss: torch.Tensor
    methods: tuple[str, ...]


def scenario_losses64(
    returns: torch.Tensor, weights: torch.Tensor, chunk_rows: int = 65_536
) -> torch.Tensor:
    """Scenario losses ``L = -R w`` in float64, computed in row chunks.

    Returns
    -------
    Tensor, float64, shape (K, T)
    """
    parts = [-(rows @ weights.T) for _, rows in iter_chunks(returns, chunk_rows)]
    return torch.cat(parts, dim=0).T.contiguous()


def _gather_sum(returns: torch.Tensor, index: torch.Tensor, chunk_rows: int) -> torch.Tensor:
    """``sum_{t in index} R_t`` in float64 (N,), gathering ``chunk_rows`` rows at a time."""
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    chunk_rows = bounded_rows(chunk_rows, returns.shape[1])
    for start in range(0, index.numel(), chunk_rows):
        total += returns[index[start : start + chunk_rows]].to(torch.float64).sum(dim=0)
    return total


def cvar_bound(
    returns: torch.Tensor,
    weights: torch.Tensor,
    mean: torch.Tensor,
    feasible: FeasibleSet,
    *,
    alpha: float,
    return_weight: float,
    options: CvarOptions | None = None,
    chunk_rows: int = 65_536,
) -> CvarBound:
    """``f(w)`` and a proven lower bound on ``f*`` for mean-CVaR, row by row.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
        Scenarios (any floating dtype/device; read in chunks).
    weights : Tensor, float64, shape (K, N)
    mean : Tensor, float64, shape (N,)
        Full-data mean ``mu``.
    feasible : FeasibleSet
    alpha : float
        Confidence level in (0, 1).
    return_weight : float
        ``lam_r >= 0``.
    options : CvarOptions, optional
    chunk_rows : int

    Returns
    -------
    CvarBound
        ``f(w) - lower_bound`` bounds ``f(w) - f*``; ``methods[k]`` is ``"cvar-dual-lp"``
        (window = all candidates), ``"cvar-dual-lp-window"`` (window shrunk to fit) or
        ``"cvar-subgradient-fw (...)"`` (fallback, with the reason).
    """
    opts = options or CvarOptions()
    n_rows, n_assets = returns.shape
    m = (1.0 - alpha) * n_rows
    losses = scenario_losses64(returns, weights, chunk_rows)  # (K, T)
    base = -return_weight * mean  # h(q) = base - R^T q
    polytope = feasible.polytope()
    values, bounds, subs, abs_losses, methods = [], [], [], [], []
    for k in range(weights.shape[0]):
        row = _RowProblem(returns, losses[k], base, m, feasible, chunk_rows)
        values.append(float(row.value(weights[k])))
        abs_losses.append(row.abs_loss(return_weight, alpha))
        fits = row.window_fits(opts, n_assets)
        sub = row.phi(row.subgradient_q())
        best, method = sub, "cvar-subgradient-fw (window does not fit max_lp_entries)"
        if fits:
            q, status = _solve_dual_lp(row, polytope, opts)
            if q is not None:
                best = max(sub, row.phi(q))
                method = "cvar-dual-lp" if row.full_window else "cvar-dual-lp-window"
                method += "" if status == "ok" else f" (HiGHS stopped early: {status})"
            else:
                method = f"cvar-subgradient-fw (HiGHS: {status})"
        bounds.append(best)
        subs.append(sub)
        methods.append(method)

    def _t(v: list[float]) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.float64)

    return CvarBound(_t(values), _t(bounds), _t(subs), _t(abs_losses), tuple(methods))


class _RowProblem:
    """One portfolio's losses sorted into fixed / window / excluded scenarios."""

    def __init__(
        self,
        returns: torch.Tensor,
        losses: torch.Tensor,
        base: torch.Tensor,
        m: float,
        feasible: FeasibleSet,
        chunk_rows: int,
    ) -> None:
        self.returns, self.losses, self.base, self.m = returns, losses, base, m
        self.feasible, self.chunk_rows = feasible, chunk_rows
        self.n_full = min(math.floor(m), losses.numel() - 1)  # ranks with q = 1/m at w
        self.frac = m - self.n_full  # q' (in units of 1/m) of rank n_full at w
        self.full_window = True

    def window_fits(self, opts: CvarOptions, n_assets: int) -> bool:
        """Choose the window ``[i0, i1)`` of free ranks; False if two rows do not fit."""
        n_rows = self.losses.numel()
        wanted = max(math.ceil(opts.margin * self.m), 2 * n_assets)
        cap_rows = opts.max_lp_entries // max(n_assets, 1)
        if cap_rows < 2:  # the subgradient bound only: window = the fractional rank
            self._set_window(self.n_full, self.n_full + 1)
            return False
        top = math.ceil(self.m)
        i1 = min(n_rows, top + wanted)
        if i1 > cap_rows:  # shrink: fix the largest losses, keep a band around the VaR
            self.full_window = False
            i1 = min(n_rows, top + min(wanted, cap_rows // 2))
        self._set_window(max(0, i1 - cap_rows), i1)
        return True

    def _set_window(self, i0: int, i1: int) -> None:
        i1 = max(i1, self.n_full + 1, i0)
        ranked = torch.topk(self.losses, i1, largest=True, sorted=True).indices
        self.i0, self.i1 = i0, i1
        fixed = _gather_sum(self.returns, ranked[:i0], self.chunk_rows)
        self.g0 = self.base - fixed / self.m  # h(q) without the window's rows
        self.window = self.returns[ranked[i0:i1]].to(torch.float64)  # (W, N)

    def value(self, w: torch.Tensor) -> float:
        """``f(w) = -lam_r mu.w + CVaR(L)`` (top ``floor(m)`` losses plus a fraction)."""
        top = torch.topk(self.losses, self.n_full + 1, sorted=True).values
        cvar = (top[: self.n_full].sum() + self.frac * top[self.n_full]) / self.m
        return float(self.base.to(w.device) @ w) + float(cvar)

    def abs_loss(self, return_weight: float, alpha: float) -> float:
        """``E_t |l_t|`` of the Rockafellar-Uryasev losses at the VaR."""
        var = torch.topk(self.losses, self.n_full + 1).values[-1]
        x = -self.losses
        loss = -return_weight * x + var + (self.losses - var).clamp_min(0) / (1 - alpha)
        return float(loss.abs().mean())

    def subgradient_q(self) -> torch.Tensor:
        """The exact dual point at ``w`` on the window, in units of ``1/m``."""
        q = torch.zeros(self.i1 - self.i0, dtype=torch.float64, device=self.window.device)
        q[: self.n_full - self.i0] = 1.0
        q[self.n_full - self.i0] = self.frac
        return q

    def phi(self, q_window: torch.Tensor) -> float:
        """``min_{s in C} h(q).s`` for ``q = 1/m`` on ranks ``< i0`` and ``q_window / m``."""
        q = torch.as_tensor(q_window, dtype=torch.float64, device=self.window.device)
        g = self.g0 - (self.window.T @ q) / self.m
        s = self.feasible.minimize(g[None, :])
        return float(g @ s[0]) + float(self.feasible.offset(s)[0])


def _solve_dual_lp(
    row: _RowProblem, polytope: Polytope, opts: CvarOptions
) -> tuple[torch.Tensor | None, str]:
    """Maximise ``phi`` over the window with HiGHS; return ``q'`` moved exactly into ``Q'``.

    Variables ``[q' (W'), g (N), y (m_ub), z (m_eq), p (lower), r (upper)]`` (one ``q'`` per
    distinct window row, at most its count), with ``g``
    scaled by the data scale ``sc``. Rows: ``g + R_W^T q' / (m sc) = g0 / sc`` (N);
    ``D^T g + A_ub^T y + A_eq^T z - p + r = 0`` (n_x); ``sum q' = m - i0`` (1). The
    objective ``max -b_ub.y - b_eq.z + lower.p - upper.r`` is ``phi / sc``.
    """

    # identical scenarios share one q (bounded by their count): the same LP, W/W' smaller
    rw, counts, inverse = distinct_rows(row.window.cpu().numpy())  # (W', N)
    width, n = rw.shape
    sc = float(np.sqrt(np.mean(rw * rw))) or 1.0
    n_x = polytope.n_x
    has_lo = np.isfinite(polytope.lower)
    has_hi = np.isfinite(polytope.upper)
    eye_x = sp.identity(n_x, format="csr")
    blocks_top = [sp.csr_matrix(rw.T / (row.m * sc)), sp.identity(n, format="csr")]
    blocks_mid = [
        sp.csr_matrix((n_x, width)),
        sp.csr_matrix(polytope.lift.T),
        sp.csr_matrix(polytope.a_ub.T),
        sp.csr_matrix(polytope.a_eq.T),
        -eye_x[:, has_lo],
        eye_x[:, has_hi],
    ]
    n_dual = blocks_mid[2].shape[1] + blocks_mid[3].shape[1] + int(has_lo.sum() + has_hi.sum())
    a_eq = sp.vstack(
        [
            sp.hstack(blocks_top + [sp.csr_matrix((n, n_dual))]),
            sp.hstack(blocks_mid),
            sp.hstack([sp.csr_matrix(np.ones((1, width))), sp.csr_matrix((1, n + n_dual))]),
        ],
        format="csr",
    )
    g0 = row.g0.cpu().numpy() / sc
    fixed = -polytope.x_cost / sc if polytope.x_cost is not None else np.zeros(n_x)
    b_eq = np.concatenate([g0, fixed, [row.m - row.i0]])
    cost = np.concatenate(
        [
            np.zeros(width + n),
            polytope.b_ub,
            polytope.b_eq,
            -polytope.lower[has_lo],
            polytope.upper[has_hi],
        ]
    )
    m_ub, m_eq = polytope.a_ub.shape[0], polytope.a_eq.shape[0]
    bounds = (
        [(0.0, float(c)) for c in counts]
        + [(None, None)] * n
        + [(0.0, None)] * m_ub
        + [(None, None)] * m_eq
        + [(0.0, None)] * int(has_lo.sum() + has_hi.sum())
    )
    res = linprog(
        cost,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method=opts.lp_method,
        options={"time_limit": opts.time_limit},
    )
    if res.x is None:
        return None, str(res.message)
    q_rows = (res.x[:width] / counts)[inverse]  # each duplicate takes an equal share
    q = _into_window_set(q_rows, row.m - row.i0)
    return q, "ok" if res.status == 0 else str(res.message)


def _into_window_set(q: np.ndarray, target: float) -> torch.Tensor:
    """Move ``q`` into ``{0 <= q <= 1, sum q = target}`` (clip, then rescale or fill)."""
    q = np.clip(q, 0.0, 1.0)
    total = q.sum()
    if total > target:
        q = q * (target / total)
    elif total < target:
        room = 1.0 - q
        q = q + room * ((target - total) / room.sum())
    return torch.from_numpy(np.clip(q, 0.0, 1.0))
