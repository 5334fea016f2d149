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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .constraints import Cardinality, Constraints
from .constraints.kernels import project_capped_simplex
from .errors import ConfigError

GradFn = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
#: Supports solved per batch (memory: K j^2 floats, or K T j for Kelly).
CHUNK = 40_000


@dataclass(frozen=True)
class ExactCardinality:
    """The mixed-integer optimum: weights (N,), value, support, and the bracket.

    ``lower <= f* <= value``; ``value - lower`` is the reference's own precision.
    """

    weights: np.ndarray
    value: float
    lower: float
    support: tuple[int, ...]
    n_supports: int
    method: str


def _quadratic(objective: str, returns: np.ndarray, risk_aversion: float, benchmark):  # noqa: ANN001, ANN202
    """``f(w) = 1/2 w'Hw - c'w + const``: (H (N, N), c (N,), const)."""
    r = np.asarray(returns, dtype=np.float64)
    t_len = r.shape[0]
    mu = r.mean(axis=0)
    cov = (r - mu).T @ (r - mu) / t_len
    if objective == "min-variance":
        return 2.0 * cov, np.zeros_like(mu), 0.0
    if objective == "mean-variance":
        return risk_aversion * cov, mu, 0.0
    if objective == "tracking":
        b = np.asarray(benchmark, dtype=np.float64)
        return 2.0 * r.T @ r / t_len, 2.0 * r.T @ b / t_len, float(np.mean(b * b))
    raise ConfigError(f"no quadratic form for {objective}")


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
    value_grad: GradFn,
    lipschitz: torch.Tensor,
    k: int,
    j: int,
    lo: float,
    hi: float,
    incumbent: float,
    rtol: float,
    max_iter: int,
):  # noqa: ANN202
    """FISTA with restarts on K supports at once, pruning by the lower bounds.

    Returns (upper (K,), lower (K,), weights (K, j)); pruned rows keep their last bounds.
    """
    w = project_capped_simplex(torch.full((k, j), 1.0 / j, dtype=torch.float64), lo=lo, hi=hi)
    y, w_prev, theta = w.clone(), w.clone(), torch.ones(k, dtype=torch.float64)
    upper = torch.full((k,), math.inf, dtype=torch.float64)
    lower = torch.full((k,), -math.inf, dtype=torch.float64)
    live = torch.ones(k, dtype=torch.bool)
    step = (1.0 / lipschitz)[:, None]
    for it in range(1, max_iter + 1):
        rows = live.nonzero().squeeze(1)
        _, gy = value_grad(y[rows], rows)
        w_new = project_capped_simplex(y[rows] - step[rows] * gy, lo=lo, hi=hi)
        restart = (gy * (w_new - w[rows])).sum(dim=1) > 0  # gradient restart
        th = torch.where(restart, torch.ones_like(theta[rows]), theta[rows])
        th_new = 0.5 * (1.0 + torch.sqrt(1.0 + 4.0 * th * th))
        w_prev[rows], w[rows] = w[rows], w_new
        y[rows] = w_new + ((th - 1.0) / th_new)[:, None] * (w_new - w_prev[rows])
        theta[rows] = th_new
        if it % 50 and it != max_iter:
            continue
        f, g = value_grad(w[rows], rows)
        upper[rows] = f
        lower[rows] = torch.maximum(lower[rows], _fw_lower(g, w[rows], f, lo, hi))
        best = min(float(upper.min()), incumbent)
        live &= lower <= best + rtol * abs(best)
        live &= (upper - lower) > rtol * abs(best)
        if not bool(live.any()):
            break
    return upper, lower, w


