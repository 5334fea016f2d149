"""The CVQP peer benchmark's scoring, checked against independent references (Clarabel).

A tiny problem (2,000 scenarios x 10 assets): the HiGHS max-return LP and the scoring
agree with ``solve_exact`` (cvxpy + Clarabel); a perturbed portfolio scores a positive
gap, one over the cap or with a short position scores a violation; then one end-to-end
comparison of both problems at one CVQP tolerance, written to markdown and JSON.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip(
    "cvqp", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)

from benchmarks.cvqp_compare import Options, _best_feasible, compare  # noqa: E402
from benchmarks.cvqp_problems import (  # noqa: E402
    ALPHA,
    DataSet,
    cvar,
    max_return_lp,
    score,
    student_t_factor_returns,
)
from benchmarks.cvqp_report import load_outcomes, merge, write_report  # noqa: E402
from benchmarks.cvqp_solvers import TOLERANCES, Answer, cvqp_runs  # noqa: E402
from portfolio_sgd.reference.exact import solve_exact  # noqa: E402


@pytest.fixture(scope="module")
def problem() -> tuple[np.ndarray, float, np.ndarray]:
    """Returns (2000, 10), a binding CVaR cap and Clarabel's minimum-CVaR portfolio."""
    r = student_t_factor_returns(2_000, 10, seed=5)
    low = solve_exact("cvar", r, alpha=ALPHA).weights
    top = np.eye(10)[int(r.mean(axis=0).argmax())]
    return r, 0.5 * (cvar(r, low) + cvar(r, top)), low


def test_max_return_lp_and_scoring_match_clarabel(problem) -> None:
    r, kappa, low = problem
    w, _, _ = max_return_lp(r, kappa)
    exact = solve_exact("max-return", r, max_cvar=kappa, alpha=ALPHA)
    best = float(r.mean(axis=0) @ exact.weights)
    assert abs(float(r.mean(axis=0) @ w) - best) <= 1e-6 * abs(best)
    s = score("max-return", r, w, best, 0.0, kappa)
    assert abs(s.gap) <= 1e-6 and s.violation <= 1e-6 and s.meets_bar
    worse = score("max-return", r, 0.8 * w + 0.2 * low, best, 0.0, kappa)
    assert worse.gap > 1e-3 and worse.violation <= 1e-9 and not worse.meets_bar
    top = np.eye(10)[int(r.mean(axis=0).argmax())]
    over = score("max-return", r, 0.5 * w + 0.5 * top, best, 0.0, kappa)
    assert over.cvar_over > 1e-3 and over.violation == over.cvar_over and not over.meets_bar
    short = w.copy()
    short[int(np.argmin(w))] -= 0.01
    short[int(np.argmax(w))] += 0.01
    s = score("max-return", r, short, best, 0.0, kappa)
    assert s.min_weight < -0.009 and s.violation >= 0.009 and s.budget < 1e-12


def test_mean_cvar_scoring_matches_clarabel(problem) -> None:
    r, _, low = problem
    exact = solve_exact("cvar", r, alpha=ALPHA, return_weight=5.0)
    f_star = float(-5.0 * (r @ exact.weights).mean()) + cvar(r, exact.weights)
    assert abs(score("cvar", r, exact.weights, f_star, 5.0, 0.0).gap) <= 1e-7
    assert score("cvar", r, 0.8 * exact.weights + 0.2 * low, f_star, 5.0, 0.0).gap > 1e-4
    s = score("cvar", r, 1.02 * exact.weights, f_star, 5.0, 0.0)
    assert s.budget == pytest.approx(0.02) and s.violation >= 0.02 and s.cvar_over is None


def test_cvqp_short_positions_are_reported(problem) -> None:
    r, kappa, _ = problem
    (answer,) = cvqp_runs(r, kappa, 30.0, TOLERANCES[:1])
    s = score("max-return", r, answer.weights, 1.0, 0.0, kappa)
    assert s.min_weight == float(answer.weights.min())
    assert s.violation >= max(-s.min_weight, s.budget)
    short = answer.weights.copy()  # a short position is scored as a violation
    j = int(short.argmin())
    short[j] -= 1e-3 + short[j]
    short[int(short.argmax())] += 1e-3
    s = score("max-return", r, short, 1.0, 0.0, kappa)
    assert s.min_weight == pytest.approx(-1e-3) and s.violation >= 1e-3 - 1e-15


def test_reference_without_the_lp_is_the_best_feasible_answer(problem) -> None:
    r, kappa, low = problem
    w, _, _ = max_return_lp(r, kappa)
    top = np.eye(10)[int(r.mean(axis=0).argmax())]
    mu_w = float(r.mean(axis=0) @ w)

    def answer(solver: str, weights: np.ndarray, tight: bool = False) -> Answer:
        return Answer(solver, "s", 1.0, weights, "", (0.0, 0.0), tight=tight)

    worse = 0.8 * w + 0.2 * low
    value, source = _best_feasible(
        r, kappa, [answer("portfolio-sgd", worse, True), answer("CVQP", w)]
    )
    assert value == pytest.approx(mu_w, rel=1e-12) and source.startswith("CVQP")
    over = 0.5 * w + 0.5 * top  # more return, over the cap: not a reference
    pool = [answer("portfolio-sgd", w, True), answer("CVQP", over)]
    value, source = _best_feasible(r, kappa, pool)
    assert value == pytest.approx(mu_w, rel=1e-12) and source.startswith("portfolio-sgd")


def test_both_problems_end_to_end(problem, tmp_path) -> None:
    r = problem[0]
    data = DataSet("student-t tiny", r, 5.0, "float64")
    options = Options(30.0, TOLERANCES[:1], 10**7)
    outcomes = [compare(p, data, options) for p in ("cvar", "max-return")]
    mean_cvar, max_ret = outcomes
    exact = solve_exact("cvar", r, alpha=ALPHA, return_weight=5.0)
    f_star = float(-5.0 * (r @ exact.weights).mean()) + cvar(r, exact.weights)
    assert mean_cvar.reference <= f_star + 1e-12 * abs(f_star)  # a valid lower bound
    assert [row["solver"] for row in mean_cvar.rows][-1] == "CVQP"
    lp = max_ret.rows[0]
    assert lp["solver"] == "HiGHS LP (reference)" and lp["relative_gap"] == 0.0
    ours = next(row for row in max_ret.rows if row["solver"] == "portfolio-sgd")
    assert ours["cvar_over_kappa"] <= 1e-9 and abs(ours["relative_gap"]) <= 1e-4
    for outcome in outcomes:
        assert set(outcome.summary) >= {"ours_seconds", "cvqp_seconds", "ratio_text"}
    write_report(tmp_path / "peer.md", outcomes, _header())
    text = (tmp_path / "peer.md").read_text()
    assert "Time to the bar" in text and "student-t tiny" in text
    payload = json.loads((tmp_path / "peer.json").read_text())
    assert len(payload["outcomes"]) == 2 and payload["outcomes"][1]["kappa"] > 0
    earlier = load_outcomes(tmp_path / "peer.md")  # --append: same (problem, data) replaced
    assert [o.to_dict() for o in earlier] == [o.to_dict() for o in outcomes]
    assert [o.problem for o in merge(earlier, outcomes[0])] == ["max-return", "cvar"]


def _header() -> dict[str, object]:
    return {
        "command": "test",
        "machine": {"cpu": "test"},
        "torch_threads": 1,
        "blas": "test",
        "load_start": 0.0,
        "cvqp_version": "test",
        "lp_max_elements": 10**7,
    }
