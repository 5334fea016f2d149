"""Exact finish of the variance-type objectives: the QP on the N x N moment matrix.

Min-variance and mean-variance are ``f(w) = 1/2 w'Hw + g'w (+ const)`` with ``H`` a
multiple of the population covariance ``Sigma`` (``2 Sigma``; ``lam Sigma`` with
``g = -mu``). Once ``Sigma`` is formed (one ``T N^2`` product), the problem no longer
depends on the number of scenarios: this module solves it exactly over the feasible set's
polytope by the primal active-set method of :mod:`.qp_active_set`, and verifies the answer
by its KKT conditions.

The feasible set comes from ``Constraints.linear_oracle`` (see
:mod:`portfolio_sgd.constraints.oracle`): budget, per-asset bounds and the linear (group)
rows; with trading terms (:class:`~portfolio_sgd.constraints.trading.TradingSet`) the
weights are split as ``w = p + u - v`` with ``u, v >= 0`` boxed so that every ``w`` stays in
its interval, the L1 costs ``c (u + v)`` join the linear term and the turnover limit is the
row ``sum(u + v) <= 2 delta``. A gross-leverage cap and market impact (not quadratic) have
no finish here (None: the caller keeps the loop's weights).

The active set starts at a vertex: the LP (HiGHS dual simplex) that minimises the
linearisation of ``f`` at the loop's weights, so few variables are free at first and the
iterations add the optimum's support one asset at a time.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.optimize import linprog

try:  # optional: BLAS thread limits for the small dense solves
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - optional
    ThreadpoolController = None

from ..chunks import SMALL_DATA_ELEMENTS
from .qp_active_set import FEAS_TOL, DenseQP, QPSolution, solve_active_set
from .qp_guess import kkt_guess, split_guess
from .qp_warm import current_warm_start, solve_warm

__all__ = [
    "QPFinishRow",
    "applies",
    "covariance_of",
    "moment_matrix",
    "polish_quadratic",
    "solve_qp_path",
    "weight_polytope",
    "working_pattern",
]


@dataclass(frozen=True)
class QPFinishRow:
    """One run's finish: whether it is a verified optimum, and its cost."""

    exact: bool
    status: str
    iterations: int
    free: int
    residual: float
    seconds: float
    work: float
    kind: str = "QP"

    # the fields the polish summary reads (the CVaR rows' names)
    @property
    def rounds(self) -> int:
        return self.iterations

    @property
    def window_rows(self) -> int:
        return self.free


def applies(feasible: Any) -> bool:
    """Whether the finish can run on ``feasible`` (no leverage cap, no market impact,
    finite bounds)."""
    return _lifted_set(feasible) is not None


def polish_quadratic(
    model: Any,
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    feasible: Any,
    per_run: torch.Tensor,
) -> tuple[torch.Tensor, list[QPFinishRow]] | None:
    """The exact QP finish of K runs.

    Parameters
    ----------
    model : callable
        ``model(sigma, mu, param) -> (H, g)``: the objective's quadratic model for one run.
    returns : Tensor, shape (T, N)
    mean : Tensor, shape (N,)
    weights : Tensor, shape (K, N)
        The loop's weights (the LP vertex linearises ``f`` there).
    feasible : FeasibleSet or TradingSet
    per_run : Tensor, shape (K,)
        Each run's parameter (risk aversion).

    Returns
    -------
    (weights (K, N) float64, rows) or None where the set has no finish here.
    """
    began = time.perf_counter()
    lifted = _lifted_set(feasible)
    if lifted is None:
        return None
    sigma, mu_np = moment_matrix(returns, mean)
    prep = time.perf_counter() - began
    out, rows = [], []
    w_np = weights.detach().to("cpu", torch.float64).numpy()
    with _blas_threads(True):  # small dense matrices: threads only add barriers
        for k in range(w_np.shape[0]):
            start = time.perf_counter()
            h, g = model(sigma, mu_np, float(per_run[k]))
            qp = lifted.qp(h, g)
            sol = _solve(qp, lifted, h @ w_np[k] + g, w_np.shape[0], feasible)
            seconds = time.perf_counter() - start + (prep if k == 0 else 0.0)
            rows.append(_row(sol, seconds))
            out.append(lifted.weights(sol.x) if sol is not None else w_np[k])
    w = torch.from_numpy(np.stack(out)).to(weights.device)
    return w, rows


