"""The exact-finish policy: after the loop, an objective's own exact finish of the weights.

CVaR has one (:mod:`.cvar_polish`: the Rockafellar-Uryasev LP on the tail scenarios,
verified on all of them). It runs on the reported weights when
``EngineConfig.cvar_polish`` is on and the runs are not row-weighted; a run takes the
finished weights when they are a verified optimum, or when they lower its exact
objective. The summary says what happened, run by run.
"""

from __future__ import annotations

import torch

from ..constraints.trading.terms import has_trading
from ..errors import ConfigError
from .config import EngineConfig
from .problem import Problem
from .setup import evaluate


def polish_final(
    problem: Problem,
    config: EngineConfig,
    weights: torch.Tensor,
    objective: torch.Tensor,
    lam: torch.Tensor | None,
    options: object | None = None,
) -> tuple[torch.Tensor, torch.Tensor, str, list[bool]]:
    """The finished weights (K, N), their objective (K,), a summary and ``polished`` (K,).

    Parameters
    ----------
    problem : Problem
    config : EngineConfig
    weights : Tensor, shape (K, N)
        The loop's reported weights (feasible).
    objective : Tensor, shape (K,)
        Their exact full-data objective.
    lam : Tensor, shape (K,), optional
        Per-run values of the objective's ``per_run_parameter`` (else the spec's).
    options : object, optional
        The objective's finish options (CVaR: :class:`.cvar_polish.PolishOptions`).

    Returns
    -------
    (weights, objective, summary, polished)
        ``summary`` is ``"off"`` (disabled), ``"none"`` (the objective has no exact finish),
        ``"off (row-weighted runs)"``, ``"off (trading costs/turnover)"``, ``"off (no linear
        form of the feasible set)"`` (a cardinality support set), or the polish's account, e.g.
        ``"exact (1/1 runs; 2 LPs, 284 window rows, 0.31 s)"``. ``polished[k]``: run k's
        weights are the verified optimum of the full problem.
    """
    return polish_with_rows(problem, config, weights, objective, lam, options)[:4]


def polish_with_rows(
    problem: Problem,
    config: EngineConfig,
    weights: torch.Tensor,
    objective: torch.Tensor,
    lam: torch.Tensor | None,
    options: object | None = None,
) -> tuple[torch.Tensor, torch.Tensor, str, list[bool], list]:
    """:func:`polish_final` and the finish's per-run reports (empty when it did not run)."""
    n_runs = weights.shape[0]
    unpolished = [False] * n_runs
    blocked = polish_blocker(problem, config)
    if blocked is not None:
        return weights, objective, blocked, unpolished, []
    feasible = problem.feasible  # made once per problem
    spec = problem.spec
    per_run = lam
    if per_run is None:
        value = float(getattr(spec, spec.impl.per_run_parameter))
        per_run = torch.full((n_runs,), value, dtype=torch.float64)
    finished = spec.impl.engine_polish(
        problem.returns,
        problem.mean,
        weights.detach(),
        feasible,
        per_run.detach().to("cpu", torch.float64),
        options,
    )
    if finished is None:
        return weights, objective, "none", unpolished, []
    w64, rows = finished
    w64 = problem.constraints.project(w64.to(weights.device))  # LP rounding, ~1e-16
    candidate = w64.to(weights.dtype)  # float64 when the loop ran a float32 phase
    value = evaluate(problem, candidate, lam)
    exact = torch.tensor([bool(r.exact) for r in rows], device=weights.device)
    take = exact | (value < objective)
    weights = torch.where(take[:, None], candidate, weights)
    objective = torch.where(take, value, objective)
    return weights, objective, _summary(rows), [bool(e) for e in exact.tolist()], rows


def polish_blocker(problem: Problem, config: EngineConfig) -> str | None:
    """Why the exact finish cannot run on ``problem`` (the summary to report), else None.

    A sharded problem (:mod:`portfolio_sgd.distributed`) is decided by its caller.
    """
    if not config.cvar_polish:
        return "off"
    if problem.row_weights is not None:
        return "off (row-weighted runs)"
    impl = problem.spec.impl
    if has_trading(problem.constraints) and not impl.finish_takes_trading:
        return "off (trading costs/turnover)"  # the tail LP has no cost term: never drop it
    try:
        applies = problem.finish_applies  # asked once per problem
    except ConfigError:  # support/sparse sets of the cardinality search: no linear form
        return "off (no linear form of the feasible set)"
    return None if applies else "none"


def _summary(rows: list) -> str:
    """One line for K runs: how many are exact, LPs, the largest window, seconds."""
    if rows and hasattr(rows[0], "describe_runs"):  # a finish that words its own line
        return rows[0].describe_runs(rows)
    if rows and getattr(rows[0], "kind", "") == "QP":
        return _qp_summary(rows)
    n_exact = sum(bool(r.exact) for r in rows)
    others = sorted({r.status for r in rows if not r.exact})
    head = "exact" if not others else "; ".join(others)
    lps = sum(int(r.rounds) for r in rows)
    width = max(int(r.window_rows) for r in rows)
    seconds = sum(float(r.seconds) for r in rows)
    return (
        f"{head} ({n_exact}/{len(rows)} runs exact; {lps} LPs, "
        f"up to {width} window rows, {seconds:.2f} s)"
    )


def _qp_summary(rows: list) -> str:
    """One line for K runs of the exact QP finish (:mod:`.qp_finish`)."""
    n_exact = sum(bool(r.exact) for r in rows)
    others = sorted({r.status for r in rows if not r.exact})
    head = "exact QP finish" if not others else "QP finish: " + "; ".join(others)
    iters = sum(int(r.iterations) for r in rows)
    free = max(int(r.free) for r in rows)
    seconds = sum(float(r.seconds) for r in rows)
    return (
        f"{head} ({n_exact}/{len(rows)} runs exact, KKT verified; {iters} active-set "
        f"iterations, up to {free} free variables, {seconds:.3f} s)"
    )
