"""Everyday problems (issue 25): 20 and 400 assets, a few thousand days, against cvxpy+Clarabel.

Every call is in-process through a public API: ``portfolio_sgd.optimize`` for ours, a
cvxpy model written the way a user would (sample covariance ``Sigma`` and mean ``mu``
computed inside the timed call, Clarabel at its defaults) for the peer, and skfolio's
``MeanRisk`` / ``RiskBudgeting`` where skfolio is installed (PyPortfolioOpt likewise; a
note says when one is missing). Each row runs ours and the peers interleaved ``repeats``
times after one untimed warm-up call each, and reports the median wall time.

Every answer is scored by one tight exact reference, independent of both:
:func:`portfolio_sgd.reference.exact.solve_exact` (cvxpy + Clarabel at 1e-10 tolerances on a
QR factor of the centred returns, not on ``Sigma``). The gap column is
``(f(w) - f(w_ref)) / |f(w_ref)|`` with ``f`` evaluated in numpy float64; a negative gap
means the answer is better than the reference. Each answer's largest constraint violation
is reported too (a gap is only meaningful for a feasible point).

Risk parity has no objective value on normalised weights, so its row scores the
scale-free form ``F(w) = 1/2 + 1/2 log(w'Sigma w) - sum_i b_i log w_i`` (the risk-budget
objective at the best scaling of ``w``), which is minimised exactly at the risk-parity
portfolio.

    python -m benchmarks.everyday            # both sizes, 3 repeats
    python -m benchmarks.everyday --quick    # sp500 only, 1 repeat, no file written
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .everyday_lp import lp_cases

RESULTS = Path(__file__).resolve().parent / "results" / "everyday.md"
LAMBDA = 10.0
TURNOVER = 0.2
SIZES = ("sp500", "us-400")
SMALL_SIZES = ("sp500-1000",)  # sp500's first 1000 days (the LP measures' everyday size)


@dataclass
class Case:
    """One benchmark problem: our call, the peers' calls and the reference's arguments."""

    name: str
    size: str
    returns: Any  # DataFrame (T, N)
    ours: Callable[[], np.ndarray]
    peers: dict[str, Callable[[], np.ndarray]]
    score: Callable[[np.ndarray], tuple[float, float]]  # weights -> (f, violation)
    reference: float = field(default=float("nan"))


# ------------------------------------------------------------------------- data
def load(size: str) -> Any:
    """sp500 (8312 x 20), or the first 400 us-stocks columns with a full history."""
    from portfolio_sgd.data import load_returns

    if size == "sp500":
        return load_returns(dataset="sp500")
    if size == "sp500-1000":
        return load_returns(dataset="sp500").iloc[:1000]
    returns = load_returns(dataset="us-stocks-2500")
    full = returns.columns[returns.notna().all().to_numpy()]
    return returns.loc[:, full[:400]].astype(np.float64)


def sectors(returns: Any) -> tuple[dict[str, str], list[str]]:
    """Memberships and three caps: sp500's real sectors; for 400 assets ``i mod 11``."""
    tickers = [str(c) for c in returns.columns]
    if returns.shape[1] == 20:
        import portfolio_sgd

        path = Path(portfolio_sgd.__file__).resolve().parent.parent / "data" / "sp500_sectors.csv"
        rows = [line.split(",", 1) for line in path.read_text().splitlines()[1:]]
        groups = {a: s.replace(" ", "_") for a, s in rows if a in tickers}
        caps = ["Health_Care <= 0.15", "Consumer_Staples <= 0.2", "Information_Technology <= 0.1"]
        return groups, caps
    groups = {t: f"S{i % 11}" for i, t in enumerate(tickers)}
    return groups, ["S0 <= 0.05", "S1 <= 0.05", "S2 <= 0.05"]


def group_rows(returns: Any, groups: dict[str, str], caps: list[str]) -> tuple[Any, Any]:
    """The caps as ``A w <= b`` (3, N) for the peers and the violation check."""
    tickers = [str(c) for c in returns.columns]
    a, b = [], []
    for cap in caps:
        label, value = (s.strip() for s in cap.split("<="))
        a.append([1.0 if groups.get(t) == label else 0.0 for t in tickers])
        b.append(float(value))
    return np.array(a), np.array(b)


# ------------------------------------------------------------------------- peers
def _moments(returns: Any) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(returns, dtype=np.float64)
    return r.mean(axis=0), np.cov(r, rowvar=False, bias=True)


