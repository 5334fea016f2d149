"""One (problem, data set) of the CVQP peer comparison: run, find the reference, score.

:func:`compare` runs our default setting (and the tight one where the default misses the
bar, or where the reference needs it), CVQP at each tolerance and, for max-return where
``T N`` is small enough, the HiGHS LP; then scores every answer against the best known
optimum and summarises the time each solver needed to reach the bar.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .cvqp_problems import (
    BAR_VIOLATION,
    LP_MAX_ELEMENTS,
    DataSet,
    binding_kappa,
    clip_to_simplex,
    cvar,
    mean_cvar_value,
    score,
)
from .cvqp_solvers import (
    TOLERANCES,
    Answer,
    cvqp_runs,
    default_config,
    highs_reference,
    ours_cvar,
    ours_max_return,
    tight_config,
)


@dataclass
class Options:
    """Settings of a comparison: CVQP's time limit and tolerances, the LP size cap, and
    whether our tight run may be used (``tight=False``: never; the max-return reference
    without the LP is then the best of our default run and CVQP's tightest)."""

    cvqp_time_limit: float = 600.0
    tolerances: tuple[tuple[float, float], ...] = TOLERANCES
    lp_max_elements: int = LP_MAX_ELEMENTS
    tight: bool = True


@dataclass
class Outcome:
    """A compared (problem, data set): reference, kappa, scored rows and the summary."""

    problem: str
    data: str
    shape: tuple[int, int]
    reference: float
    reference_note: str
    kappa: float | None
    rows: list[dict[str, Any]]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def compare(problem: str, data: DataSet, options: Options) -> Outcome:
    """Run every solver on ``problem`` ("cvar" or "max-return") for ``data``, scored."""
    if problem == "cvar":
        answers, reference, ref_note, kappa = _mean_cvar(data, options)
    else:
        answers, reference, ref_note, kappa = _max_return(data, options)
    rows = [_row(problem, data, a, reference, kappa) for a in answers]
    summary = _summary(rows, options.cvqp_time_limit)
    return Outcome(problem, data.name, data.r.shape, reference, ref_note, kappa, rows, summary)


def _mean_cvar(data: DataSet, options: Options) -> tuple[list[Answer], float, str, float]:
    """Mean-CVaR: ours (default, tight if needed), then CVQP at ``kappa = CVaR(best)``."""
    answers = [ours_cvar(data, default_config(data.dtype), f"{data.dtype}, defaults")]
    lower = answers[0].bound
    first = score("cvar", data.r, answers[0].weights, lower, data.lam, 0.0)
    if options.tight and not first.meets_bar:
        answers.append(ours_cvar(data, tight_config(), "float64, tight", tight=True))
        lower = max(lower, answers[-1].bound)
    best = min(answers, key=lambda a: mean_cvar_value(data.r, clip_to_simplex(a.weights), data.lam))
    kappa = cvar(data.r, clip_to_simplex(best.weights))
    met = functools.partial(_meets, "cvar", data, float(lower), 0.0)
    answers += cvqp_runs(data.r, kappa, options.cvqp_time_limit, options.tolerances, met)
    runs = "default and tight runs" if any(a.tight for a in answers) else "default run"
    note = (
        f"certified lower bound on f* (the tail LP's dual bound of our {runs}); "
        f"CVQP's kappa = CVaR of our best answer = {kappa:.6g}"
    )
    return answers, float(lower), note, kappa


def _max_return(data: DataSet, options: Options) -> tuple[list[Answer], float, str, float]:
    """Max-return under ``CVaR <= kappa``: the LP (small), ours, CVQP; the reference."""
    r = data.r
    kappa, c_min, c_top = binding_kappa(r)
    answers: list[Answer] = []
    use_lp = r.shape[0] * r.shape[1] <= options.lp_max_elements
    if use_lp:
        answers.append(highs_reference(r, kappa))
    default = ours_max_return(data, kappa, default_config(data.dtype), f"{data.dtype}, defaults")
    answers.append(default)
    lp_value = float((r @ clip_to_simplex(answers[0].weights)).mean()) if use_lp else None
    exact = "exact finish" in default.note  # our answer is the verified capped-LP optimum
    if lp_value is None and exact:
        lp_value = float((r @ clip_to_simplex(default.weights)).mean())
    needed = lp_value is None or not _meets("max-return", data, lp_value, kappa, default.weights)
    if options.tight and needed:  # the default misses the bar, or the reference needs it
        answers.append(ours_max_return(data, kappa, tight_config(), "float64, tight", tight=True))
    # the reference without the LP needs CVQP's tightest run: then every tolerance runs
    met = None
    if lp_value is not None:
        met = functools.partial(_meets, "max-return", data, lp_value, kappa)
    answers += cvqp_runs(r, kappa, options.cvqp_time_limit, options.tolerances, met)
    span = f"kappa = {kappa:.6g}, halfway between min CVaR {c_min:.6g} and best asset {c_top:.6g}"
    upper = -max(a.bound for a in answers if a.bound is not None)  # certified mu.w* <= upper
    if lp_value is not None:
        source = "HiGHS LP optimum" if use_lp else "our exact finish (capped tail LP, verified)"
        note = f"{source} mu.w* = {lp_value:.10g} (certified <= {upper:.10g} by our runs)"
        return answers, lp_value, f"{note}; {span}", kappa
    value, source = _best_feasible(r, kappa, answers)
    note = (
        f"best feasible answer ({source}): mu.w = {value:.10g}; certified mu.w* <= "
        f"{upper:.10g} (relative {(upper - value) / abs(value):.1e} above it); {span}"
    )
    return answers, value, note, kappa


def _meets(problem: str, data: DataSet, reference: float, kappa: float, w: np.ndarray) -> bool:
    """Whether weights ``w`` meet the bar against ``reference``."""
    return score(problem, data.r, w, reference, data.lam, kappa).meets_bar


def _best_feasible(r: np.ndarray, kappa: float, answers: list[Answer]) -> tuple[float, str]:
    """The largest ``mu.w`` (clipped) among our tight run (else our default run) and
    CVQP's tightest run that meet the violation bar (ours if none does)."""
    cvqp = [a for a in answers if a.solver == "CVQP"]
    ours = [a for a in answers if a.tight] or [a for a in answers if a.solver == "portfolio-sgd"]
    pool = ours + cvqp[-1:]
    best, source = -np.inf, ""
    for a in pool:
        s = score("max-return", r, a.weights, 1.0, 0.0, kappa)
        if s.violation <= BAR_VIOLATION and s.value > best:
            best, source = s.value, f"{a.solver}, {a.setting}"
    if not np.isfinite(best):
        best = score("max-return", r, ours[-1].weights, 1.0, 0.0, kappa).value
        source = f"none met the violation bar: ours, {ours[-1].setting}"
    return float(best), source


def _row(problem: str, data: DataSet, a: Answer, reference: float, kappa: float) -> dict:
    """One table row: the answer scored against the reference."""
    s = score(problem, data.r, a.weights, reference, data.lam, kappa)
    return {
        "problem": problem,
        "data": data.name,
        "solver": a.solver,
        "setting": a.setting,
        "seconds": a.seconds,
        "relative_gap": s.gap,
        "violation": s.violation,
        "budget_violation": s.budget,
        "min_weight": s.min_weight,
        "cvar_over_kappa": s.cvar_over,
        "meets_bar": s.meets_bar,
        "value": s.value,
        "timed_out": a.timed_out,
        "load_start": a.load[0],
        "load_end": a.load[1],
        "note": a.note,
    }


def _summary(rows: list[dict[str, Any]], time_limit: float) -> dict[str, Any]:
    """Seconds to the bar: our fastest run and CVQP's fastest setting that meet it."""

    def fastest(solver: str) -> float | None:
        met = [r["seconds"] for r in rows if r["solver"] == solver and r["meets_bar"]]
        return min(met) if met else None

    ours, peer = fastest("portfolio-sgd"), fastest("CVQP")
    cvqp_rows = [r for r in rows if r["solver"] == "CVQP"]
    longest = max((r["seconds"] for r in cvqp_rows), default=0.0)
    timed_out = any(r["timed_out"] for r in cvqp_rows)
    ratio = peer / ours if ours and peer else None
    if ratio is not None:
        ratio_text = f"{ratio:.2f}"
    elif ours and timed_out:
        ratio_text = f"> {longest / ours:.2f}"
    elif ours and cvqp_rows:
        ratio_text = "CVQP misses the bar at every tolerance"
    else:
        ratio_text = "n/a (ours misses the bar)" if cvqp_rows else "n/a"
    return {
        "ours_seconds": ours,
        "cvqp_seconds": peer,
        "cvqp_longest_seconds": longest,
        "cvqp_timed_out": timed_out,
        "cvqp_time_limit": time_limit,
        "ratio": ratio,
        "ratio_text": ratio_text,
    }