def _solve(
    qp: DenseQP, lifted: _Lifted, grad_w: np.ndarray, n_runs: int, feasible: Any
) -> QPSolution | None:
    """The active set from the cold LP vertex, or from the held warm start's previous answer
    (:mod:`.qp_warm`; single runs only), which then records this answer."""
    held = current_warm_start() if n_runs == 1 else None
    if held is None:
        x0 = _start_vertex(qp, grad_w, lifted, feasible)
        return None if x0 is None else solve_active_set(qp, x0)
    start = None if held.weights is None else lifted.point(held.weights)
    sol, warm = solve_warm(qp, start, lambda: _start_vertex(qp, grad_w, lifted, feasible))
    held.warm, held.cold = held.warm + int(warm), held.cold + int(not warm)
    held.weights = None if sol is None else lifted.weights(sol.x)
    return sol


@contextlib.contextmanager
def _blas_threads(single: bool) -> Iterator[None]:
    """numpy's BLAS on one thread while ``single`` (threadpoolctl, where installed).

    The active set works on matrices of the size of the support; on a busy machine BLAS
    threads spinning at barriers made such a finish 6x slower (0.51 s against 0.08 s for
    sp500 min-variance at load 6.5 on 2 cores).
    """
    controller = _thread_controller() if single and not _HELD else None
    if controller is None:
        yield
        return
    _HELD.append(True)
    try:
        with controller.limit(limits=1, user_api="blas"):
            yield
    finally:
        _HELD.pop()


_HELD: list[bool] = []
"""Non-empty while a one-thread limit is held (nested limits are then free)."""


def single_blas_thread() -> contextlib.AbstractContextManager[None]:
    """numpy's BLAS on one thread for a block of many small solves (a path of QPs):
    the limit is set once, and the solves inside it do not set it again."""
    return _blas_threads(True)


@functools.lru_cache(maxsize=1)
def _thread_controller() -> Any:
    """threadpoolctl's controller, made once (it scans the loaded libraries), or None."""
    if ThreadpoolController is None:  # pragma: no cover - optional
        return None
    return ThreadpoolController()


