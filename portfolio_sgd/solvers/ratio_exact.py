"""Max-ratio in one exact convex program (Charnes-Cooper), where the measure has one.

- A measure that is the covariance norm ``sqrt(w' Sigma w)`` (``covariance_norm``: the
  Sharpe ratio): one QP on the N x N covariance by the project's active-set kernel
  (:mod:`portfolio_sgd.measures.kernels.ratio_qp`), verified by its KKT conditions. The
  bound: ``rho(w) >= g.w`` with ``g = Sigma w* / rho(w*)`` (Cauchy-Schwarz), so
  ``S* <= max_C (mu - rf).w / g.w``, a linear-fractional program solved exactly on the
  set's linear oracle.
- A measure with an LP epigraph (``form``: CVaR, worst realisation, drawdowns, CDaR): one
  HiGHS LP (:mod:`portfolio_sgd.measures.kernels.ratio_lp`). The bound: the epigraph
  rows' multipliers give ``rho(w) >= g.w + f0`` on C (weak duality), so
  ``S* <= max_C (mu - rf).w / (g.w + f0)``, likewise exact on the oracle.

Both bounds hold whatever the solves' accuracy (they are proven from the weights and
multipliers found), and they meet the attained ratio at the optimum. Chosen over the
critical-line route (the tangency point of the mean-variance frontier): the QP is one
active-set solve, started at a KKT guess of the tangency portfolio's support (else at the
largest-excess vertex), where the critical line would trace the frontier from that vertex
to the tangency point, a longer path of the same pivots.

Other measures (EVaR, Ulcer, the mean-centred ones) return None: Dinkelbach runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..constraints.report import ACTIVE_TOL, constraints_report
from ..measures.kernels.qp_finish import covariance_of
from ..measures.kernels.ratio_lp import charnes_cooper_lp, tail_minorant
from ..measures.kernels.ratio_qp import charnes_cooper_qp
from ..objectives.max_ratio import MaxRatio, linear_fractional_bound
from ..results import OptimizationResult, Reports
from .base import Task

__all__ = ["ExactRatio", "exact_ratio", "ratio_weights_result"]

QP_METHOD = (
    "Charnes-Cooper QP (active set on the covariance, KKT-verified); bound: "
    "linear-fractional program of the volatility's gradient (Cauchy-Schwarz)"
)
LP_METHOD = (
    "Charnes-Cooper LP (HiGHS) on the measure's epigraph; bound: linear-fractional "
    "program of the LP multipliers' affine minorant (weak duality)"
)

Found = tuple[np.ndarray, tuple[float, float, float], float, str]
"""A route's weights, their ``(ratio, excess, risk)``, the bound and the method."""


@dataclass(frozen=True)
class ExactRatio:
    """An exact program's weights (N,), their ``(ratio, excess, risk)``, a proven upper
    bound on the best ratio, the method and the seconds."""

    weights: np.ndarray
    attained: tuple[float, float, float]
    upper: float
    method: str
    seconds: float


def exact_ratio(
    ratio: MaxRatio, returns: np.ndarray, oracle: Any, vertex: np.ndarray
) -> ExactRatio | None:
    """The Charnes-Cooper solve of ``ratio`` over ``oracle``'s set, or None where the
    measure has no such program, the set no polytope, or the solve is not verified.

    Parameters
    ----------
    ratio : MaxRatio
    returns : ndarray, shape (T, N)
    oracle : FeasibleSet
        The set's linear oracle (``minimize``, ``polytope``).
    vertex : ndarray, shape (N,)
        The oracle's largest-excess vertex (the programs' start).
    """
    began = time.perf_counter()
    risk = ratio.risk
    polytope_of = getattr(oracle, "polytope", None)
    if polytope_of is None:
        return None
    if getattr(risk, "covariance_norm", False):
        found = _quadratic(ratio, returns, oracle, polytope_of(), vertex)
    elif callable(getattr(risk, "form", None)):
        found = _linear(ratio, returns, oracle, polytope_of(), vertex)
    else:
        return None
    if found is None:
        return None
    w, attained, upper, method = found
    return ExactRatio(w, attained, upper, method, time.perf_counter() - began)


def _excess(ratio: MaxRatio, mu: np.ndarray) -> np.ndarray:
    """``mu - rf`` (N,): the ratio's numerator is ``excess.w`` (``rf`` on ``sum(w)``)."""
    return mu - ratio.risk_free_rate


def _quadratic(
    ratio: MaxRatio, returns: np.ndarray, oracle: Any, polytope: Any, vertex: np.ndarray
) -> Found | None:
    """The QP route: weights, their ratio, bound, method (None: not verified)."""
    sigma, mu = covariance_of(returns)
    excess = _excess(ratio, mu)
    sol = charnes_cooper_qp(sigma, excess, polytope, vertex)
    if not sol.exact:
        return None
    w = sol.weights
    sw = sigma @ w
    rho = math.sqrt(max(float(w @ sw), 0.0))
    if not rho > 0:
        return None
    top = float(excess @ w)
    attained = (top / rho, top, rho)  # sqrt(w' Sigma w): the population std of r @ w
    upper = linear_fractional_bound(oracle.minimize, excess, sw / rho, attained[0])
    return w, attained, upper, QP_METHOD


def _linear(
    ratio: MaxRatio, returns: np.ndarray, oracle: Any, polytope: Any, vertex: np.ndarray
) -> Found | None:
    """The LP route: weights, their ratio, bound, method (None: not solved)."""
    form = ratio.risk.form(returns, ratio.spec.alpha, polytope)  # type: ignore[attr-defined]
    excess = _excess(ratio, returns.mean(axis=0))
    sol = charnes_cooper_lp(form, polytope, excess, vertex)
    if sol.status != "exact":
        return None
    gradient, offset = tail_minorant(form, sol.multipliers)
    attained = ratio.ratio(returns, sol.weights)
    upper = linear_fractional_bound(oracle.minimize, excess, gradient, attained[0], offset=offset)
    return sol.weights, attained, upper, LP_METHOD


def ratio_weights_result(task: Task, w: np.ndarray, seconds: float) -> OptimizationResult:
    """An :class:`OptimizationResult` holding weights found by a convex program (no
    engine run); the caller states the ratio, its gap and its report."""
    prepared, config = task.prepared, task.config
    index = prepared.index
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    return OptimizationResult(
        weights=pd.Series(w, index=prepared.tickers),
        objective=task.spec.objective.value,
        objective_value=float("nan"),
        history=pd.DataFrame(columns=["step", "samples", "batch_size", "batch_loss", "objective"]),
        steps=0,
        samples_seen=0,
        epochs=0.0,
        wall_time=seconds,
        lr=None,
        batch_size=int(config.batch_size),
        optimizer="Charnes-Cooper program",
        averaging="none",
        stop_reason="convex solve",
        device="cpu",
        dtype="float64",
        seed=config.seed,
        var_level=None,
        n_scenarios=prepared.problem.n_rows,
        start=index[0].date().isoformat() if dated else None,
        end=index[-1].date().isoformat() if dated else None,
        spec=task.spec,
        constraints=task.constraints,
        config=config,
        optimality_gap=float("inf"),
        relative_gap_bound=float("inf"),
        converged=False,
        certificate_method="",
        constraints_report=tuple(constraints_report(prepared.problem.constraints, w, ACTIVE_TOL)),
        reports=Reports(),
    )
