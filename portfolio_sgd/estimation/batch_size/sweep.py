"""The batch-size sweep: gradient noise -> temperature -> estimation error, per batch size m.

All ``len(batch_sizes) * seeds`` runs are optimised together by the engine as one (K, N)
weight tensor (:func:`portfolio_sgd.optimize_many`), with plain SGD at a constant
step size (no momentum, constant batch, no tolerance stop), the regime the theory describes.

Stationarity: the run starts from the engine's default feasible start (equal weights) and
takes ``steps = 20 / (eta mu)`` steps (:meth:`RiskProblem.stationary_steps`), split in
three phases: burn-in (first quarter, discarded), a stationary window (second quarter,
where the full-data objective of the last iterate is evaluated every ``eval_every`` steps
and averaged: the *stationary excess objective*), and the tail half, over which the
iterate is averaged (the *averaged iterate*). Dispersion and L1 distance use the last
iterate at the end.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...measures.performance import cvar as _cvar
from .checks import (
    SLOPE_TOLERANCE,
    drift_note,
    finite_note,
    slope_note,
    stability_note,
)
from .cost_model import CostModel, measure_cost_model, recommend_batch_size
from .noise import (
    gradient_variance,
    measure_batch_variance,
    per_sample_gradients,
    predicted_batch_variance,
    temperature,
)
from .problem import RiskProblem, make_problem, split_returns, validate_grid
from .report import RiskReport
from .sweep_runs import SweepPlan, SweepRuns, plan_sweep, run_sweep

DEFAULT_BATCH_SIZES = (8, 32, 128, 512)


def batch_size_sweep(
    returns: pd.DataFrame,
    *,
    objective: str = "min-variance",
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    seeds: int = 16,
    lr: float | None = None,
    steps: int | None = None,
    sampling: str = "replacement",
    draws: int = 8192,
    target: float = 0.01,
    test_fraction: float | None = None,
    split_date: str | None = None,
    benchmark: pd.Series | np.ndarray | None = None,
    cost_steps: int = 100,
    seed: int = 0,
    device: str = "auto",
    dtype: str = "float64",
    progress: bool = False,
    problem: RiskProblem | None = None,
    **problem_options: object,
) -> RiskReport:
    """Measure the chain batch size -> gradient noise -> weight estimation error.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
        Simple returns.
    objective : str
        Objective name (default min-variance).
    batch_sizes : sequence of int
        Grid of mini-batch sizes m, each in [1, T_train].
    seeds : int
        Runs per batch size (S >= 2).
    lr : float, optional
        Constant step size; default ``0.5 / L`` (the engine's automatic SGD step).
    steps : int, optional
        SGD steps; default ``20 / (lr * mu)`` (about 20 relaxation times), in [400, 20000].
    sampling : {"replacement", "shuffle"}
    draws : int
        Mini-batches drawn at ``w*`` per m to measure the gradient variance.
    target : float
        Target excess objective of the cost model, relative to ``|f(w*)|``.
    test_fraction, split_date : optional
        Hold out the last fraction of rows (or the rows from this date) for out-of-sample
        evaluation; everything is then fitted on the train period.
    benchmark : Series or ndarray, optional
        Tracking benchmark.
    cost_steps : int
        Timed updates per batch size for the cost model.
    seed : int
    device, dtype : str
    progress : bool
        Show the engine's tqdm bar on stderr.
    problem : RiskProblem, optional
        A prepared problem (skips the exact solve).
    **problem_options
        ``risk_aversion``, ``alpha``, ``return_weight``, ``min_weight``, ``max_weight``,
        ``long_short``, ``max_leverage``.

    Returns
    -------
    RiskReport
    """
    start = time.perf_counter()
    split = (test_fraction, split_date)
    problem, sizes = _sweep_problem(
        returns, problem, batch_sizes, seeds, objective, benchmark, split, problem_options
    )
    plan = plan_sweep(problem, sizes, seeds, lr, steps, draws)
    engine = dict(sampling=sampling, seed=seed, device=device, dtype=dtype, progress=progress)
    runs = run_sweep(problem, plan, engine)
    sigma2, rows = _table(problem, plan, runs, draws, sampling, seed)
    optimum_oos = _add_out_of_sample(rows, problem, runs.last)
    verdict = _conclude(problem, plan, runs, rows, cost_steps, target, device, dtype)
    lr_source = "given" if lr is not None else "automatic 0.5/L"
    return _report(
        problem, plan, runs, rows, sigma2, optimum_oos, verdict, sampling, lr_source, start
    )


@dataclass(frozen=True)
class _Verdict:
    """What the runs support: the cost model, the log-log slopes against m (excess
    objective, dispersion), the diagnostics, and the recommendation or why it is withheld."""

    cost: CostModel
    slopes: tuple[float, float]
    notes: list[str]
    recommendation: dict[str, object] | None
    withheld: str | None


def _sweep_problem(
    returns: pd.DataFrame,
    problem: RiskProblem | None,
    batch_sizes: Sequence[int],
    seeds: int,
    objective: str,
    benchmark: pd.Series | np.ndarray | None,
    split: tuple[float | None, str | None],
    problem_options: dict[str, object],
) -> tuple[RiskProblem, list[int]]:
    """The problem (prepared unless given) and the checked grid, checked before the solve
    (``split``: the hold-out's ``(test_fraction, split_date)``)."""
    test_fraction, split_date = split
    if problem is not None:
        return problem, validate_grid(batch_sizes, seeds, problem.n_rows)
    n_train = len(split_returns(returns, test_fraction, split_date)[0])
    sizes = validate_grid(batch_sizes, seeds, n_train)
    problem = make_problem(
        returns,
        objective,
        benchmark=benchmark,
        test_fraction=test_fraction,
        split_date=split_date,
        **problem_options,
    )
    return problem, sizes


def _table(
    problem: RiskProblem, plan: SweepPlan, runs: SweepRuns, draws: int, sampling: str, seed: int
) -> tuple[float, pd.DataFrame]:
    """``sigma^2`` at w* and the per-m table: gradient noise, temperature, estimation error."""
    sizes, n_m, n_s = plan.sizes, len(plan.sizes), plan.seeds
    r, w_star = problem.values(), problem.w_star
    grads = per_sample_gradients(problem.spec, r, w_star, problem.benchmark)[0]
    sigma2 = float(gradient_variance(problem.spec, r, w_star, problem.benchmark)[0])
    sigma2_sgd = gradient_variance(
        problem.spec, r, runs.last.reshape(n_m * n_s, -1), problem.benchmark
    )
    measured = [
        measure_batch_variance(grads, m, draws, sampling, seed + 1 + i) for i, m in enumerate(sizes)
    ]
    predicted = [predicted_batch_variance(sigma2, m, problem.n_rows, sampling) for m in sizes]
    noise = {
        "sigma2_sgd": sigma2_sgd.reshape(n_m, n_s).mean(axis=1),
        "grad_var_measured": measured,
        "grad_var_predicted": predicted,
        "grad_var_ratio": np.asarray(measured) / np.asarray(predicted),
        "temperature": temperature(plan.lr, sigma2, np.asarray(sizes, dtype=np.float64)),
    }
    rows = {"batch_size": sizes, "lr": plan.lr, **noise, **_error_columns(problem, runs)}
    return sigma2, pd.DataFrame(rows)


def _error_columns(problem: RiskProblem, runs: SweepRuns) -> dict[str, np.ndarray]:
    """Estimation-error columns per m: dispersion across seeds, L1 distance to w*, excess
    objective (stationary window with its standard error, last and averaged iterate)."""
    window_excess = runs.window.mean(axis=0)
    n_s = runs.last.shape[1]
    return {
        "weight_dispersion": runs.last.std(axis=1, ddof=1).mean(axis=1),
        "l1_to_optimum": np.abs(runs.last - problem.w_star).sum(axis=2).mean(axis=1),
        "excess_objective": window_excess.mean(axis=1),
        "excess_objective_se": window_excess.std(axis=1, ddof=1) / np.sqrt(n_s),
        "excess_objective_final": runs.f_last.mean(axis=1),
        "excess_objective_averaged": runs.f_avg.mean(axis=1),
        "l1_averaged": np.abs(runs.avg - problem.w_star).sum(axis=2).mean(axis=1),
    }


def _conclude(
    problem: RiskProblem,
    plan: SweepPlan,
    runs: SweepRuns,
    rows: pd.DataFrame,
    cost_steps: int,
    target: float,
    device: str,
    dtype: str,
) -> _Verdict:
    """Time the cost model, fit the slopes, diagnose the runs and recommend (or withhold).

    Adds the ``seconds_per_update`` and ``time_to_target`` columns to ``rows``.
    """
    sizes = plan.sizes
    cost = measure_cost_model(problem, sizes, plan.lr, steps=cost_steps, device=device, dtype=dtype)
    rows["seconds_per_update"] = list(cost.seconds_per_update)
    ms = np.asarray(sizes, dtype=np.float64)
    slopes = (
        _slope(ms, rows["excess_objective"].to_numpy()),
        _slope(ms, rows["weight_dispersion"].to_numpy()),
    )
    notes = sweep_diagnostics(problem, plan.lr, sizes, runs.window, runs.f_last, slopes)
    rec, withheld = _recommend(cost, rows, plan.lr, plan.steps, target * scale_of(problem), notes)
    return _Verdict(cost, slopes, notes, rec, withheld)


def _report(
    problem: RiskProblem,
    plan: SweepPlan,
    runs: SweepRuns,
    rows: pd.DataFrame,
    sigma2: float,
    optimum_oos: dict[str, float] | None,
    verdict: _Verdict,
    sampling: str,
    lr_source: str,
    start: float,
) -> RiskReport:
    """Assemble the :class:`RiskReport` (``start``: the sweep's ``perf_counter`` start)."""
    return RiskReport(
        objective=problem.spec.objective.value,
        n_assets=int(problem.train.shape[1]),
        n_train=problem.n_rows,
        n_test=0 if problem.test is None else int(len(problem.test)),
        sampling=str(sampling),
        seeds=plan.seeds,
        lr=plan.lr,
        lr_source=lr_source,
        curvature=problem.curvature,
        mu_min=problem.mu_min,
        steps=plan.steps,
        burn_in=plan.burn_in,
        window=(plan.burn_in, plan.avg_start),
        eval_every=plan.eval_every,
        sigma2=sigma2,
        f_star=problem.f_star,
        rows=rows,
        slope_excess=verdict.slopes[0],
        slope_dispersion=verdict.slopes[1],
        cost=verdict.cost.to_dict(),
        recommendation=verdict.recommendation,
        optimum_oos=optimum_oos,
        w_star=pd.Series(problem.w_star, index=[str(c) for c in problem.train.columns]),
        device=runs.device,
        sweep_wall_time=runs.wall_time,
        wall_time=time.perf_counter() - start,
        diagnostics=tuple(verdict.notes),
        recommendation_withheld=verdict.withheld,
    )


def scale_of(problem: RiskProblem) -> float:
    """``|f(w*)|`` (1 when it is 0): the scale of a relative target excess objective."""
    return abs(problem.f_star) if problem.f_star != 0 else 1.0


def _add_out_of_sample(
    rows: pd.DataFrame, problem: RiskProblem, last: np.ndarray
) -> dict[str, float] | None:
    """Add ``oos_*`` columns (each m's mean last portfolio, ``last`` (M, S, N)); w*'s numbers."""
    if problem.test is None:
        return None
    test = problem.test.to_numpy(dtype=np.float64)
    oos = np.array([out_of_sample(test, last[i].mean(axis=0)) for i in range(last.shape[0])])
    rows["oos_variance"], rows["oos_return"], rows["oos_cvar"] = oos[:, 0], oos[:, 1], oos[:, 2]
    v, mu_, cvar = out_of_sample(test, problem.w_star)
    return {"variance": v, "return": mu_, "cvar": cvar}


def _recommend(
    cost: CostModel, rows: pd.DataFrame, lr: float, steps: int, target: float, notes: list[str]
) -> tuple[dict[str, object] | None, str | None]:
    """The cost model's recommendation (and ``time_to_target`` column), or None and why."""
    sizes = [int(m) for m in rows["batch_size"]]
    rec = recommend_batch_size(cost, sizes, rows["excess_objective"].to_numpy(), lr, steps, target)
    if notes:
        rows["time_to_target"] = np.nan
        return None, "the runs do not support a recommendation: " + "; ".join(notes)
    rows["time_to_target"] = rec["time_to_target"]
    return rec, None


def sweep_diagnostics(
    problem: RiskProblem,
    lr: float,
    sizes: list[int],
    window: np.ndarray,
    final_excess: np.ndarray,
    slopes: tuple[float, float],
) -> list[str]:
    """Why a sweep's runs cannot support its conclusions (empty list: they can).

    Parameters
    ----------
    problem : RiskProblem
    lr : float
    sizes : list of int
        The M batch sizes.
    window : ndarray, shape (E, M, S)
        Excess objective at the E evaluations of the stationary window.
    final_excess : ndarray, shape (M, S)
        Excess objective of the last iterates.
    slopes : (float, float)
        Log-log slopes of the excess objective and of the dispersion against m.

    Returns
    -------
    list of str
        See :mod:`portfolio_sgd.estimation.batch_size.checks`.
    """
    finite = [finite_note(window, "the excess objective")]
    finite.append(finite_note(final_excess, "the final excess objective"))
    notes = [stability_note(problem, lr), *finite]
    if any(finite):
        return [n for n in notes if n]
    if not notes[0]:  # drift is meaningless (and "run more steps" wrong) for an unstable step
        notes += [drift_note(window[:, i, :], f"m = {m}") for i, m in enumerate(sizes)]
    if len(set(sizes)) >= 2:
        notes.append(slope_note(slopes[0], -1.0, SLOPE_TOLERANCE["excess"], "excess objective"))
        notes.append(
            slope_note(slopes[1], -0.5, SLOPE_TOLERANCE["dispersion"], "weight dispersion")
        )
    return [n for n in notes if n]


def out_of_sample(
    test: np.ndarray, weights: np.ndarray, alpha: float = 0.95
) -> tuple[float, float, float]:
    """(variance, mean return, CVaR_alpha of the loss -x) of a portfolio on test returns (T, N).

    The CVaR is :func:`portfolio_sgd.measures.performance.cvar` (the Rockafellar-Uryasev value).
    """
    x = test @ weights
    return float(x.var()), float(x.mean()), _cvar(x, alpha)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    ok = (np.asarray(y) > 0) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(np.asarray(y)[ok]), 1)[0])