def cvxpy_peer(returns: Any, kind: str, **kw: Any) -> np.ndarray:
    """What a user writes in cvxpy (Clarabel defaults), moments included in the time."""
    import cvxpy as cp

    mu, sigma = _moments(returns)
    n = mu.shape[0]
    w = cp.Variable(n)
    risk = cp.quad_form(w, cp.psd_wrap(sigma))
    cons = [cp.sum(w) == 1, w >= 0]
    if kind == "min-variance":
        obj = cp.Minimize(risk)
    elif kind == "mean-variance":
        obj = cp.Minimize(-mu @ w + 0.5 * LAMBDA * risk)
    elif kind == "sector-caps":
        obj = cp.Minimize(risk)
        cons.append(kw["a"] @ w <= kw["b"])
    elif kind == "turnover":
        obj = cp.Minimize(risk)
        cons.append(0.5 * cp.norm1(w - kw["previous"]) <= TURNOVER)
    elif kind == "max-return":
        obj = cp.Maximize(mu @ w)
        cons.append(risk <= (kw["vol"] / np.sqrt(252.0)) ** 2)
    elif kind == "risk-parity":
        y = cp.Variable(n)
        problem = cp.Problem(
            cp.Minimize(0.5 * cp.quad_form(y, cp.psd_wrap(sigma)) - cp.sum(cp.log(y)) / n)
        )
        problem.solve(solver="CLARABEL")
        return np.asarray(y.value) / float(np.sum(y.value))
    else:  # pragma: no cover
        raise ValueError(kind)
    cp.Problem(obj, cons).solve(solver="CLARABEL")
    return np.asarray(w.value)


def skfolio_peer(returns: Any, kind: str) -> np.ndarray:
    """skfolio's ``MeanRisk`` (min variance) or ``RiskBudgeting`` (variance)."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, RiskBudgeting

    model = (
        MeanRisk(risk_measure=RiskMeasure.VARIANCE)
        if kind == "min-variance"
        else RiskBudgeting(risk_measure=RiskMeasure.VARIANCE)
    )
    return np.asarray(model.fit(returns).weights_)


def pypfopt_peer(returns: Any) -> np.ndarray:
    """PyPortfolioOpt's ``EfficientFrontier.min_volatility`` on the sample covariance."""
    from pypfopt import EfficientFrontier

    mu, sigma = _moments(returns)
    ef = EfficientFrontier(mu, sigma, weight_bounds=(0, 1))
    ef.min_volatility()
    return np.asarray(list(ef.clean_weights(rounding=None).values()))


