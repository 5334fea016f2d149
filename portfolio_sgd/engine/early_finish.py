"""The early exact finish: try an objective's exact finish during the loop, stop once exact.

Full-data steps of the smoothing continuation are 78-86 % of a default CVaR run
(``benchmarks/results/cvar_profile.md``), while the exact finish (the tail LP of
:mod:`.cvar_polish`) is already exact many stages before the continuation reaches its
floor. So at the end of every smoothing stage with exact gradients the engine tries the
finish on the reported weights, with a small budget (a few LPs, a bounded window). When
every run's finish is a verified optimum of the full problem, the loop stops with
``stop_reason = "exact finish"``; otherwise the continuation goes on and the finish runs
again after the loop, with its full budget.

Attempts are spaced by counted work, never by the clock, so the same command takes the
same path (and returns bitwise the same weights) on a loaded machine as on a quiet one.
Work is counted in multiply-adds: a mini-batch step costs ``STEP_OVERHEAD + m N`` per run
(the fixed part is what a small step costs beyond its arithmetic: Python, kernel launches,
the projection), an evaluation ``T N``; an attempt costs what it did (CVaR, per LP: a
fixed ``LP_OVERHEAD``, ``(W + N) W N`` for a simplex over a window of ``W`` rows and ``T N``
for the verification pass; the QP finish: ``T N^2`` for the covariance plus its counted
active-set work). After an attempt of work ``a`` the next
waits until the loop has done ``SPACING * a`` more work.

Objectives whose finish is the exact QP on the moment matrix (min-variance,
mean-variance: :mod:`.qp_finish`) are not tied to smoothing stages. Their finish is tried
before the first step when its predicted work (``T N^2``, unless the loop forms that
matrix anyway, plus ``K N^3``) is at most what the loop must still do before its
tolerance test can pass (two evaluation periods of exact steps and three evaluations);
otherwise at the first evaluation where the loop's work reaches the prediction (rent
until the purchase would have paid). On everyday sizes (tens of assets, thousands of days)
the loop then takes no step at all.

Measures whose finish is an LP over the whole data (``whole_data_lp``: CVaR, the
drawdowns, worst realisation, MAD, LPM) are tried before the first step by the same
comparison: the LP's counted work (``LP_OVERHEAD + (T + N) T N + T N`` per run, the count of
an in-loop attempt over a window of all ``T`` rows) against the loop's work before its first
in-loop attempt (a smoothing stage of steps and its evaluations), plus the LP itself where
the finish after the loop is that same LP whatever the start (``finish_from_any_start``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..measures.kernels.cvar_polish import PolishOptions
from ..measures.quadratic import uses_quadratic_form
from ..measures.registry import get_measure
from .config import EngineConfig
from .polishing import polish_blocker, polish_with_rows
from .problem import Problem

__all__ = ["ATTEMPT_OPTIONS", "EarlyFinish"]

ATTEMPT_OPTIONS = PolishOptions(max_rounds=4, max_window=4_000)
"""The budget of one attempt: a few cutting-plane LPs on a bounded window, each with a
counted iteration limit (no clock limit)."""

SPACING = 2.0
"""After an attempt of work ``a`` the next waits for ``SPACING * a`` of the loop's work."""

STEP_OVERHEAD = 8_000_000
"""Multiply-add equivalents of a step's fixed cost: about 0.5 ms of one CPU core (issue
25's profile of everyday steps), the time of ~8e6 multiply-adds in a BLAS-3 product."""

LP_OVERHEAD = 20 * STEP_OVERHEAD
"""Multiply-add equivalents of one LP call's fixed cost (scipy's HiGHS wrapper, ~10 ms)."""


def step_work(n_runs: int, rows: int, n_assets: int) -> float:
    """Counted work of one step of K runs on ``rows`` rows each (both products)."""
    return STEP_OVERHEAD + 2.0 * n_runs * rows * n_assets


