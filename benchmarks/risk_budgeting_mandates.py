"""Risk budgeting under mandates and over drawdowns: our barrier solve against skfolio.

Each case (CVaR with one binding bound, CVaR with a group cap, CDaR, MAD with a bound,
max drawdown, standard deviation with a bound, EVaR plain and with a bound) is solved once by
``optimize(objective="risk-budgeting", measure=...)`` and once by skfolio's
``RiskBudgeting`` (Clarabel, its defaults), on one year (2017, 251 rows) of the first
``N`` columns of ``us-stocks-2500``, N = 20 and 400. Prints a markdown table: seconds of
each, max |dw|, our certified gap and ``log rho(w) - b.log w`` ours minus skfolio's.

Run: ``.venv/bin/python -m benchmarks.risk_budgeting_mandates [N [MEASURE-MANDATE]]``
(default: both sizes, every case; e.g. ``400 cvar-bound`` for one).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from skfolio.exceptions import ConvexOptimizationError
from skfolio.measures import RiskMeasure
from skfolio.optimization import RiskBudgeting

from benchmarks.machine import machine_info
from portfolio_sgd import ConfigError, Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.measures.registry import get_measure

CASES = [
    ("cvar", RiskMeasure.CVAR, "bound"),
    ("cvar", RiskMeasure.CVAR, "group"),
    ("cdar", RiskMeasure.CDAR, None),
    ("mean-absolute-deviation", RiskMeasure.MEAN_ABSOLUTE_DEVIATION, "bound"),
    ("max-drawdown", RiskMeasure.MAX_DRAWDOWN, None),
    ("volatility", RiskMeasure.STANDARD_DEVIATION, "bound"),
    ("evar", RiskMeasure.EVAR, None),
    ("evar", RiskMeasure.EVAR, "bound"),
]


def _settings(columns: list[str], kind: str | None) -> tuple[dict, dict]:
    """``(our constraints kwargs, skfolio kwargs)`` for a case's mandate."""
    n = len(columns)
    if kind == "bound":
        cap = {columns[0]: 0.5 / n}
        return {"constraints": Constraints(max_weight={**cap, "*": 1.0})}, {"max_weights": cap}
    if kind == "group":
        half = n // 4
        groups = {c: ["first"] if i < half else ["rest"] for i, c in enumerate(columns)}
        table = [["first" if i < half else "rest" for i in range(n)]]
        rows = ["first <= 0.1"]
        return {"constraints": Constraints(groups=groups, linear=rows)}, {
            "groups": table,
            "linear_constraints": rows,
        }
    return {}, {}


def _objective(r: np.ndarray, measure: str, w: np.ndarray) -> float:
    """``log rho(w) - b.log w`` with equal budgets."""
    return float(np.log(get_measure(measure).numpy_value((r @ w)[:, None])[0]) - np.log(w).mean())


def main(sizes: tuple[int, ...] = (20, 400), only: str | None = None) -> None:
    """The table for ``sizes`` assets (``only``: the cases of that measure and mandate,
    e.g. ``cvar-bound``)."""
    panel = load_returns(dataset="us-stocks-2500", start="2017-01-01", end="2017-12-31")
    print(machine_info(threads=2))
    print(
        "| N | measure | mandate | ours (s) | skfolio (s) | max abs dw | our gap | F ours - F skfolio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    warm = panel.iloc[:, :5]  # untimed: the first call of each loads its libraries
    optimize(warm, objective="risk-budgeting", measure="cvar", **_settings(list(warm), "bound")[0])
    RiskBudgeting(risk_measure=RiskMeasure.STANDARD_DEVIATION).fit(warm)
    for n in sizes:
        returns = panel.iloc[:, :n]
        r = returns.to_numpy()
        for ours, theirs, kind in CASES:
            if only is not None and only != f"{ours}-{kind}":
                continue
            mine, sk = _settings(list(returns.columns), kind)
            began = time.perf_counter()
            try:
                result = optimize(returns, objective="risk-budgeting", measure=ours, **mine)
            except ConfigError as refused:
                print(f"| {n} | {ours} | {kind or '-'} | refused: {refused} | | | | |")
                continue
            ours_s = time.perf_counter() - began
            w = result.weights.to_numpy()
            began = time.perf_counter()
            try:
                ref = RiskBudgeting(risk_measure=theirs, **sk).fit(returns).weights_
                df = _objective(r, ours, w) - _objective(r, ours, ref)
                dw, sk_s = f"{np.abs(w - ref).max():.1e}", f"{time.perf_counter() - began:.2f}"
                df_text = f"{df:.1e}"
            except (ConvexOptimizationError, ValueError):  # skfolio's failure or refusal
                dw, df_text = "-", "-"
                sk_s = f"failed ({time.perf_counter() - began:.2f})"
            print(
                f"| {n} | {ours} | {kind or '-'} | {ours_s:.2f} | {sk_s} | {dw} | "
                f"{result.optimality_gap:.1e} | {df_text} |",
                flush=True,
            )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(tuple(int(a) for a in args[:1]) or (20, 400), args[1] if len(args) > 1 else None)
