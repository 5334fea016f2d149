"""The solvers of the CVQP peer comparison, each timed on its own call.

Every runner returns :class:`Answer` records: the weights as returned (scored later, once
the reference is known), wall seconds of the solver call alone (data already in the
solver's form: float32 for our float32 runs, ``A = -R`` for CVQP), and the 1-minute load
average before and after the call. :func:`warm_up` runs every solver once on a tiny
problem first, so no timed call pays a one-time import (torch._dynamo, HiGHS, CVQP's
extension).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cvqp_problems import ALPHA, DataSet, cvar, max_return_lp

TOLERANCES = ((1e-4, 1e-3), (1e-5, 1e-4), (1e-6, 1e-5), (1e-7, 1e-6), (1e-8, 1e-7))
"""CVQP (abstol, reltol) settings, loosest first (the first is CVQP's default)."""
TIGHT_TARGET_GAP = 1e-6
"""Certified relative gap at which our tight max-return search stops (default 1e-4)."""
TIGHT_ROUNDS = 12


@dataclass
class Answer:
    """One solver call: its weights (N,) before any clipping, and how it went.

    ``bound`` is the call's certified lower bound on the optimum of the minimised
    objective (mean-CVaR ``f*``, or ``-mu.w*`` for max-return), when it has one.
    ``tight`` marks a long, tight run that may serve as the reference.
    """

    solver: str
    setting: str
    seconds: float
    weights: np.ndarray
    note: str
    load: tuple[float, float]
    bound: float | None = None
    tight: bool = False
    timed_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, tuple[float, float]]:
    """``(fn(), wall seconds, (load average before, after))``."""
    load0 = os.getloadavg()[0]
    began = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - began
    return out, seconds, (load0, os.getloadavg()[0])


def default_config(dtype: str) -> Any:
    """Our default engine settings in ``dtype``."""
    from portfolio_sgd import EngineConfig

    return EngineConfig(dtype=dtype)


def tight_config() -> Any:
    """Our tighter setting: float64, tolerance 1e-12, a 4x larger step budget."""
    from portfolio_sgd import EngineConfig

    return EngineConfig(dtype="float64", tol=1e-12, max_steps_default=80_000)


def ours_cvar(data: DataSet, config: Any, setting: str, tight: bool = False) -> Answer:
    """Our mean-CVaR run, with the certified lower bound of its answer."""
    from portfolio_sgd import optimize
    from portfolio_sgd.certificate import optimality_gap

    x = data.r.astype(np.float32) if config.dtype == "float32" else data.r
    res, seconds, load = timed(
        lambda: optimize(x, "cvar", return_weight=data.lam, alpha=ALPHA, config=config)
    )
    w = res.weights.to_numpy(dtype=np.float64)
    cert = optimality_gap("cvar", data.r, w, return_weight=data.lam, alpha=ALPHA)
    note = f"{res.steps} steps, stop: {res.stop_reason}, polish: {res.polish}"
    bound = float(cert.lower_bound[0])
    return Answer("portfolio-sgd", setting, seconds, w, note, load, bound, tight)


def ours_max_return(
    data: DataSet, kappa: float, config: Any, setting: str, tight: bool = False
) -> Answer:
    """Our max-return run under ``CVaR <= kappa`` (the Lagrangian search).

    The tight run calls :class:`portfolio_sgd.solvers.risk_limit.RiskLimitSolver` with up to
    :data:`TIGHT_ROUNDS` rounds and its stopping target lowered to
    :data:`TIGHT_TARGET_GAP` (the library has no option for it; the module constant is
    set for the call and restored).
    """
    import pandas as pd

    from portfolio_sgd import optimize, resolve_settings
    from portfolio_sgd.limits import RiskLimit
    from portfolio_sgd.solvers.base import Task
    from portfolio_sgd.solvers.risk_limit import RiskLimitSolver

    if tight:
        frame = pd.DataFrame(data.r, columns=[f"a{i}" for i in range(data.r.shape[1])])
        spec, cons, cfg = resolve_settings("max-return", None, config, alpha=ALPHA)

        def call() -> Any:
            with _target_gap(TIGHT_TARGET_GAP):
                limit = RiskLimit("cvar", kappa)
                solver = RiskLimitSolver(limit, max_rounds=TIGHT_ROUNDS)
                return solver.solve(Task(frame, spec, cons, cfg))

        res, seconds, load = timed(call)
    else:
        res, seconds, load = timed(
            lambda: optimize(data.r, "max-return", max_cvar=kappa, alpha=ALPHA, config=config)
        )
    rep = res.risk_limit
    note = (
        f"{res.steps} steps, {rep.rounds} rounds, stop: {rep.stop_reason}, "
        f"certified {res.relative_gap_bound:.1e}"
    )
    w = res.weights.to_numpy(dtype=np.float64)
    return Answer("portfolio-sgd", setting, seconds, w, note, load, float(rep.lower_bound), tight)


