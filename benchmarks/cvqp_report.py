"""The CVQP peer comparison's report: markdown and JSON, written together, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .cvqp_compare import Outcome

PROBLEM_TITLES = {
    "cvar": "mean-CVaR, min -lam mu.w + CVaR_0.95(-R w)",
    "max-return": "max-return, max mu.w s.t. CVaR_0.95(-R w) <= kappa",
}

SCORING = """\
Both problems on the long-only simplex. Every answer is clipped to the simplex
(max(w, 0), rescaled) and scored by one exact float64 evaluation.

- **Relative gap** to the best known optimum (positive = worse). Mean-CVaR:
  (f(w) - LB) / |LB| with LB the certified lower bound on f* of our run(s) (the tail LP's
  dual bound), so it is a proven upper bound on the true relative gap. Max-return:
  (mu.w* - mu.w) / |mu.w*| with mu.w* the HiGHS LP optimum (Rockafellar-Uryasev form)
  where T x N <= {lp_max:,}, else the best feasible answer of our long, tight run and CVQP
  at its tightest tolerance (the reference line of each section says which).
- **Violation**: the largest of |sum w - 1| and the most negative weight (both before
  clipping) and, for max-return, (CVaR - kappa) / kappa after clipping. For mean-CVaR
  CVQP's own cap kappa (the CVaR of our best answer) is not a constraint of the problem:
  its excess is shown, and already priced in f.
- **Bar**: gap <= 1e-4 and violation <= 1e-6. Time to the bar: our fastest run meeting it
  (the defaults; a float64 tight run too where the defaults miss it or the reference
  needs it) and CVQP's fastest tolerance meeting it. ADMM's path does not depend on the
  tolerance (a tighter setting walks the same iterates and stops later), so after a
  setting meets the bar or stops at the time limit the tighter ones are not run (except
  where CVQP's tightest answer is part of the max-return reference).
- Seconds are the solver call alone (data already in the solver's form), after one
  warm-up of every solver on a tiny problem. Load: 1-minute load average before / after
  the call (compare within a row; absolute times swing with outside load).
"""


def _num(v: float | None, fmt: str = ".1e") -> str:
    return "—" if v is None else format(v, fmt)


def summary_table(outcomes: list[Outcome]) -> list[str]:
    """The time-to-bar table, one row per (problem, data set)."""
    lines = [
        "| problem | data | portfolio-sgd: s to bar | CVQP: s to bar | CVQP / ours |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        s = o.summary
        ours = _num(s["ours_seconds"], ".2f") if s["ours_seconds"] else "not met"
        if s["cvqp_seconds"] is not None:
            peer = f"{s['cvqp_seconds']:.2f}"
        else:
            longest = s["cvqp_longest_seconds"]
            if s["cvqp_timed_out"]:
                peer = f"not met within {longest:.1f} s (time limit)"
            else:
                peer = f"not met at any tolerance (the tightest stopped at {longest:.1f} s)"
        lines.append(f"| {o.problem} | {o.data} | {ours} | {peer} | {s['ratio_text']} |")
    return lines


def detail_table(o: Outcome) -> list[str]:
    """One section: the reference and every solver call, scored."""
    lines = [
        f"### {o.problem}: {o.data} ({o.shape[1]} assets x {o.shape[0]:,} scenarios)",
        "",
        f"Reference: {o.reference_note}.",
        "",
        "| solver | setting | seconds | relative gap | violation | sum w - 1 | min weight | "
        "CVaR over kappa | meets bar | load | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in o.rows:
        lines.append(
            f"| {r['solver']} | {r['setting']} | {r['seconds']:.2f} | {r['relative_gap']:.1e} "
            f"| {r['violation']:.1e} | {r['budget_violation']:.1e} | {r['min_weight']:.1e} | "
            f"{_num(r['cvar_over_kappa'])} | {'yes' if r['meets_bar'] else 'no'} | "
            f"{r['load_start']:.1f} / {r['load_end']:.1f} | {r['note']} |"
        )
    return lines + [""]


def markdown(outcomes: list[Outcome], header: dict[str, Any]) -> str:
    """The whole report."""
    m = header["machine"]
    lines = [
        "# portfolio-sgd vs CVQP (scenario CVaR, alpha = 0.95, long-only simplex)",
        "",
        f"Command: `{header['command']}`",
        "",
        f"Machine: {m.get('cpu')}, {m.get('logical_cores')} logical cores, "
        f"{m.get('ram_gb')} GB. portfolio-sgd: torch threads {header['torch_threads']}; "
        f"CVQP: numpy/scipy on the same cores ({header['blas']}). Load average "
        f"{header['load_start']:.1f} at the start, {os.getloadavg()[0]:.1f} at this write. "
        f"cvqp {header['cvqp_version']}, code {m.get('code', {}).get('commit', '?')[:10]}.",
        "",
        SCORING.format(lp_max=header["lp_max_elements"]),
        "## Time to the bar (gap <= 1e-4, violation <= 1e-6)",
        "",
        *summary_table(outcomes),
        "",
        "## Every call",
        "",
    ]
    for title, text in PROBLEM_TITLES.items():
        lines.append(f"- {title}: {text}")
    lines.append("")
    for o in outcomes:
        lines += detail_table(o)
    return "\n".join(lines)


def write_report(out: str | Path, outcomes: list[Outcome], header: dict[str, Any]) -> None:
    """Write the markdown to ``out`` and the JSON next to it (``.json``), atomically together."""
    from portfolio_sgd.utils.atomic import atomic_files

    out = Path(out)
    payload = {**header, "outcomes": [o.to_dict() for o in outcomes]}
    with atomic_files([out, out.with_suffix(".json")]) as (md_tmp, json_tmp):
        md_tmp.write_text(markdown(outcomes, header))
        json_tmp.write_text(json.dumps(payload, indent=1, default=_jsonable) + "\n")


def load_outcomes(out: str | Path) -> list[Outcome]:
    """The outcomes of an earlier report's JSON (next to ``out``); none if it is missing."""
    path = Path(out).with_suffix(".json")
    if not path.exists():
        return []
    payload = json.loads(path.read_text())
    return [Outcome(**{**o, "shape": tuple(o["shape"])}) for o in payload["outcomes"]]


def merge(earlier: list[Outcome], new: Outcome) -> list[Outcome]:
    """``earlier`` with ``new`` added, replacing an outcome of the same (problem, data)."""
    kept = [o for o in earlier if (o.problem, o.data) != (new.problem, new.data)]
    return kept + [new]


def _jsonable(v: Any) -> Any:
    """numpy scalars and tuples for ``json.dumps``."""
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(f"not JSON-serialisable: {type(v)}")
