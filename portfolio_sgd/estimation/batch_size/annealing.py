"""Batch-size annealing: constant m against growing-m schedules at an equal sample budget.

Schedules (see :mod:`portfolio_sgd.engine.schedules`): ``constant`` (m_0, step eta),
``log-growth`` (m_0 (1 + c log(1 + k)), step eta), ``geometric`` (doubling every
``growth_every`` steps, step eta) and ``linear-scaling`` (geometric growth with the step
coupled to the batch, eta_k proportional to m_k, ending at eta). Every schedule processes
the same number of samples (``epochs * T``); one engine call per schedule optimises all
its seeds together as one (K, N) tensor, from the engine's default start (equal weights),
with plain SGD otherwise. The plot is the excess objective against samples processed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...api import optimize_many, settings_from_options
from ...engine.schedules import BatchSchedule, batch_growth_factor, batch_sizes_at, parse_enum
from ...errors import ConfigError
from ...results import BatchResult
from .checks import (
    check_lr,
    check_steps,
    drift_note,
    finite_note,
    relaxation_steps,
    require_relaxation,
    stability_note,
)
from .noise import gradient_variance
from .problem import RiskProblem, plain_sgd_options, study_problem
from .report import StudyReport

SCHEDULES = ("constant", "log-growth", "geometric", "linear-scaling")


def final_growth_factor(
    schedule: str, m0: int, budget: int, n_rows: int, growth: float, every: int
) -> float:
    """The growth factor a schedule reaches when ``budget`` samples have been processed."""
    sched = parse_enum(BatchSchedule, schedule, "batch schedule")
    samples, step, factor = 0, 0, 1.0
    while samples < budget:
        factor = batch_growth_factor(sched, step, growth, every)
        samples += batch_sizes_at([m0], factor, n_rows)[0]
        step += 1
    return factor


def annealing_study(
    returns: pd.DataFrame,
    *,
    objective: str = "min-variance",
    batch_size: int = 8,
    seeds: int = 8,
    lr: float | None = None,
    epochs: float | None = None,
    steps: int | None = None,
    schedules: Sequence[str] = SCHEDULES,
    growth: float = 2.0,
    log_growth: float = 1.0,
    growth_every: int | None = None,
    sampling: str = "replacement",
    benchmark: pd.Series | np.ndarray | None = None,
    seed: int = 0,
    device: str = "auto",
    dtype: str = "float64",
    progress: bool = False,
    problem: RiskProblem | None = None,
    **problem_options: object,
) -> StudyReport:
    """Compare final error per samples processed for constant and growing batch sizes.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    objective : str
    batch_size : int
        Initial batch size m_0 of every schedule.
    seeds : int
        Runs per schedule (S >= 2).
    lr : float, optional
        Step size (default ``0.5 / L``); the linear-scaling schedule ends at it.
    epochs : float, optional
        Sample budget in passes over the data; default: what constant m_0 needs for the
        stationary step count of :meth:`RiskProblem.stationary_steps`.
    steps : int, optional
        The budget as steps of the constant schedule (``steps * m_0`` samples); exclusive
        with ``epochs``. Either way the constant schedule must run at least one
        relaxation time ``1 / (eta mu)``, or the study is refused.
    schedules : sequence of str
    growth : float
        Geometric ratio per stage.
    log_growth : float
        ``c`` of the log-growth schedule.
    growth_every : int, optional
        Steps per geometric stage; default 1/16 of the constant schedule's steps.
    sampling, benchmark, seed, device, dtype, progress, problem, **problem_options
        As for :func:`~portfolio_sgd.estimation.batch_size.batch_size_sweep`.

    Returns
    -------
    StudyReport
        Rows per schedule: ``schedule``, ``lr`` (initial), ``final_batch_size``,
        ``steps``, ``samples``, ``excess_objective`` (final, mean over seeds),
        ``weight_dispersion``, ``wall_time``; ``curves`` holds the mean excess objective
        against samples processed.
    """
    start = time.perf_counter()
    m0 = int(batch_size)
    problem = study_problem(returns, problem, [m0], seeds, objective, benchmark, problem_options)
    for name in schedules:
        parse_enum(BatchSchedule, name, "batch schedule")
    budget = _budget(problem, m0, lr, epochs, steps, growth_every)
    engine = dict(sampling=sampling, seed=seed, device=device, dtype=dtype, progress=progress)
    outcomes = [
        _run_schedule(problem, name, budget, m0, int(seeds), growth, log_growth, engine)
        for name in schedules
    ]
    notes = [stability_note(problem, budget.lr), *(n for _, _, ns in outcomes for n in ns)]
    settings = _settings(budget, m0, int(seeds), growth, log_growth)
    table = pd.DataFrame([row for row, _, _ in outcomes])
    curves = [curve for _, curve, _ in outcomes]
    return _report(problem, budget, m0, table, curves, notes, settings, start)


@dataclass(frozen=True)
class _Budget:
    """The study's shared budget: step size ``lr``, ``samples`` (``epochs`` passes over the
    data), ``base_steps`` (the stationary step count at ``lr``) and ``every`` (steps per
    geometric stage)."""

    lr: float
    base_steps: int
    epochs: float
    samples: int
    every: int


def _settings(
    budget: _Budget, m0: int, seeds: int, growth: float, log_growth: float
) -> dict[str, object]:
    """The study's settings as its report records them."""
    return {
        "batch_size": m0,
        "seeds": seeds,
        "epochs": budget.epochs,
        "samples": budget.samples,
        "growth": growth,
        "log_growth": log_growth,
        "growth_every": budget.every,
    }