@dataclass
class EarlyFinish:
    """When to try the exact finish inside the loop, and its outcome.

    Parameters
    ----------
    problem : Problem or None
        The problem the finish solves (the float64 one when the loop runs a float32
        phase, see :mod:`.precision`); None: no early finish.
    config : EngineConfig
    every : int
        Steps per smoothing stage (attempts happen at stage ends).
    quadratic : bool
        The finish is the moment-matrix QP (tried at any evaluation, and before the first
        step when that is predicted cheaper).
    attempts : int
    work : float
        Counted work of the attempts (multiply-adds).
    loop_work : float
        Counted work of the loop's steps and evaluations so far.
    wait_until : float
        The loop work at which the next attempt is due.
    result : tuple or None
        ``(weights, objective, summary, polished)`` of the exact attempt.
    whole_data : object or None
        The measure whose finish is one LP over the whole data (its ``whole_data_lp``),
        tried before the first step where predicted cheaper; None: none.
    """

    problem: Problem | None
    config: EngineConfig
    every: int
    quadratic: bool = False
    attempts: int = 0
    work: float = 0.0
    loop_work: float = 0.0
    wait_until: float = 0.0
    stopped_at: int = 0
    result: tuple | None = field(default=None, repr=False)
    whole_data: object | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls, stepped: Problem, exact: Problem, config: EngineConfig, sharded: bool
    ) -> EarlyFinish:
        """The policy for a loop on ``stepped`` whose finish solves ``exact`` (off when
        sharded, disabled, or where ``stepped``'s runs have no finish)."""
        on = config.early_finish and not sharded and polish_blocker(stepped, config) is None
        quadratic = bool(exact.spec.impl.is_quadratic)
        early = cls(exact if on else None, config, config.growth_every, quadratic)
        if on and quadratic:
            early.wait_until = early.predicted_work(1)
        name = getattr(exact.spec.impl, "measure", None)
        if on and not quadratic and name is not None and get_measure(name).whole_data_lp:
            early.whole_data = get_measure(name)
        return early

    def predicted_work(self, n_runs: int) -> float:
        """The QP finish's predicted work: ``T N^2`` (unless the loop forms the moment
        matrix anyway) plus ``K N^3``."""
        assert self.problem is not None
        t, n = self.problem.n_rows, self.problem.n_assets
        moments = 0.0 if uses_quadratic_form(self.problem.spec, t, n) else float(t) * n * n
        return moments + n_runs * float(n) ** 3

    def due_at_start(self, n_runs: int, max_steps: int | None) -> bool:
        """Whether to try the QP finish before the first step: its predicted work is at most
        what the loop must still do before the tolerance test can pass (a whole-data LP
        finish: :meth:`lp_due_at_start`)."""
        if self.whole_data is not None:
            return self.lp_due_at_start(n_runs, max_steps)
        if self.problem is None or not self.quadratic or self.config.tol is None:
            return False
        t, n = self.problem.n_rows, self.problem.n_assets
        exact_step = n * n if uses_quadratic_form(self.problem.spec, t, n) else 2 * t * n
        steps = 2 * self.config.eval_every
        if max_steps is not None:
            steps = min(steps, max_steps)
        needed = steps * (STEP_OVERHEAD + n_runs * exact_step) + 3 * n_runs * t * n
        return self.predicted_work(n_runs) <= needed

    def lp_work(self, n_runs: int) -> float:
        """The whole-data LP finish's predicted work: per run, one LP over all ``T`` rows
        counted as an in-loop attempt's (:meth:`attempt_work`)."""
        assert self.problem is not None
        t, n = float(self.problem.n_rows), float(self.problem.n_assets)
        return n_runs * (LP_OVERHEAD + (t + n) * t * n + t * n)

    def lp_due_at_start(self, n_runs: int, max_steps: int | None) -> bool:
        """Whether to try the whole-data LP before the first step: its predicted work is at
        most the loop's before its first in-loop attempt (a stage of steps at their fixed
        cost and the stage's evaluations), plus the LP where the finish after the loop is
        that same LP (``finish_from_any_start``)."""
        if self.problem is None or self.whole_data is None or self.config.tol is None:
            return False
        steps = self.every if max_steps is None else min(self.every, max_steps)
        t, n = self.problem.n_rows, self.problem.n_assets
        evaluations = steps // self.config.eval_every
        needed = steps * STEP_OVERHEAD + evaluations * (STEP_OVERHEAD + n_runs * float(t) * n)
        predicted = self.lp_work(n_runs)
        if getattr(self.whole_data, "finish_from_any_start", False):
            needed += predicted
        return predicted <= needed

    def start_options(self) -> object:
        """The options of the attempt before the first step: the measure's whole-data LP,
        else the in-loop budget."""
        if self.whole_data is None or self.problem is None:
            return ATTEMPT_OPTIONS
        return self.whole_data.whole_data_options(self.problem.n_rows)  # type: ignore[attr-defined]

    def count_step(self, sizes: list[int]) -> None:
        """Add one step of the loop (batch sizes per run) to the counted work."""
        if self.problem is not None:
            n_rows, n = self.problem.n_rows, self.problem.n_assets
            rows = sum(min(int(m), n_rows) for m in sizes)
            self.loop_work += STEP_OVERHEAD + 2.0 * rows * n

    def count_evaluation(self, n_runs: int) -> None:
        """Add one full-data evaluation of K runs to the counted work."""
        if self.problem is not None:
            self.loop_work += (
                STEP_OVERHEAD + float(n_runs) * self.problem.n_rows * self.problem.n_assets
            )

    def due(self, step: int, full: bool) -> bool:
        """Whether to try the finish after the evaluation at ``step``."""
        if self.problem is None or self.result is not None or self.loop_work < self.wait_until:
            return False
        if self.quadratic:  # a fixed budget (no tolerance) runs its steps, then the finish
            return self.config.tol is not None
        return full and step % self.every == 0

    def attempt(
        self,
        step: int,
        weights: torch.Tensor,
        objective: torch.Tensor,
        lam: torch.Tensor | None,
        options: object = ATTEMPT_OPTIONS,
    ) -> bool:
        """Try the finish on ``weights`` (K, N) with objective (K,) and the finish's
        ``options``; True when every run is a verified optimum (then ``result`` holds the
        finished weights)."""
        assert self.problem is not None
        dtype = self.problem.returns.dtype
        finished = polish_with_rows(
            self.problem,
            self.config,
            weights.detach().to(dtype),
            objective.detach().to(dtype),
            lam,
            options,
        )
        spent = self.attempt_work(finished[4])
        self.attempts += 1
        self.work += spent
        self.wait_until = self.loop_work + SPACING * spent
        finished = finished[:4]
        if all(finished[3]):
            self.result, self.stopped_at = finished, step
            return True
        return False

    def attempt_work(self, rows: list) -> float:
        """Counted work of one attempt from its per-run reports."""
        assert self.problem is not None
        t, n = self.problem.n_rows, self.problem.n_assets
        total = 0.0
        for row in rows:
            if getattr(row, "kind", "") == "QP":
                total += float(row.work) + float(n) ** 2
            else:  # per LP: its call, a simplex over the window, one verification pass
                w = float(row.window_rows)
                total += int(row.rounds) * (LP_OVERHEAD + (w + n) * w * n + float(t) * n)
        if rows and getattr(rows[0], "kind", "") == "QP":
            total += float(t) * n * n  # the covariance
        return max(total, STEP_OVERHEAD)

    def describe(self) -> str:
        """A suffix for the finish's summary: where and at what counted cost it ran early."""
        if self.attempts == 0:
            return ""
        where = f"at step {self.stopped_at}" if self.result is not None else "not exact"
        return f"; early finish {where} ({self.attempts} tries, {self.work:.3g} multiply-adds)"
