"""The early exact finish: try an objective's exact finish during the loop, stop once exact.

Full-data steps of the smoothing continuation are 78-86 % of a default CVaR run
(``benchmarks/results/cvar_profile.md``), while the exact finish (the tail LP of
:mod:`.cvar_polish`) is already exact many stages before the continuation reaches its
floor. So at the end of every smoothing stage with exact gradients the engine tries the
finish on the reported weights, with a small budget (a few LPs, a bounded window). When
every run's finish is a verified optimum of the full problem, the loop stops with
``stop_reason = "exact finish"``; otherwise the continuation goes on and the finish runs
again after the loop, with its full budget.

Attempts are spaced so that they cost at most about a third of the time: after an attempt
of ``a`` seconds the next one waits until the loop has stepped ``2 a`` more seconds. The
rule needs no per-size tuning: on small problems an LP costs milliseconds and is tried at
every stage; on large ones (many assets, wide windows) it is tried rarely.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from ..config import EngineConfig
from .cvar_polish import PolishOptions
from .polishing import polish_blocker, polish_final
from .problem import Problem

__all__ = ["ATTEMPT_OPTIONS", "EarlyFinish"]

ATTEMPT_OPTIONS = PolishOptions(max_rounds=4, max_window=4_000, time_limit=30.0)
"""The budget of one attempt: a few cutting-plane LPs on a bounded window."""

SPACING = 2.0
"""After an attempt of ``a`` seconds the next waits for ``SPACING * a`` seconds of steps."""


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
    attempts : int
    seconds : float
        Time spent in attempts.
    result : tuple or None
        ``(weights, objective, summary, polished)`` of the exact attempt.
    """

    problem: Problem | None
    config: EngineConfig
    every: int
    attempts: int = 0
    seconds: float = 0.0
    wait_until: float = 0.0
    stopped_at: int = 0
    result: tuple | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls, stepped: Problem, exact: Problem, config: EngineConfig, sharded: bool
    ) -> EarlyFinish:
        """The policy for a loop on ``stepped`` whose finish solves ``exact`` (off when
        sharded, disabled, or where ``stepped``'s runs have no finish)."""
        on = config.early_finish and not sharded and polish_blocker(stepped, config) is None
        return cls(exact if on else None, config, config.growth_every)

    def due(self, step: int, full: bool) -> bool:
        """Whether to try the finish after the evaluation at ``step``."""
        return (
            self.problem is not None
            and self.result is None
            and full
            and step % self.every == 0
            and time.perf_counter() >= self.wait_until
        )

    def attempt(
        self, step: int, weights: torch.Tensor, objective: torch.Tensor, lam: torch.Tensor | None
    ) -> bool:
        """Try the finish on ``weights`` (K, N) with objective (K,); True when every run is
        a verified optimum (then ``result`` holds the finished weights)."""
        assert self.problem is not None
        began = time.perf_counter()
        dtype = self.problem.returns.dtype
        finished = polish_final(
            self.problem,
            self.config,
            weights.detach().to(dtype),
            objective.detach().to(dtype),
            lam,
            ATTEMPT_OPTIONS,
        )
        spent = time.perf_counter() - began
        self.attempts += 1
        self.seconds += spent
        self.wait_until = time.perf_counter() + SPACING * spent
        if all(finished[3]):
            self.result, self.stopped_at = finished, step
            return True
        return False

    def describe(self) -> str:
        """A suffix for the finish's summary: where and at what cost it ran early."""
        if self.attempts == 0:
            return ""
        where = f"at step {self.stopped_at}" if self.result is not None else "not exact"
        return f"; early finish {where} ({self.attempts} tries, {self.seconds:.2f} s)"