def available(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


# ------------------------------------------------------------------------- cases
def cases(size: str, skfolio: bool) -> tuple[list[Case], list[str]]:
    """The rows of one size, and notes on peers that are not installed."""
    import portfolio_sgd as ps
    from portfolio_sgd import Constraints
    from portfolio_sgd.reference.exact import objective_value, solve_exact

    returns = load(size)
    r = returns.to_numpy(dtype=np.float64)
    n = r.shape[1]
    mu, sigma = _moments(returns)
    groups, caps = sectors(returns)
    a, b = group_rows(returns, groups, caps)
    previous = np.full(n, 1.0 / n)
    notes: list[str] = []
    min_var_ref = solve_exact("min-variance", r)
    vol = round(1.3 * float(np.sqrt(252.0 * min_var_ref.value)), 2)

    def viol(w: np.ndarray, extra: float = 0.0) -> float:
        return max(abs(float(w.sum()) - 1.0), float(np.max(-w, initial=0.0)), extra)

    def var_score(w: np.ndarray, extra: float = 0.0) -> tuple[float, float]:
        return float(objective_value("min-variance", r, w)), viol(w, extra)

    def ours(objective: str, constraints: Any = None, **kw: Any) -> Callable[[], np.ndarray]:
        def call() -> np.ndarray:
            res = ps.optimize(returns, objective, constraints, seed=0, **kw)
            return res.weights.to_numpy(dtype=np.float64)

        return call

    def peer(kind: str, **kw: Any) -> dict[str, Callable[[], np.ndarray]]:
        return {"cvxpy+Clarabel": lambda: cvxpy_peer(returns, kind, **kw)}

    out: list[Case] = []
    # min-variance
    peers = peer("min-variance")
    if skfolio and available("skfolio"):
        peers["skfolio"] = lambda: skfolio_peer(returns, "min-variance")
    if available("pypfopt"):
        peers["PyPortfolioOpt"] = lambda: pypfopt_peer(returns)
    c = Case("min-variance", size, returns, ours("min-variance"), peers, var_score)
    c.reference = c.score(min_var_ref.weights)[0]
    out.append(c)
    # mean-variance lambda = 10
    ref = solve_exact("mean-variance", r, risk_aversion=LAMBDA)
    c = Case(
        f"mean-variance λ={LAMBDA:g}",
        size,
        returns,
        ours("mean-variance", risk_aversion=LAMBDA),
        peer("mean-variance"),
        lambda w: (float(objective_value("mean-variance", r, w, risk_aversion=LAMBDA)), viol(w)),
    )
    c.reference = c.score(ref.weights)[0]
    out.append(c)
    # three sector caps
    cons = Constraints(groups=groups, linear=caps)
    ref = solve_exact("min-variance", r, cons.bind(list(map(str, returns.columns))))
    c = Case(
        "min-variance + 3 sector caps",
        size,
        returns,
        ours("min-variance", cons),
        peer("sector-caps", a=a, b=b),
        lambda w: var_score(w, float(np.max(a @ w - b, initial=0.0))),
    )
    c.reference = c.score(ref.weights)[0]
    out.append(c)
    # turnover
    cons = Constraints(previous_weights=previous, max_turnover=TURNOVER)
    ref = solve_exact("min-variance", r, cons)
    c = Case(
        f"min-variance, turnover ≤ {TURNOVER:g}",
        size,
        returns,
        ours("min-variance", cons),
        peer("turnover", previous=previous),
        lambda w: var_score(w, max(0.0, 0.5 * float(np.abs(w - previous).sum()) - TURNOVER)),
    )
    c.reference = c.score(ref.weights)[0]
    out.append(c)
    # risk parity (20 assets)
    if n <= 20:
        budgets = np.full(n, 1.0 / n)

        def rp_score(w: np.ndarray) -> tuple[float, float]:
            if np.any(w <= 0):
                return float("inf"), viol(w)
            f = 0.5 + 0.5 * np.log(float(w @ sigma @ w)) - float(budgets @ np.log(w))
            return float(f), viol(w)

        peers = peer("risk-parity")
        if skfolio and available("skfolio"):
            peers["skfolio"] = lambda: skfolio_peer(returns, "risk-parity")
        ref = solve_exact("risk-parity", r)
        c = Case("risk parity", size, returns, ours("risk-parity"), peers, rp_score)
        c.reference = rp_score(ref.weights)[0]
        out.append(c)
    # max return under a volatility cap
    ref = solve_exact("max-return", r, max_volatility=vol)
    cap = (vol / np.sqrt(252.0)) ** 2

    def ret_score(w: np.ndarray) -> tuple[float, float]:
        over = max(0.0, float(objective_value("min-variance", r, w)) / cap - 1.0)
        return float(objective_value("max-return", r, w)), viol(w, over)

    c = Case(
        f"max return, volatility ≤ {vol:g}",
        size,
        returns,
        ours("max-return", max_volatility=vol),
        peer("max-return", vol=vol),
        ret_score,
    )
    c.reference = c.score(ref.weights)[0]
    out.append(c)
    out.append(sharpe_case(returns, size, skfolio))
    if not available("pypfopt"):
        notes.append("PyPortfolioOpt is not installed: its column is skipped.")
    if skfolio and not available("skfolio"):
        notes.append("skfolio is not installed: its column is skipped.")
    return out, notes


# ------------------------------------------------------------------------- max-Sharpe
def cvxpy_sharpe_peer(returns: Any, tight: bool = False) -> np.ndarray:
    """Max-Sharpe (long only) as a user writes it in cvxpy: Charnes-Cooper on ``Sigma``
    (``min y'Sigma y`` s.t. ``mu.y = 1``, ``y >= 0``; ``w = y / sum y``), Clarabel at its
    defaults (``tight``: 1e-10 tolerances, the row's reference)."""
    import cvxpy as cp

    mu, sigma = _moments(returns)
    y = cp.Variable(mu.shape[0], nonneg=True)
    problem = cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(sigma))), [mu @ y == 1])
    opts = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12} if tight else {}
    problem.solve(solver="CLARABEL", **opts)
    y_val = np.maximum(np.asarray(y.value), 0.0)
    return y_val / float(y_val.sum())