def _budget(
    problem: RiskProblem,
    m0: int,
    lr: float | None,
    epochs: float | None,
    steps: int | None,
    growth_every: int | None,
) -> _Budget:
    """Check steps and step size, fix the sample budget, refuse too short a constant run."""
    check_steps(steps)
    eta = check_lr(lr, problem)
    base_steps = problem.stationary_steps(eta)
    budget_epochs = _budget_epochs(epochs, steps, base_steps, m0, problem.n_rows)
    budget = int(np.ceil(budget_epochs * problem.n_rows))
    require_relaxation(
        budget // m0,
        problem,
        eta,
        what=f"the constant schedule's run ({budget} samples / m0 = {m0})",
        steps_per_burn_in=1,
        default_steps=steps is None and epochs is None,
    )
    every = int(growth_every) if growth_every is not None else max(1, base_steps // 16)
    return _Budget(eta, base_steps, budget_epochs, budget, every)


def _run_schedule(
    problem: RiskProblem,
    name: str,
    budget: _Budget,
    m0: int,
    seeds: int,
    growth: float,
    log_growth: float,
    engine: dict[str, object],
) -> tuple[dict[str, object], pd.DataFrame, list[str | None]]:
    """Run one schedule's seeds in one engine call: its table row, its curve, its notes.

    ``engine``: sampling, seed, device, dtype, progress. The notes (None where all is
    well) are the finiteness of the final excess objective and, for the constant
    schedule, the drift over the second half of its run.
    """
    run_lr = budget.lr
    if name == "linear-scaling":
        run_lr = budget.lr / final_growth_factor(
            name, m0, budget.samples, problem.n_rows, growth, budget.every
        )
    gval = log_growth if name == "log-growth" else growth
    settings = settings_from_options(
        dict(
            **problem.options(),
            **plain_sgd_options(
                lr=run_lr, batch_schedule=name, batch_growth=gval, growth_every=budget.every
            ),
            epochs=budget.epochs,
            averaging="none",
            eval_every=max(1, budget.base_steps // 100),
            **engine,
        )
    )
    res = optimize_many(
        problem.train,
        *settings,
        batch_sizes=[m0],
        repeats=seeds,
        benchmark=problem.benchmark,
        certify_runs=False,  # stationary noisy SGD by design: the study measures it
    )
    return _schedule_outcome(problem, name, run_lr, res)


def _schedule_outcome(
    problem: RiskProblem, name: str, run_lr: float, res: BatchResult
) -> tuple[dict[str, object], pd.DataFrame, list[str | None]]:
    """One schedule's table row, curve (mean excess objective against samples) and notes."""
    hist = res.history
    samples = np.array([h["samples"][0] for h in hist], dtype=np.float64)
    excess = np.array([np.mean(h["objective"]) for h in hist]) - problem.f_star
    curve = pd.DataFrame({"schedule": name, "samples": samples, "excess_objective": excess})
    last = res.last_weights.to_numpy(dtype=np.float64)
    final = problem.objective(last) - problem.f_star
    notes = [finite_note(final, f"the final excess objective of '{name}'")]
    if name == "constant" and np.isfinite(final).all():
        runs = np.array([h["objective"] for h in hist], dtype=np.float64) - problem.f_star
        notes.append(drift_note(runs[len(runs) // 2 :], "constant schedule, second half"))
    row = {
        "schedule": name,
        "lr": run_lr,
        "final_batch_size": int(hist[-1]["batch_size"][0]),
        "steps": int(res.steps),
        "samples": int(res.runs["samples_seen"].iloc[0]),
        "excess_objective": float(final.mean()),
        "weight_dispersion": float(last.std(axis=0, ddof=1).mean()),
        "wall_time": float(res.wall_time),
    }
    return row, curve, notes


def _report(
    problem: RiskProblem,
    budget: _Budget,
    m0: int,
    table: pd.DataFrame,
    curves: list[pd.DataFrame],
    notes: list[str | None],
    settings: dict[str, object],
    start: float,
) -> StudyReport:
    """Assemble the :class:`StudyReport` (``start``: the study's ``perf_counter`` start)."""
    sigma2 = float(
        gradient_variance(problem.spec, problem.values(), problem.w_star, problem.benchmark)[0]
    )
    notes = [n for n in notes if n]
    relax = relaxation_steps(problem, budget.lr)
    summary = _summary(table, notes, budget.samples, budget.epochs, m0, relax)
    return StudyReport(
        study="annealing",
        objective=problem.spec.objective.value,
        lr=budget.lr,
        sigma2=sigma2,
        f_star=problem.f_star,
        rows=table,
        curves=pd.concat(curves, ignore_index=True),
        settings=settings,
        summary=summary,
        wall_time=time.perf_counter() - start,
        diagnostics=tuple(notes),
    )


def _budget_epochs(
    epochs: float | None, steps: int | None, base_steps: int, m0: int, n_rows: int
) -> float:
    """The sample budget in epochs: given, from ``steps`` of m0, or the stationary default."""
    if epochs is not None and steps is not None:
        raise ConfigError("give the annealing budget as epochs or as steps, not both")
    if epochs is not None:
        if not (np.isfinite(epochs) and epochs > 0):
            raise ConfigError(f"epochs must be a positive number, got {epochs}")
        return float(epochs)
    return (int(steps) if steps is not None else base_steps) * m0 / n_rows


def _summary(
    table: pd.DataFrame, notes: list[str], budget: int, epochs: float, m0: int, relax: float
) -> str:
    """The reading of the annealing study (the diagnostics instead, if any)."""
    if notes:
        return (
            "These runs do not support a comparison of the schedules: "
            + "; ".join(notes)
            + ". The table describes the runs as they are."
        )
    best = table.loc[table["excess_objective"].idxmin()]
    const = table[table["schedule"] == "constant"]
    text = (
        f"At an equal budget of {budget} samples ({epochs:.2f} epochs) from m0 = {m0}, "
        f"'{best['schedule']}' ends closest to the optimum (excess objective "
        f"{best['excess_objective']:.3g}, final batch {int(best['final_batch_size'])})"
    )
    if not len(const):
        return text + "."
    floor = float(const["excess_objective"].iloc[0])
    steps = int(const["steps"].iloc[0])
    if best["schedule"] == "constant":
        return text + (
            f"; at this budget growing the batch does not pay: constant m = {m0} ran "
            f"{steps / relax:.1f} relaxation times and ends at its noise floor {floor:.3g}."
        )
    return text + (
        f"; constant m = {m0} ({steps / relax:.1f} relaxation times) stays at its noise floor "
        f"{floor:.3g}, because a growing batch lowers the temperature eta*sigma^2/(2m) as the run "
        "proceeds."
    )