def moment_matrix(returns: torch.Tensor, mean: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Population covariance (N, N) and mean (N,) in float64 numpy (one ``T N^2`` product,
    on one BLAS thread for small data: threads spinning at barriers cost more there)."""
    r64 = returns.detach().to(torch.float64)
    mu = mean.detach().to(torch.float64)
    if r64.device.type == "cpu":
        centred = r64.numpy() - mu.numpy()
        with _blas_threads(centred.size < SMALL_DATA_ELEMENTS):
            sigma = centred.T @ centred / centred.shape[0]
    else:
        centred_t = r64 - mu
        sigma = (centred_t.T @ centred_t / r64.shape[0]).cpu().numpy()
    return 0.5 * (sigma + sigma.T), mu.cpu().numpy()


def _row(sol: QPSolution | None, seconds: float) -> QPFinishRow:
    if sol is None:
        return QPFinishRow(False, "no vertex (LP failed)", 0, 0, float("nan"), seconds, 0.0)
    return QPFinishRow(
        sol.exact, sol.status, sol.iterations, sol.free, sol.residual, seconds, sol.work
    )


@dataclass(frozen=True)
class _Lifted:
    """``w = base + D x`` over a polytope in ``x``; the QP of ``(H, g)`` in ``x``."""

    base: np.ndarray
    lift: np.ndarray  # D (N, n)
    x_cost: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def qp(self, h: np.ndarray, g: np.ndarray) -> DenseQP:
        """The QP in ``x``: ``P = D'HD``, ``q = D'(H base + g) + x_cost``."""
        n = h.shape[0]
        if self.lift.shape[1] == n:  # w = x
            p, q = h, g + self.x_cost
        else:  # w = base + u - v: D'HD = [[H, -H], [-H, H]]
            p = np.block([[h, -h], [-h, h]])
            lin = h @ self.base + g
            q = np.concatenate([lin, -lin]) + self.x_cost
        return DenseQP(p, q, self.a_eq, self.b_eq, self.a_ub, self.b_ub, self.lower, self.upper)

    @property
    def plain(self) -> bool:
        """The QP variable is the weights (``D`` the identity)."""
        return self.lift.shape[0] == self.lift.shape[1]

    def weights(self, x: np.ndarray) -> np.ndarray:
        return self.base + self.lift @ x

    def point(self, w: np.ndarray) -> np.ndarray | None:
        """The QP variable ``x`` of the weights ``w`` (N,) (the split ``u = (w - base)+``,
        ``v = (base - w)+`` under trading terms); None for weights of another size."""
        if w.shape != self.base.shape:
            return None
        if self.lift.shape[1] == w.shape[0]:
            return np.asarray(w, dtype=np.float64).copy()
        return np.concatenate([np.maximum(w - self.base, 0.0), np.maximum(self.base - w, 0.0)])


def _mandate_set(base_set: Any) -> _Lifted:
    """A set with per-asset bounds or a budget other than 1 (a range, a leverage cap
    lifted as ``w = u - v``), in the variable of the QP: its polytope."""
    poly = base_set.polytope()
    n, n_x = poly.lift.shape
    a_ub, b_ub = _normalised(poly.a_ub, poly.b_ub)
    zeros = np.zeros(n)
    eq, lower, upper = (poly.a_eq, poly.b_eq), poly.lower, poly.upper
    return _Lifted(zeros, poly.lift, np.zeros(n_x), *eq, a_ub, b_ub, lower, upper)


def _lifted_set(feasible: Any) -> _Lifted | None:
    """The feasible set in the variable of the QP, or None (a leverage cap on the classic
    set, market impact)."""
    base_set = getattr(feasible, "base", feasible)
    classic = getattr(base_set, "uniform", True) and getattr(base_set, "budget", 1.0) == 1.0
    if not classic and getattr(feasible, "terms", None) is None:
        return _mandate_set(base_set)
    if getattr(base_set, "cap", None) is not None:
        return None
    n = int(base_set.n_assets)
    a_ub = _rows_or_empty(base_set.a_ub, n)
    b_ub = np.asarray(base_set.b_ub, dtype=np.float64) if base_set.a_ub is not None else np.zeros(0)
    a_eq = np.vstack([np.ones((1, n)), _rows_or_empty(base_set.a_eq, n)])
    b_eq = np.concatenate(
        [[1.0], np.asarray(base_set.b_eq, dtype=np.float64) if base_set.a_eq is not None else []]
    )
    terms = getattr(feasible, "terms", None)
    if terms is None:
        lo = np.full(n, float(base_set.lo))
        hi = np.full(n, float(base_set.hi))
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            return None
        a_ub, b_ub = _normalised(a_ub, b_ub)
        return _Lifted(np.zeros(n), np.eye(n), np.zeros(n), a_eq, b_eq, a_ub, b_ub, lo, hi)
    if np.any(terms.impact):
        return None
    p = np.asarray(terms.previous, dtype=np.float64)
    lo, hi = np.asarray(terms.lo, dtype=np.float64), np.asarray(terms.hi, dtype=np.float64)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    d = np.hstack([np.eye(n), -np.eye(n)])  # w = p + u - v
    lower = np.concatenate([np.maximum(lo - p, 0.0), np.maximum(p - hi, 0.0)])
    upper = np.concatenate([np.maximum(hi - p, 0.0), np.maximum(p - lo, 0.0)])
    cost = np.concatenate([terms.costs, terms.costs]).astype(np.float64)
    l_eq, l_ub = a_eq @ d, a_ub @ d
    r_eq, r_ub = b_eq - a_eq @ p, b_ub - a_ub @ p
    if terms.max_turnover is not None:
        l_ub = np.vstack([l_ub, np.ones((1, 2 * n))])
        r_ub = np.concatenate([r_ub, [2.0 * float(terms.max_turnover)]])
    return _Lifted(p, d, cost, l_eq, r_eq, *_normalised(l_ub, r_ub), lower, upper)


def _normalised(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inequality rows of unit norm (their multipliers are then comparable)."""
    norms = np.linalg.norm(a, axis=1) if a.shape[0] else np.zeros(0)
    norms = np.where(norms > 0, norms, 1.0)
    return a / norms[:, None], b / norms


def _rows_or_empty(a: Any, n: int) -> np.ndarray:
    if a is None:
        return np.zeros((0, n))
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(-1, n)


def _start_vertex(
    qp: DenseQP, grad_w: np.ndarray, lifted: _Lifted, feasible: Any
) -> np.ndarray | None:
    """The cold start: on a set whose QP variable is the weights, the KKT guess
    (:mod:`.qp_guess`: a feasible point near the optimum), under trading terms its split
    form (:func:`.qp_guess.split_guess`); where the trading set minimises
    linear functions in closed form
    (a turnover cap, ``TradingSet.exchange_form``), its minimiser of the linearisation,
    lifted (the same vertex as the LP's, without an LP); otherwise :func:`_vertex`."""
    guess = None
    if lifted.plain:
        guess = kkt_guess(qp)
    elif getattr(feasible, "terms", None) is not None:  # trading terms: w = p + u - v
        guess = split_guess(qp)
    if guess is not None:
        return guess
    closed = getattr(feasible, "exchange_form", None)
    if closed is not None and closed():
        s = feasible.minimize(torch.from_numpy(grad_w)[None, :])[0].cpu().numpy()
        x = lifted.point(s)
        if x is not None and qp.violation(x) <= FEAS_TOL:
            return x
    return _vertex(qp, grad_w, lifted)


def _vertex(qp: DenseQP, grad_w: np.ndarray, lifted: _Lifted) -> np.ndarray | None:
    """A vertex minimising the linearisation of ``f`` (HiGHS dual simplex), or None.

    Over the box and the budget alone (no other row) the vertex is the greedy fill of the
    sorted costs: the cheapest assets up to their upper bound.
    """
    cost = lifted.lift.T @ grad_w + lifted.x_cost
    if qp.a_ub.shape[0] == 0 and qp.a_eq.shape[0] == 1 and np.all(qp.a_eq == 1.0):
        order = np.argsort(cost, kind="stable")
        x = qp.lower.copy()
        left = float(qp.b_eq[0]) - float(x.sum())
        for i in order:
            take = min(qp.upper[i] - x[i], max(left, 0.0))
            x[i] += take
            left -= take
            if left <= 0:
                break
        return x if abs(left) <= 1e-12 else None
    res = linprog(
        cost,
        A_ub=qp.a_ub if qp.a_ub.shape[0] else None,
        b_ub=qp.b_ub if qp.a_ub.shape[0] else None,
        A_eq=qp.a_eq if qp.a_eq.shape[0] else None,
        b_eq=qp.b_eq if qp.a_eq.shape[0] else None,
        bounds=np.column_stack([qp.lower, qp.upper]),
        method="highs-ds",
    )
    return res.x if res.status == 0 else None


def solve_qp_path(
    problems: Iterable[tuple[np.ndarray, np.ndarray]],
    feasible: Any,
    start: np.ndarray,
    warm: np.ndarray | None = None,
    guess_first: bool = False,
) -> tuple[np.ndarray, list[QPFinishRow]] | None:
    """Exact QPs along a parameter, each warm-started at the previous answer.

    The first QP starts at the vertex minimising its linearisation at ``start``; each
    next one starts at the previous verified answer (its variables at a bound, its
    tight rows), so along a path whose optimum moves little (a frontier, a multiplier
    search) the active set changes by a few variables and a QP costs a few iterations.

    Parameters
    ----------
    problems : iterable of (H (N, N), g (N,))
        ``f = 1/2 w'Hw + g'w`` of each point, in order along the path.
    feasible : FeasibleSet or TradingSet
    start : ndarray, shape (N,)
        The linearisation point of the first QP's starting vertex.
    warm : ndarray, shape (N,), optional
        A feasible point of a set without trading terms (its variable is the weights):
        the first QP starts there instead (a neighbouring point's answer).
    guess_first : bool, default False
        Each QP starts at the lower objective of its KKT guess and its warm start (a
        guess near the optimum beats a neighbour whose working set differs much).

    Returns
    -------
    (weights (K, N) float64, rows) or None where the set has no finish here.
    """
    lifted = _lifted_set(feasible)
    if lifted is None:
        return None
    out, rows = [], []
    plain = lifted.lift.shape[0] == lifted.lift.shape[1]
    x = np.asarray(warm, dtype=np.float64) if warm is not None and plain else None
    with _blas_threads(True):
        for h, g in problems:
            began = time.perf_counter()
            qp = lifted.qp(h, g)
            x0 = x if x is not None else (kkt_guess(qp) if plain else None)
            if guess_first and plain and x is not None:
                x0 = _lower(qp, x, kkt_guess(qp))
            x0 = x0 if x0 is not None else _vertex(qp, h @ start + g, lifted)
            sol = None if x0 is None else solve_active_set(qp, x0)
            rows.append(_row(sol, time.perf_counter() - began))
            if sol is not None and sol.exact:
                x = sol.x
            out.append(lifted.weights(sol.x) if sol is not None else np.full(h.shape[0], np.nan))
    return np.stack(out), rows


def _lower(qp: DenseQP, warm: np.ndarray, guess: np.ndarray | None) -> np.ndarray:
    """The start (n,) of lower objective: ``warm`` or the KKT ``guess`` where there is one."""
    if guess is None:
        return warm
    f = [0.5 * float(x @ qp.p @ x) + float(qp.q @ x) for x in (warm, guess)]
    return guess if f[1] < f[0] else warm


def covariance_of(returns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population covariance (N, N) and mean (N,) of ``returns`` (T, N) in float64 (one
    ``T N^2`` product, as the finish forms it)."""
    r = np.asarray(returns, dtype=np.float64)
    mu = r.mean(axis=0)
    centred = r - mu
    small = r.shape[0] * r.shape[1] < SMALL_DATA_ELEMENTS
    with _blas_threads(small):
        sigma = centred.T @ centred / r.shape[0]
    return 0.5 * (sigma + sigma.T), mu


def working_pattern(feasible: Any, w: np.ndarray) -> bytes | None:
    """The working set at weights ``w`` (N,): which variables sit at which bound and
    which inequality rows are tight (within the KKT check's ``FEAS_TOL``), as bytes to
    compare; None for a set whose QP variable is not the weights (trading terms).

    Two optima of a parametric QP with the same working set lie on one critical line:
    every point between them, in the parameter, is their affine interpolation.
    """
    lifted = _lifted_set(feasible)
    if lifted is None or lifted.lift.shape[0] != lifted.lift.shape[1]:
        return None
    tol = 1e-9
    low = np.abs(w - lifted.lower) <= tol
    high = np.abs(w - lifted.upper) <= tol
    tight = lifted.b_ub - lifted.a_ub @ w <= tol if lifted.a_ub.shape[0] else np.zeros(0, bool)
    return np.concatenate([low, high, tight]).tobytes()


def weight_polytope(feasible: Any) -> DenseQP | None:
    """The feasible set's rows and bounds in the weights (a :class:`DenseQP` with zero
    ``P``, ``q``), for LPs over the weights; None for a set whose QP variable is not the
    weights (trading terms) or that has no polytope form (leverage cap)."""
    lifted = _lifted_set(feasible)
    if lifted is None or lifted.lift.shape[0] != lifted.lift.shape[1]:
        return None
    n = lifted.lower.shape[0]
    return lifted.qp(np.zeros((n, n)), np.zeros(n))