@contextlib.contextmanager
def _target_gap(value: float) -> Iterator[None]:
    """Set the limit search's stopping target (``limits.solve.TARGET_GAP``) for a block."""
    from portfolio_sgd.limits import solve as limit_solve

    old = limit_solve.TARGET_GAP
    limit_solve.TARGET_GAP = value
    try:
        yield
    finally:
        limit_solve.TARGET_GAP = old


def cvqp_runs(
    r: np.ndarray,
    kappa: float,
    time_limit: float,
    tolerances: Any,
    done: Callable[[np.ndarray], bool] | None = None,
) -> list[Answer]:
    """CVQP on ``max mu.w s.t. CVaR(-R w) <= kappa`` on the simplex, at each tolerance.

    CVQP's form: ``q = -mu``, ``A = -R``, ``B = [1'; I]``, ``l = [1; 0]``, ``u = [1; 1]``
    (built before timing). ADMM's iterates do not depend on the tolerance: a tighter
    setting walks the same path and stops later. So once a setting stops at the time
    limit, or ``done(weights)`` says it met the bar, the tighter ones are not run (they
    could not be faster).
    """
    import cvqp
    import scipy.sparse as sp

    n = r.shape[1]
    a, q = -r, -r.mean(axis=0)
    b = sp.vstack([sp.csr_matrix(np.ones((1, n))), sp.identity(n, format="csr")]).tocsr()
    lo, hi = np.concatenate([[1.0], np.zeros(n)]), np.ones(n + 1)
    out: list[Answer] = []
    for abstol, reltol in tolerances:
        settings = cvqp.Settings(abstol=abstol, reltol=reltol, time_limit=float(time_limit))
        res, seconds, load = timed(
            lambda s=settings: cvqp.solve(None, q, a, b, lo, hi, ALPHA, kappa, settings=s)
        )
        w = np.asarray(res.x, dtype=np.float64)
        note = f"{res.iterations} it, status {res.status}"
        setting = f"abstol {abstol:g}, reltol {reltol:g}"
        timed_out = res.status == "time_limit"
        out.append(Answer("CVQP", setting, seconds, w, note, load, timed_out=timed_out))
        if timed_out or (done is not None and done(w)):
            break
    return out


def highs_reference(r: np.ndarray, kappa: float) -> Answer:
    """The HiGHS LP optimum of max-return (the reference where ``T N`` is small)."""
    load0 = os.getloadavg()[0]
    w, seconds, message = max_return_lp(r, kappa)
    load = (load0, os.getloadavg()[0])
    note = f"Rockafellar-Uryasev LP, {message}"
    return Answer("HiGHS LP (reference)", "scipy linprog highs", seconds, w, note, load, tight=True)


def warm_up() -> None:
    """Run every solver once on a tiny problem (imports, JIT, first optimizer build)."""
    from .cvqp_problems import student_t_factor_returns

    r = student_t_factor_returns(400, 6, seed=11)
    data = DataSet("warm-up", r, 1.0, "float32")
    for dtype in ("float32", "float64"):
        ours_cvar(data, default_config(dtype), dtype)
    mu = r.mean(axis=0)
    kappa = 0.5 * (cvar(r, np.full(6, 1 / 6)) + cvar(r, np.eye(6)[int(mu.argmax())]))
    ours_max_return(data, kappa, default_config("float64"), "float64")
    cvqp_runs(r, kappa, 10.0, TOLERANCES[:1])
    highs_reference(r, kappa)
