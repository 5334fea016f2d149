"""The batch-size sweep's runs: its step schedule and one engine call for all of them.

See :mod:`portfolio_sgd.estimation.batch_size.sweep` for the phases (burn-in, stationary window, tail
average) the schedule fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...api import optimize_many, settings_from_options
from ...errors import ConfigError
from .checks import check_lr, check_steps, require_relaxation
from .problem import RiskProblem, plain_sgd_options


@dataclass(frozen=True)
class SweepPlan:
    """The sweep's grid and step schedule: ``seeds`` runs per batch size at one constant step.

    ``steps`` is a multiple of ``eval_every``; the burn-in is the first quarter of the
    steps, the stationary window the steps ``(burn_in, avg_start]``.
    """

    sizes: list[int]
    seeds: int
    lr: float
    steps: int
    eval_every: int

    @property
    def burn_in(self) -> int:
        """Steps discarded before the stationary window (the first quarter)."""
        return self.steps // 4

    @property
    def avg_start(self) -> int:
        """Last step of the stationary window; the iterate is averaged after it."""
        return self.steps // 2


@dataclass(frozen=True)
class SweepRuns:
    """The sweep's runs as (M, S, ...) arrays (M batch sizes, S seeds); excess over f(w*).

    ``last`` and ``avg`` (M, S, N) are the last and tail-averaged iterates, ``window``
    (E, M, S) the excess objective at the E evaluations of the stationary window,
    ``f_last`` and ``f_avg`` (M, S) the excess objective of ``last`` and ``avg``.
    """

    last: np.ndarray
    avg: np.ndarray
    window: np.ndarray
    f_last: np.ndarray
    f_avg: np.ndarray
    device: str
    wall_time: float


def plan_sweep(
    problem: RiskProblem,
    sizes: list[int],
    seeds: int,
    lr: float | None,
    steps: int | None,
    draws: int,
) -> SweepPlan:
    """Check draws, steps and step size; fix the step count; refuse a too-short burn-in.

    The step count defaults to :meth:`RiskProblem.stationary_steps` and is rounded up to
    a multiple of ``eval_every`` (1/100 of it), at least 4 evaluations.
    """
    if draws < 1:
        raise ConfigError(f"draws must be at least 1, got {draws}")
    check_steps(steps)
    eta = check_lr(lr, problem)
    n_steps = int(steps) if steps is not None else problem.stationary_steps(eta)
    eval_every = max(1, n_steps // 100)
    n_steps = max(eval_every * 4, eval_every * (-(-n_steps // eval_every)))
    plan = SweepPlan(sizes=sizes, seeds=int(seeds), lr=eta, steps=n_steps, eval_every=eval_every)
    require_relaxation(
        plan.burn_in,
        problem,
        eta,
        what=f"the burn-in (first quarter of {n_steps} steps)",
        steps_per_burn_in=4,
        default_steps=steps is None,
    )
    return plan


def run_sweep(problem: RiskProblem, plan: SweepPlan, engine: dict[str, object]) -> SweepRuns:
    """All runs in one engine call (plain SGD, tail averaging); ``engine``: sampling, seed,
    device, dtype, progress."""
    settings = settings_from_options(
        dict(
            **problem.options(),
            **plain_sgd_options(lr=plan.lr, steps=plan.steps),
            averaging="tail",
            tail_fraction=0.5,
            eval_every=plan.eval_every,
            **engine,
        )
    )
    res = optimize_many(
        problem.train,
        *settings,
        batch_sizes=plan.sizes,
        repeats=plan.seeds,
        benchmark=problem.benchmark,
        certify_runs=False,  # stationary noisy SGD by design: the study measures it
    )
    n_m, n_s = len(plan.sizes), plan.seeds
    last = res.last_weights.to_numpy(dtype=np.float64).reshape(n_m, n_s, -1)
    avg = res.weights.to_numpy(dtype=np.float64).reshape(n_m, n_s, -1)
    window = [h for h in res.history if plan.burn_in < int(h["step"]) <= plan.avg_start]
    window_obj = np.asarray([h["objective"] for h in window], dtype=np.float64)  # (E, K)
    return SweepRuns(
        last=last,
        avg=avg,
        window=(window_obj - problem.f_star).reshape(-1, n_m, n_s),
        f_last=problem.objective(last.reshape(n_m * n_s, -1)).reshape(n_m, n_s) - problem.f_star,
        f_avg=problem.objective(avg.reshape(n_m * n_s, -1)).reshape(n_m, n_s) - problem.f_star,
        device=res.device,
        wall_time=res.wall_time,
    )
