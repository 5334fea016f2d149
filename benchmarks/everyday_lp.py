"""Everyday rows of the LP measures (issue 25): min-CDaR, min-CVaR and max return under a
CVaR limit, against cvxpy + HiGHS (the same LP, written as a user would) and skfolio's
``MeanRisk`` (its default solver), for :mod:`benchmarks.everyday`.

Each row is scored by the measure's exact numpy value; the reference is the cvxpy +
HiGHS answer's (a simplex vertex of the same LP, exact to HiGHS's tolerances).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

BETA = 0.95
LIMIT_FRACTION = 0.3
"""The CVaR limit lies this fraction of the way from the minimum CVaR to the top asset's."""


def _cvxpy_lp(r: np.ndarray, measure: str, level: float | None = None) -> np.ndarray:
    """min ``measure`` (``level`` None) or max mean under ``CVaR <= level``, long-only,
    cvxpy + HiGHS."""
    import cvxpy as cp

    t_len, n = r.shape
    w, z, d = cp.Variable(n), cp.Variable(), cp.Variable(t_len, nonneg=True)
    rows = [cp.sum(w) == 1, w >= 0]
    if measure == "cdar":
        path = np.cumsum(r, axis=0) @ w
        u = cp.Variable(t_len)
        rows += [u >= path, u[1:] >= u[:-1], u >= 0, d >= u - path - z]
    else:
        rows += [d >= -(r @ w) - z]
    risk = z + cp.sum(d) / ((1.0 - BETA) * t_len)
    if level is None:
        problem = cp.Problem(cp.Minimize(risk), rows)
    else:
        problem = cp.Problem(cp.Maximize(r.mean(axis=0) @ w), [*rows, risk <= level])
    problem.solve(solver="HIGHS")
    return np.asarray(w.value)


def _skfolio(returns: Any, measure: str, level: float | None = None) -> np.ndarray:
    """skfolio's ``MeanRisk`` at its defaults: min CDaR/CVaR, or max return under a CVaR cap."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    if level is None:
        kind = RiskMeasure.CDAR if measure == "cdar" else RiskMeasure.CVAR
        model = MeanRisk(risk_measure=kind)
    else:
        model = MeanRisk(
            objective_function=ObjectiveFunction.MAXIMIZE_RETURN,
            risk_measure=RiskMeasure.CVAR,
            max_cvar=level,
        )
    return np.asarray(model.fit(returns).weights_)


def lp_cases(
    size: str, returns: Any, skfolio: bool, case_type: Any, only: str | None = None
) -> list[Any]:
    """The rows of one size (``case_type``: :class:`benchmarks.everyday.Case`) whose name
    has ``only`` (their references are LPs: rows filtered out are not built)."""
    import portfolio_sgd as ps
    from portfolio_sgd.measures.registry import get_measure

    from .everyday import available

    r = returns.to_numpy(dtype=np.float64)
    has_skfolio = skfolio and available("skfolio")

    def viol(w: np.ndarray, extra: float = 0.0) -> float:
        return max(abs(float(w.sum()) - 1.0), float(np.max(-w, initial=0.0)), extra)

    def value(name: str, w: np.ndarray) -> float:
        return float(np.ravel(get_measure(name).numpy_value((r @ w)[:, None], BETA))[0])

    out = []
    for name, label in (("cdar", "min-CDaR"), ("cvar", "min-CVaR")):
        if only and only not in label:
            continue
        peers: dict[str, Callable[[], np.ndarray]] = {"cvxpy+HiGHS": lambda m=name: _cvxpy_lp(r, m)}
        if has_skfolio:
            peers["skfolio"] = lambda m=name: _skfolio(returns, m)
        ours = lambda m=name: ps.optimize(  # noqa: E731
            returns, "min-risk", measure=m, seed=0
        ).weights.to_numpy(dtype=np.float64)
        case = case_type(
            label, size, returns, ours, peers, lambda w, m=name: (value(m, w), viol(w))
        )
        case.reference = value(name, _cvxpy_lp(r, name))
        out.append(case)
    if not only or only in "max return, CVaR ≤ c":
        out.append(_limit_case(size, returns, r, has_skfolio, case_type, value, viol))
    return out


def _limit_case(
    size: str,
    returns: Any,
    r: np.ndarray,
    has_skfolio: bool,
    case_type: Any,
    value: Callable[[str, np.ndarray], float],
    viol: Callable[..., float],
) -> Any:
    """Max return under ``CVaR <= c``, ``c`` a fraction of the way to the top asset's CVaR."""
    import portfolio_sgd as ps

    mu = r.mean(axis=0)
    low = value("cvar", _cvxpy_lp(r, "cvar"))
    top = value("cvar", np.eye(r.shape[1])[int(np.argmax(mu))])
    level = low + LIMIT_FRACTION * (top - low)
    peers: dict[str, Callable[[], np.ndarray]] = {
        "cvxpy+HiGHS": lambda: _cvxpy_lp(r, "cvar", level)
    }
    if has_skfolio:
        peers["skfolio"] = lambda: _skfolio(returns, "cvar", level)

    def ours() -> np.ndarray:
        res = ps.optimize(returns, "max-return", limit=("cvar", level), seed=0)
        return res.weights.to_numpy(dtype=np.float64)

    def score(w: np.ndarray) -> tuple[float, float]:
        over = max(0.0, value("cvar", w) / level - 1.0)
        return -float(mu @ w), viol(w, over)

    case = case_type(f"max return, CVaR ≤ {level:.4g}", size, returns, ours, peers, score)
    case.reference = score(_cvxpy_lp(r, "cvar", level))[0]
    return case
