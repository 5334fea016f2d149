"""CVaR's exact finish in a sharded run: the tail LP on rows gathered from the ranks.

Mean-CVaR is ``f(w, t) = -lam_r mu.w + t + (1/m) sum_i (L_i - t)_+`` with
``m = (1 - alpha) T``. Dropping the terms of any rows gives ``f_S <= f`` everywhere, so
the optimum of ``f_S`` over the rows ``S`` is a lower bound on the optimum of ``f``.
Rank 0 holds ``S``: the rows with the largest losses over all ranks at the engine's
weights (``m`` and a margin, found by the distributed selection of :mod:`.selection`).
It solves ``min f_S`` with the single-process kernel (the objective's ``engine_polish``, :mod:`portfolio_sgd.measures.kernels.cvar_polish`; its
``m`` is T's through the level ``alpha_S = 1 - m / |S|``) and broadcasts the weights
``w`` and the VaR ``t_S`` of ``S`` at ``w`` (the ``ceil(m)``-th largest loss, a minimiser
of ``f_S(w, .)``). Every rank counts its rows outside ``S`` with a loss above
``t_S`` (beyond the kernel's tie tolerance); the counts are all-reduced. With none,
``f(w, t_S) = f_S(w, t_S) = min f_S <= min f``: ``w`` is an exact optimum of the whole
problem. Otherwise the offending rows join ``S`` and the LP is solved again from ``w``.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import torch

from ..measures.kernels.cvar_polish import TIE_TOL, PolishOptions
from .adopt import adopt_finished
from .context import DistContext
from .problem import ShardedProblem
from .selection import kth_smallest

CHUNK_ROWS = 262_144
"""Rows per block of the float64 loss pass over a shard."""


@dataclasses.dataclass(frozen=True)
class TailOutcome:
    """One run's sharded tail finish.

    Attributes
    ----------
    weights : Tensor, float64, shape (N,)
    status : str
        The kernel's status on the last gathered set ("exact" only when, in addition,
        no rank holds a row above the VaR outside the set).
    gathers : int
        Times rows were gathered to rank 0.
    rows : int
        Rows gathered in all.
    seconds : float
    gathered : ndarray, float64, shape (S, N)
        The gathered rows (on rank 0; none elsewhere): a lower bound's data.
    """

    weights: torch.Tensor
    status: str
    gathers: int
    rows: int
    seconds: float
    gathered: np.ndarray

    @property
    def exact(self) -> bool:
        """Whether the weights are the verified optimum of the whole problem."""
        return self.status == "exact"


def finish_tail(
    problem: ShardedProblem,
    weights: torch.Tensor,
    objective: torch.Tensor,
    lam: torch.Tensor | None = None,
    options: PolishOptions | None = None,
) -> tuple[torch.Tensor, torch.Tensor, str, list[bool], list[np.ndarray]]:
    """Every run's exact finish: ``(weights (K, N), objective (K,), summary, polished (K,),
    gathered rows)`` (each run's rows on rank 0, (S_k, N); none elsewhere).

    ``weights`` (K, N) and their exact ``objective`` (K,) are the engine's; ``lam`` (K,)
    the per-run ``lam_r`` (default: the spec's). A run takes the finished weights when
    they are verified exact, or when they lower its exact full-data objective (as the
    single-process finish does).
    """
    opts = options or PolishOptions()
    spec = problem.spec
    per_run = (
        lam
        if lam is not None
        else torch.full((len(weights),), float(getattr(spec, spec.impl.per_run_parameter)))
    )
    outcomes = [
        finish_one(problem, weights[k], float(per_run[k]), opts) for k in range(len(weights))
    ]
    polished = [o.exact for o in outcomes]
    finished = torch.stack([o.weights for o in outcomes])
    weights, objective = adopt_finished(problem, weights, objective, finished, polished, lam)
    return weights, objective, _summary(outcomes), polished, [o.gathered for o in outcomes]


def finish_one(
    problem: ShardedProblem, w0: torch.Tensor, lam_r: float, opts: PolishOptions
) -> TailOutcome:
    """One run's finish from ``w0`` (N,): gather, solve on rank 0, verify on every rank."""
    began = time.perf_counter()
    ctx, local = problem.ctx, problem.returns
    m = (1.0 - problem.spec.alpha) * problem.n_rows
    quota = math.ceil(m) + 2 * max(opts.half_width, 2 * problem.n_assets + 16)
    sent = torch.zeros(problem.local_rows, dtype=torch.bool, device=local.device)
    losses = _losses(local, w0)
    gathered = _gather(ctx, local, _first(problem, losses, quota), sent)
    w, status, gathers = w0.to(torch.float64), "inexact (no LP solved)", 0
    while gathers < opts.max_rounds:
        gathers += 1
        solved = _solve(problem, gathered, w, lam_r, m, opts) if ctx.is_main else None
        w, t, status = ctx.broadcast_object(solved)  # type: ignore[misc]
        if status != "exact":
            break
        losses = _losses(local, w)
        wrong = ~sent & (losses > t + TIE_TOL * _scale(gathered, ctx))
        count = ctx.all_reduce(wrong.sum().to(torch.float64).reshape(1))
        if float(count[0]) == 0:
            break
        status = f"inexact ({opts.max_rounds} gathers)"
        more = _gather(ctx, local, _top(losses, wrong, quota), sent)
        gathered = np.vstack([gathered, more]) if ctx.is_main else gathered
    rows = int(ctx.all_reduce(sent.sum().to(torch.float64).reshape(1))[0])
    return TailOutcome(w, status, gathers, rows, time.perf_counter() - began, gathered)


def _solve(
    problem: ShardedProblem,
    rows: np.ndarray,
    w: torch.Tensor,
    lam_r: float,
    m: float,
    opts: PolishOptions,
) -> tuple[torch.Tensor, float, str]:
    """Rank 0: ``(w, t_S, status)`` of ``min f_S`` over the gathered ``rows`` (S, N)."""
    spec = problem.spec
    if rows.shape[0] < problem.n_rows:  # the kernel's m is (1 - alpha) |S|
        spec = dataclasses.replace(spec, alpha=1.0 - m / rows.shape[0])
    feasible = problem.constraints.linear_oracle(problem.n_assets)
    returns = torch.from_numpy(rows)
    out, report = spec.impl.engine_polish(
        returns,
        problem.mean.to("cpu", torch.float64),
        w.to("cpu", torch.float64)[None, :],
        feasible,
        torch.tensor([lam_r], dtype=torch.float64),
        opts,
    )
    w_new = out[0]
    var = torch.topk(-(returns @ w_new), min(math.ceil(m), rows.shape[0])).values[-1]
    return w_new, float(var), str(report[0].status)


def _losses(local: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """This rank's losses ``-R w`` (T_r,) in float64."""
    w64 = w.to(local.device, torch.float64)
    parts = [
        -(local[s : s + CHUNK_ROWS].to(torch.float64) @ w64)
        for s in range(0, local.shape[0], CHUNK_ROWS)
    ]
    return torch.cat(parts) if parts else w64.new_zeros(0)


def _top(losses: torch.Tensor, eligible: torch.Tensor, quota: int) -> torch.Tensor:
    """Indices of at most ``quota`` eligible rows with the largest losses."""
    idx = eligible.nonzero().squeeze(1)
    k = min(quota, idx.numel())
    return idx[torch.topk(losses.index_select(0, idx), k).indices] if k else idx


def _first(problem: ShardedProblem, losses: torch.Tensor, quota: int) -> torch.Tensor:
    """This rank's rows among the ``quota`` largest losses over all ranks (ties: at most
    ``quota`` a rank): the first gathered set holds about ``quota`` rows, not ``P quota``."""
    total = problem.n_rows
    k = min(quota, total)
    level = -kth_smallest(-losses[None, :], k, total, problem.ctx)[0]  # the k-th largest
    return _top(losses, losses >= level, quota)


def _gather(
    ctx: DistContext, local: torch.Tensor, index: torch.Tensor, sent: torch.Tensor
) -> np.ndarray:
    """Every rank's rows ``index`` stacked on rank 0 (float64 (S, N); empty elsewhere);
    ``sent`` marks them."""
    sent[index] = True
    mine = local.index_select(0, index).to("cpu", torch.float64).numpy()
    parts = ctx.gather_objects(mine)
    return np.vstack(parts) if ctx.is_main else mine[:0]


def _scale(rows: np.ndarray, ctx: DistContext) -> float:
    """The RMS return of the gathered rows (rank 0's, broadcast): the ties' unit."""
    value = float(np.sqrt(np.mean(rows * rows))) if ctx.is_main and rows.size else 0.0
    return float(ctx.broadcast_object(value))  # type: ignore[arg-type]


def _summary(outcomes: list[TailOutcome]) -> str:
    """One line for K runs."""
    n_exact = sum(o.exact for o in outcomes)
    others = sorted({o.status for o in outcomes if not o.exact})
    head = "exact" if not others else "; ".join(others)
    return (
        f"{head} ({n_exact}/{len(outcomes)} runs exact; sharded tail LP on up to "
        f"{max(o.rows for o in outcomes)} gathered rows, {sum(o.gathers for o in outcomes)} "
        f"gathers, {sum(o.seconds for o in outcomes):.2f} s)"
    )