def _quadratic_oracle(h: torch.Tensor, c: torch.Tensor, const: float, idx: torch.Tensor):  # noqa: ANN202
    """(value_grad, lipschitz (K,)) of ``1/2 w'H_S w - c_S'w + const`` on supports ``idx``."""
    hs = h[idx[:, :, None], idx[:, None, :]]
    cs = c[idx]

    def value_grad(w: torch.Tensor, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hw = torch.bmm(hs[rows], w[:, :, None])[:, :, 0]
        g = hw - cs[rows]
        return 0.5 * (w * hw).sum(dim=1) - (cs[rows] * w).sum(dim=1) + const, g

    return value_grad, torch.linalg.eigvalsh(hs)[:, -1].clamp_min(1e-300)


def _kelly_oracle(r: torch.Tensor, idx: torch.Tensor):  # noqa: ANN202
    """(value_grad, lipschitz (K,)) of ``-mean log(1 + R_S w)`` on supports ``idx``."""
    rs = r[:, idx].permute(1, 0, 2).contiguous()  # (K, T, j)
    t_len = r.shape[0]
    second = torch.bmm(rs.transpose(1, 2), rs) / t_len
    floor = (1.0 + rs.amin(dim=(1, 2)).clamp(max=0.0)).clamp_min(1e-6)
    if bool((floor <= 1e-6).any()):
        raise ConfigError("kelly enumeration needs returns above -1")

    def value_grad(w: torch.Tensor, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g1 = 1.0 + torch.bmm(rs[rows], w[:, :, None])[:, :, 0]  # (K', T)
        grad = -torch.bmm(rs[rows].transpose(1, 2), (1.0 / g1)[:, :, None])[:, :, 0] / t_len
        return -torch.log(g1).mean(dim=1), grad

    return value_grad, torch.linalg.eigvalsh(second)[:, -1] / floor**2


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

    Returns
    -------
    ExactCardinality
    """
    r = np.asarray(returns, dtype=np.float64)
    n = r.shape[1]
    card = Cardinality(max_assets, float(min_position), float(max_weight))
    card.validate(n)
    sizes = card.sizes(n) if min_position > 0 else [max(card.sizes(n))]
    if objective == "kelly":
        data = torch.as_tensor(r.copy())
    else:
        h, c, const = (torch.as_tensor(a) if isinstance(a, np.ndarray) else a
                       for a in _quadratic(objective, r, risk_aversion, benchmark))  # fmt: skip
    best: tuple[float, float, np.ndarray, tuple[int, ...]] = (math.inf, math.inf, np.empty(0), ())
    lowest, count = math.inf, 0
    for j in sizes:
        combos = itertools.combinations(range(n), j)
        chunk = CHUNK if objective != "kelly" else max(1, 30_000_000 // (r.shape[0] * j))
        while block := list(itertools.islice(combos, chunk)):
            idx = torch.tensor(block, dtype=torch.long)
            count += len(block)
            if objective == "kelly":
                vg, lip = _kelly_oracle(data, idx)
            else:
                vg, lip = _quadratic_oracle(h, c, const, idx)
            up, low, w = _solve_batch(
                vg, lip, len(block), j, float(min_position), float(max_weight),
                best[0], rtol, max_iter,
            )  # fmt: skip
            lowest = min(lowest, float(low.min()))
            i = int(torch.argmin(up))
            if float(up[i]) < best[0]:
                best = (float(up[i]), float(low[i]), w[i].numpy().copy(), tuple(block[i]))
    weights = np.zeros(n)
    weights[list(best[3])] = best[2]
    return ExactCardinality(weights, best[0], lowest, best[3], count, "enumeration")


def milp_cvar(
    returns: np.ndarray,
    max_assets: int | None,
    *,
    min_position: float = 0.0,
    max_weight: float = 1.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    time_limit: float | None = None,
) -> ExactCardinality:
    """The mixed-integer CVaR optimum by scipy's ``milp`` (HiGHS).

    Variables ``(w (N), z (N) binary, t, u (T))``; minimise
    ``-lam_r mu.w + t + sum(u) / ((1 - alpha) T)`` subject to ``u_s >= -r_s.w - t``,
    ``u >= 0``, ``sum w = 1``, ``x z <= w <= hi z`` and ``sum z <= k``.

    Raises
    ------
    PortfolioSGDError
        If HiGHS does not prove optimality (e.g. the time limit is hit).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, hstack, identity
    from scipy.sparse import vstack as svstack

    from .errors import PortfolioSGDError

    r = np.asarray(returns, dtype=np.float64)
    t_len, n = r.shape
    card = Cardinality(max_assets, float(min_position), float(max_weight))
    card.validate(n)
    k = n if max_assets is None else min(int(max_assets), n)
    cost = np.concatenate(
        [
            -return_weight * r.mean(axis=0),
            np.zeros(n),
            [1.0],
            np.full(t_len, 1.0 / ((1 - alpha) * t_len)),
        ]
    )
    zeros_tn = csr_matrix((t_len, n))
    scen = hstack(
        [csr_matrix(r), zeros_tn, np.ones((t_len, 1)), identity(t_len)]
    )  # r.w + t + u >= 0
    eye = identity(n)
    link_hi = hstack([eye, -max_weight * eye, csr_matrix((n, 1 + t_len))])  # w - hi z <= 0
    link_lo = hstack([eye, -min_position * eye, csr_matrix((n, 1 + t_len))])  # w - x z >= 0
    budget = csr_matrix(np.concatenate([np.ones(n), np.zeros(n + 1 + t_len)])[None, :])
    count = csr_matrix(np.concatenate([np.zeros(n), np.ones(n), np.zeros(1 + t_len)])[None, :])
    a = svstack([scen, link_hi, link_lo, budget, count]).tocsr()
    lb = np.concatenate([np.zeros(t_len), np.full(n, -np.inf), np.zeros(n), [1.0], [-np.inf]])
    ub = np.concatenate([np.full(t_len, np.inf), np.zeros(n), np.full(n, np.inf), [1.0], [k]])
    lower = np.concatenate([np.zeros(2 * n), [-np.inf], np.zeros(t_len)])
    upper = np.concatenate([np.full(n, max_weight), np.ones(n), [np.inf], np.full(t_len, np.inf)])
    integrality = np.concatenate([np.zeros(n), np.ones(n), np.zeros(1 + t_len)])
    options = {"time_limit": time_limit} if time_limit else {}
    res = milp(cost, constraints=LinearConstraint(a, lb, ub), integrality=integrality,
               bounds=Bounds(lower, upper), options=options)  # fmt: skip
    if res.status != 0 or res.x is None:
        raise PortfolioSGDError(f"cvar milp not solved to optimality: {res.message}")
    w = np.where(res.x[:n] > 1e-9, res.x[:n], 0.0)
    support = tuple(int(i) for i in np.flatnonzero(w))
    bound = float(getattr(res, "mip_dual_bound", res.fun))
    return ExactCardinality(w, float(res.fun), bound, support, 0, "milp (HiGHS)")


def exact_cardinality(
    objective: str,
    returns: np.ndarray,
    constraints: Constraints,
    *,
    risk_aversion: float = 10.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    benchmark: np.ndarray | None = None,
) -> ExactCardinality:
    """The mixed-integer optimum of ``objective`` under ``constraints`` (with
    ``max_assets``/``min_position``): :func:`milp_cvar` for CVaR, else enumeration.

    Raises
    ------
    ConfigError
        For risk parity (no cardinality version) or a non-combinatorial set.
    """
    name = str(getattr(objective, "value", objective))
    if name in ("mean-cvar", "min-cvar"):
        name = "cvar"
    if not constraints.is_combinatorial:
        raise ConfigError("exact_cardinality needs max_assets or min_position")
    constraints.validate(np.asarray(returns).shape[1])
    k, x, hi = constraints.max_assets, float(constraints.min_position), constraints.max_weight
    if name == "cvar":
        return milp_cvar(returns, k, min_position=x, max_weight=hi, alpha=alpha,
                         return_weight=return_weight)  # fmt: skip
    if name not in ("min-variance", "mean-variance", "tracking", "kelly"):
        raise ConfigError(f"no cardinality reference for {name}: its log barrier holds every asset")
    return enumerate_cardinality(name, returns, k, min_position=x, max_weight=hi,
                                 risk_aversion=risk_aversion, benchmark=benchmark)  # fmt: skip