def skfolio_sharpe_peer(returns: Any) -> np.ndarray:
    """skfolio's ``MeanRisk(objective_function=MAXIMIZE_RATIO)`` on the variance (Sharpe)."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    model = MeanRisk(
        risk_measure=RiskMeasure.VARIANCE, objective_function=ObjectiveFunction.MAXIMIZE_RATIO
    )
    return np.asarray(model.fit(returns).weights_)


def sharpe_case(returns: Any, size: str, skfolio: bool) -> Case:
    """The max-Sharpe row (long only, rf = 0): ours ``optimize(..., "max-ratio")`` (the
    Charnes-Cooper QP), scored by minus the Sharpe ratio against a tight cvxpy reference."""
    import portfolio_sgd as ps

    r = returns.to_numpy(dtype=np.float64)

    def score(w: np.ndarray) -> tuple[float, float]:
        x = r @ w
        violation = max(abs(float(w.sum()) - 1.0), float(np.max(-w, initial=0.0)))
        return -float(x.mean() / x.std()), violation

    def ours() -> np.ndarray:
        res = ps.optimize(returns, "max-ratio", seed=0)
        return res.weights.to_numpy(dtype=np.float64)

    peers: dict[str, Callable[[], np.ndarray]] = {
        "cvxpy+Clarabel": lambda: cvxpy_sharpe_peer(returns)
    }
    if skfolio and available("skfolio"):
        peers["skfolio"] = lambda: skfolio_sharpe_peer(returns)
    case = Case("max-Sharpe", size, returns, ours, peers, score)
    case.reference = score(cvxpy_sharpe_peer(returns, tight=True))[0]
    return case


# ------------------------------------------------------------------------- running
def timed(call: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    began = time.perf_counter()
    w = call()
    return time.perf_counter() - began, w


def run_case(case: Case, repeats: int) -> dict[str, Any]:
    """Warm-up, then ``repeats`` interleaved rounds; medians and the scores."""
    callers = {"ours": case.ours, **case.peers}
    for call in callers.values():
        call()
    times: dict[str, list[float]] = {k: [] for k in callers}
    weights: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for key, call in callers.items():
            seconds, w = timed(call)
            times[key].append(seconds)
            weights[key] = w
    row: dict[str, Any] = {"case": case.name, "size": case.size, "reference": case.reference}
    for key in callers:
        f, violation = case.score(weights[key])
        ref = case.reference
        row[key] = {
            "seconds": statistics.median(times[key]),
            "gap": (f - ref) / abs(ref) if ref != 0 else f - ref,
            "violation": violation,
        }
    return row


def markdown(rows: list[dict[str, Any]], notes: list[str], command: str, machine: str) -> str:
    peers = sorted({k for r in rows for k in r if k not in ("case", "size", "reference", "ours")})
    head = "| problem | size | ours s | ours gap | " + " | ".join(
        f"{p} s | {p} gap | {p}/ours" for p in peers
    )
    lines = [head + " |", "|" + "---|" * (4 + 3 * len(peers))]
    for r in rows:
        cells = [r["case"], r["size"], f"{r['ours']['seconds']:.3f}", _gap(r["ours"])]
        for p in peers:
            if p in r:
                ratio = r[p]["seconds"] / r["ours"]["seconds"]
                cells += [f"{r[p]['seconds']:.3f}", _gap(r[p]), f"{ratio:.2f}"]
            else:
                cells += ["–", "–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    out = [f"- command: `{command}`", f"- machine: {machine}", ""] + lines
    if notes:
        out += [""] + [f"- {n}" for n in dict.fromkeys(notes)]
    return "\n".join(out) + "\n"


def _gap(entry: dict[str, float]) -> str:
    text = f"{entry['gap']:.1e}"
    if entry["violation"] > 1e-8:
        text += f" (viol {entry['violation']:.0e})"
    return text


def machine_line() -> str:
    import os

    import torch

    from .machine import _cpu_model, code_version

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    code = code_version()
    return (
        f"{_cpu_model()}, {os.cpu_count()} logical cores, torch threads "
        f"{torch.get_num_threads()}, load average {load} (shared machine); commit "
        f"{code['commit'][:10]}, package diff {code['package_diff_sha1'][:10]}"
    )


def run(sizes: tuple[str, ...], repeats: int, skfolio: bool = True, only: str | None = None) -> str:
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for size in sizes:
        size_cases, size_notes = cases(size, skfolio)
        size_cases += lp_cases(size, load(size), skfolio, Case, only)  # LP measures
        notes += size_notes
        for case in size_cases:
            if only and only not in case.name:
                continue
            rows.append(run_case(case, repeats))
            print(_progress(rows[-1]), file=sys.stderr, flush=True)
    return rows, notes


def _progress(row: dict[str, Any]) -> str:
    parts = [
        f"{k} {v['seconds']:.3f}s gap {v['gap']:.1e}" for k, v in row.items() if isinstance(v, dict)
    ]
    return f"{row['size']} {row['case']}: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.everyday", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="sp500 only, 1 repeat, no file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", nargs="+", choices=SIZES + SMALL_SIZES, default=list(SIZES))
    parser.add_argument("--no-skfolio", action="store_true")
    parser.add_argument("--label", default="", help="a heading for the appended section")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--only", "--rows", default=None, help="run only the rows whose name has this"
    )
    args = parser.parse_args(argv)
    sizes = ("sp500",) if args.quick else tuple(args.sizes)
    repeats = 1 if args.quick else args.repeats
    rows, notes = run(sizes, repeats, skfolio=not args.no_skfolio, only=args.only)
    command = "python -m benchmarks.everyday " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = markdown(rows, notes, command.strip(), machine_line())
    if args.label:
        text = f"## {args.label}\n\n{text}"
    print(text)
    if not args.quick:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        prior = (
            path.read_text()
            if path.exists()
            else "# Everyday problems (issue 25)\n\n" + (__doc__ or "").split("\n\n")[1] + "\n"
        )
        path.write_text(prior + "\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
