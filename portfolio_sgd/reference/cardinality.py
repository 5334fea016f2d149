"""Exact mixed-integer references for ``max_assets`` / ``min_position``.

Two independent routes to the true optimum of

    min f(w)  s.t.  sum w = 1,  w_i in {0} U [x, hi],  ||w||_0 <= k   (long-only)

- :func:`enumerate_cardinality` (every smooth objective: min-variance, mean-variance,
  tracking, Kelly): **exhaustive enumeration of supports** with a rigorous bracket. On a
  fixed support S of size j the problem is convex (bounds ``[x, hi]`` on S, zeros off
  it). All supports are solved together as one (K, j) batch by accelerated projected
  gradient (FISTA with restarts, exact capped-simplex projection). Each support gets an
  upper bound (the value of a feasible point) and a lower bound (the value minus the
  Frank-Wolfe gap, ``f(w) - max_{s in C_S} g.(w - s)``, valid by convexity). Supports whose
  lower bound exceeds the best upper bound are pruned (a correct bound test, not a
  heuristic) and the rest iterate until the bracket is below ``rtol``. With ``x = 0`` only
  size ``min(k, N)`` is enumerated (any smaller support lies inside a larger one).
- :func:`milp_cvar`: CVaR's Rockafellar-Uryasev LP with binaries ``z`` (``x z <= w <=
  hi z``, ``sum z <= k``), solved by scipy's ``milp`` (HiGHS branch-and-bound).

Risk parity has no cardinality version (its log barrier holds every asset).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from ..constraints import Cardinality, Constraints
from ..errors import ConfigError
from ..objectives import ObjectiveSpec
from .cardinality_result import ExactCardinality
from .milp import milp_cvar

#: Supports solved per batch (memory: K j^2 floats, or K T j for Kelly).
CHUNK = 40_000


__all__ = ["ExactCardinality", "enumerate_cardinality", "exact_cardinality", "milp_cvar"]


def _project(v: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """Euclidean projection of the rows of ``v`` (K, j) onto ``{sum w = 1, lo <= w <= hi}``
    for small ``j``: ``g(nu) = sum clip(v + nu, lo, hi)`` is evaluated at all 2j
    breakpoints and interpolated on the piece where it crosses 1 (exact, O(K j^2))."""
    bp, _ = torch.sort(torch.cat([lo - v, hi - v], dim=1), dim=1)  # (K, 2j)
    g = (v[:, None, :] + bp[:, :, None]).clamp(lo, hi).sum(dim=2)  # (K, 2j)
    i = torch.searchsorted(g.contiguous(), torch.ones_like(g[:, :1])).clamp(1, g.shape[1] - 1)
    b0, b1 = bp.gather(1, i - 1), bp.gather(1, i)
    g0, g1 = g.gather(1, i - 1), g.gather(1, i)
    slope = torch.where(g1 > g0, (b1 - b0) / (g1 - g0), torch.zeros_like(g0))
    nu = torch.where(g1 > g0, b0 + (1.0 - g0) * slope, b1)
    w = (v + nu).clamp(lo, hi)
    free = (w > lo) & (w < hi)
    n_free = free.sum(dim=1, keepdim=True).clamp_min(1)
    fix = (1.0 - w.sum(dim=1, keepdim=True)) / n_free
    return torch.where(free, (w + fix).clamp(lo, hi), w)


def _fw_lower(g: torch.Tensor, w: torch.Tensor, f: torch.Tensor, lo: float, hi: float):  # noqa: ANN202
    """``f - max_{s} g.(w - s)`` over ``{sum s = 1, lo <= s <= hi}`` row by row (K,)."""
    j = g.shape[1]
    gs, _ = torch.sort(g, dim=1)
    cap = hi - lo
    rest = 1.0 - j * lo
    steps = torch.arange(j, dtype=g.dtype, device=g.device) * cap
    fill = (rest - steps).clamp(min=0.0, max=cap)
    best = lo * gs.sum(dim=1) + (fill * gs).sum(dim=1)
    return f - ((g * w).sum(dim=1) - best)


def _solve_batch(
    oracle: _Oracle, lo: float, hi: float, incumbent: float, rtol: float, max_iter: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """FISTA with restarts on K supports at once; pruned or bracketed rows are dropped.

    Returns (upper (K,), lower (K,), weights (K, j)): each row's last value, best lower
    bound and last iterate.
    """
    k, j = oracle.size, oracle.width
    w = _project(torch.full((k, j), 1.0 / j, dtype=torch.float64), lo, hi)
    y, w_prev, theta = w.clone(), w.clone(), torch.ones(k, dtype=torch.float64)
    upper = torch.full((k,), math.inf, dtype=torch.float64)
    lower = torch.full((k,), -math.inf, dtype=torch.float64)
    final = w.clone()
    ids = torch.arange(k)
    step = (1.0 / oracle.lipschitz())[:, None]
    for it in range(1, max_iter + 1):
        _, gy = oracle(y)
        w_new = _project(y - step * gy, lo, hi)
        restart = (gy * (w_new - w)).sum(dim=1) > 0  # gradient restart
        th = torch.where(restart, torch.ones_like(theta), theta)
        th_new = 0.5 * (1.0 + torch.sqrt(1.0 + 4.0 * th * th))
        w_prev, w = w, w_new
        y = w + ((th - 1.0) / th_new)[:, None] * (w - w_prev)
        theta = th_new
        if it not in (10, 25) and it % 50 and it != max_iter:
            continue
        w, y, theta = _polished(oracle, w, y, theta, lo, hi)
        f, g = oracle(w)
        upper[ids] = f
        lower[ids] = torch.maximum(lower[ids], _fw_lower(g, w, f, lo, hi))
        final[ids] = w
        best = min(float(upper.min()), incumbent)
        keep = (lower[ids] <= best + rtol * abs(best)) & (
            upper[ids] - lower[ids] > rtol * abs(best)
        )
        if not bool(keep.any()):
            break
        if not bool(keep.all()):
            ids, w, y, w_prev, theta, step = (a[keep] for a in (ids, w, y, w_prev, theta, step))
            oracle = oracle.select(keep)
    return upper, lower, final


def _polished(oracle: _Oracle, w, y, theta, lo: float, hi: float):  # noqa: ANN001, ANN202
    """Rows of ``w`` replaced by the oracle's polished point where it is feasible and no
    worse (the momentum of those rows restarts from it)."""
    cand = oracle.polish(w, lo, hi)
    if cand is None:
        return w, y, theta
    ok = (cand >= lo - 1e-13).all(dim=1) & (cand <= hi + 1e-13).all(dim=1)
    ok &= (cand.sum(dim=1) - 1.0).abs() <= 1e-12
    cand = cand.clamp(lo, hi)
    ok &= oracle(cand)[0] <= oracle(w)[0]
    w = torch.where(ok[:, None], cand, w)
    return w, torch.where(ok[:, None], cand, y), torch.where(ok, torch.ones_like(theta), theta)


class _Oracle:
    """Value and gradient of the objective on K supports (rows), with row selection."""

    size: int
    width: int

    def __call__(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def select(self, keep: torch.Tensor) -> _Oracle:
        raise NotImplementedError

    def polish(self, w: torch.Tensor, lo: float, hi: float) -> torch.Tensor | None:
        """An exact solution guess from the active set of ``w`` (None: no polish)."""
        return None

    def lipschitz(self) -> torch.Tensor:
        raise NotImplementedError


class _Quadratic(_Oracle):
    """``1/2 w'H_S w - c_S'w + const`` with ``hs`` (K, j, j) and ``cs`` (K, j)."""

    def __init__(self, hs: torch.Tensor, cs: torch.Tensor, const: float) -> None:
        self.hs, self.cs, self.const = hs, cs, const
        self.size, self.width = int(cs.shape[0]), int(cs.shape[1])

    def __call__(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hw = torch.bmm(self.hs, w[:, :, None])[:, :, 0]
        value = 0.5 * (w * hw).sum(dim=1) - (self.cs * w).sum(dim=1) + self.const
        return value, hw - self.cs

    def select(self, keep: torch.Tensor) -> _Oracle:
        return _Quadratic(self.hs[keep], self.cs[keep], self.const)

    def polish(self, w: torch.Tensor, lo: float, hi: float) -> torch.Tensor | None:
        """Solve the KKT system with the entries of ``w`` at a bound held there:
        ``H_FF w_F - nu 1 = c_F - H_FB w_B``, ``sum w = 1`` (batched (K, j+1) solve)."""
        k, j = w.shape
        tol = 1e-10
        fixed = (w <= lo + tol) | (w >= hi - tol)
        held = torch.where(w <= lo + tol, torch.full_like(w, lo), torch.full_like(w, hi))
        eye = torch.eye(j, dtype=w.dtype).expand(k, j, j)
        top = torch.where(fixed[:, :, None], eye, self.hs)
        nu_col = torch.where(fixed, torch.zeros_like(w), -torch.ones_like(w))[:, :, None]
        a = torch.cat(
            [
                torch.cat([top, nu_col], dim=2),
                torch.cat(
                    [torch.ones(k, 1, j, dtype=w.dtype), torch.zeros(k, 1, 1, dtype=w.dtype)], dim=2
                ),
            ],
            dim=1,
        )
        rhs = torch.cat([torch.where(fixed, held, self.cs), torch.ones(k, 1, dtype=w.dtype)], 1)
        sol, info = torch.linalg.solve_ex(a, rhs)
        bad = (info != 0) | ~torch.isfinite(sol).all(dim=1)
        return torch.where(bad[:, None], w, sol[:, :j])

    def lipschitz(self) -> torch.Tensor:
        return torch.linalg.eigvalsh(self.hs)[:, -1].clamp_min(1e-300)


class _Kelly(_Oracle):
    """``-mean log(1 + R_S w)`` with ``rs`` (K, T, j)."""

    def __init__(self, rs: torch.Tensor) -> None:
        self.rs = rs
        self.size, self.width = int(rs.shape[0]), int(rs.shape[2])

    def __call__(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g1 = 1.0 + torch.bmm(self.rs, w[:, :, None])[:, :, 0]  # (K, T)
        grad = -torch.bmm(self.rs.transpose(1, 2), (1.0 / g1)[:, :, None])[:, :, 0]
        return -torch.log(g1).mean(dim=1), grad / self.rs.shape[1]

    def select(self, keep: torch.Tensor) -> _Oracle:
        return _Kelly(self.rs[keep])

    def lipschitz(self) -> torch.Tensor:
        """``lambda_max(R_S'R_S / T) / (1 + min(0, min R_S))^2`` bounds the Hessian."""
        second = torch.bmm(self.rs.transpose(1, 2), self.rs) / self.rs.shape[1]
        floor = (1.0 + self.rs.amin(dim=(1, 2)).clamp(max=0.0)).clamp_min(1e-6)
        return torch.linalg.eigvalsh(second)[:, -1] / floor**2


def _oracle(data: object, idx: torch.Tensor) -> _Oracle:
    """The oracle on the supports ``idx`` (K, j): of the quadratic ``(H, c, const)``, or
    of log-wealth when ``data`` is the (T, N) returns tensor."""
    if isinstance(data, torch.Tensor):
        r = data
        if bool((r <= -1).any()):  # type: ignore[operator]
            raise ConfigError("kelly enumeration needs returns above -1")
        return _Kelly(r[:, idx].permute(1, 0, 2).contiguous())  # type: ignore[index]
    h, c, const = data  # type: ignore[misc]
    return _Quadratic(h[idx[:, :, None], idx[:, None, :]], c[idx], const)


def enumerate_cardinality(
    objective: str,
    returns: np.ndarray,
    max_assets: int | None,
    *,
    min_position: float = 0.0,
    max_weight: float = 1.0,
    risk_aversion: float = 10.0,
    benchmark: np.ndarray | None = None,
    rtol: float = 1e-7,
    max_iter: int = 20_000,
    incumbent: float = math.inf,
) -> ExactCardinality:
    """The mixed-integer optimum by enumerating every feasible support (module docstring).

    Parameters
    ----------
    objective : {"min-variance", "mean-variance", "tracking", "kelly"}
    returns : ndarray, shape (T, N)
    max_assets : int or None
    min_position, max_weight : float
    risk_aversion : float
        Mean-variance ``lambda``.
    benchmark : ndarray, shape (T,), optional
        Tracking's benchmark.
    rtol : float
        Relative width of the bracket ``[lower, value]`` to reach.
    incumbent : float
        The value of any feasible portfolio (e.g. the heuristic's), if known: supports
        whose lower bound exceeds it are pruned sooner. It only speeds the search (a
        support that could beat it is never pruned).

    Returns
    -------
    ExactCardinality
    """
    r = np.asarray(returns, dtype=np.float64)
    n = r.shape[1]
    card = Cardinality(max_assets, float(min_position), float(max_weight))
    card.validate(n)
    sizes = card.sizes(n) if min_position > 0 else [max(card.sizes(n))]
    impl = ObjectiveSpec(objective).impl
    form = impl.exact_quadratic(r, risk_aversion, benchmark)
    log_wealth = form is None  # the one enumerated objective that is not quadratic
    if not impl.cardinality_by_enumeration:
        raise ConfigError(f"no cardinality enumeration for {impl.name}")
    if log_wealth:
        data: object = torch.as_tensor(r.copy())
    else:
        h, c, const = form  # type: ignore[misc]
        data = (torch.as_tensor(h), torch.as_tensor(c), const)
    best: tuple[float, float, np.ndarray, tuple[int, ...]] = (math.inf, math.inf, np.empty(0), ())
    lowest, count = math.inf, 0
    for j in sizes:
        combos = itertools.combinations(range(n), j)
        chunk = CHUNK if not log_wealth else max(1, 30_000_000 // (r.shape[0] * j))
        while block := list(itertools.islice(combos, chunk)):
            idx = torch.tensor(block, dtype=torch.long)
            count += len(block)
            oracle = _oracle(data, idx)
            up, low, w = _solve_batch(
                oracle,
                float(min_position),
                float(max_weight),
                min(best[0], incumbent),
                rtol,
                max_iter,
            )
            lowest = min(lowest, float(low.min()))
            i = int(torch.argmin(up))
            if float(up[i]) < best[0]:
                best = (float(up[i]), float(low[i]), w[i].numpy().copy(), tuple(block[i]))
    weights = np.zeros(n)
    weights[list(best[3])] = best[2]
    return ExactCardinality(weights, best[0], lowest, best[3], count, "enumeration")


def exact_cardinality(
    objective: str,
    returns: np.ndarray,
    constraints: Constraints,
    *,
    risk_aversion: float = 10.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    benchmark: np.ndarray | None = None,
    incumbent: float = math.inf,
) -> ExactCardinality:
    """The mixed-integer optimum of ``objective`` under ``constraints`` (with
    ``max_assets``/``min_position``): :func:`milp_cvar` for CVaR, else enumeration.

    Raises
    ------
    ConfigError
        For risk parity (no cardinality version) or a non-combinatorial set.
    """
    impl = ObjectiveSpec(objective).impl
    name = impl.name
    if not constraints.is_combinatorial:
        raise ConfigError("exact_cardinality needs max_assets or min_position")
    constraints.validate(np.asarray(returns).shape[1])
    k, x, hi = constraints.max_assets, float(constraints.min_position), constraints.max_weight
    if impl.cardinality_by_milp:
        return milp_cvar(
            returns, k, min_position=x, max_weight=hi, alpha=alpha, return_weight=return_weight
        )
    if not impl.cardinality_by_enumeration:
        raise ConfigError(f"no cardinality reference for {name}: its log barrier holds every asset")
    return enumerate_cardinality(
        name,
        returns,
        k,
        min_position=x,
        max_weight=hi,
        risk_aversion=risk_aversion,
        benchmark=benchmark,
        incumbent=incumbent,
    )
