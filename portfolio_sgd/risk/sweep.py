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

import numpy as np
import pandas as pd

from ..api import optimize_many, settings_from_options
from ..constraints import Constraints
from ..errors import ConfigError
from ..metrics import cvar as _cvar
from ..objectives import ObjectiveSpec
from .checks import (
    SLOPE_TOLERANCE,
    check_lr,
    check_steps,
    drift_note,
    finite_note,
    require_relaxation,
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
from .problem import RiskProblem, plain_sgd_options, prepare_problem, split_returns
from .report import RiskReport

DEFAULT_BATCH_SIZES = (8, 32, 128, 512)


def validate_grid(batch_sizes: Sequence[int], seeds: int, n_rows: int) -> list[int]:
    """Check a batch-size grid and seed count; return the sizes as ints.

    Raises
    ------
    ConfigError
        Empty grid, a batch size below 1 or above ``n_rows``, or fewer than 2 seeds.
    """
    sizes = [int(m) for m in batch_sizes]
    if not sizes:
        raise ConfigError("give at least one batch size")
    for m in sizes:
        if m < 1:
            raise ConfigError(f"batch sizes must be at least 1, got {m}")
        if m > n_rows:
            raise ConfigError(f"batch size {m} is larger than the sample ({n_rows} scenarios)")
    if int(seeds) < 2:
        raise ConfigError(f"the dispersion across seeds needs at least 2 seeds, got {seeds}")
    return sizes


def make_problem(
    returns: pd.DataFrame,
    objective: str,
    *,
    risk_aversion: float = 10.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    min_weight: float = 0.0,
    max_weight: float = 1.0,
    long_short: bool = False,
    max_leverage: float | None = None,
    benchmark: pd.Series | np.ndarray | None = None,
    test_fraction: float | None = None,
    split_date: str | None = None,
) -> RiskProblem:
    """Build the :class:`RiskProblem` from flat options (see :func:`prepare_problem`)."""
    spec = ObjectiveSpec(
        objective, risk_aversion=risk_aversion, alpha=alpha, return_weight=return_weight
    )
    constraints = Constraints(min_weight, max_weight, long_short, max_leverage)
    return prepare_problem(
        returns,
        spec,
        constraints,
        benchmark=benchmark,
        test_fraction=test_fraction,
        split_date=split_date,
    )


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
    if problem is None:
        n_train = len(split_returns(returns, test_fraction, split_date)[0])
        sizes = validate_grid(batch_sizes, seeds, n_train)
        problem = make_problem(
            returns, objective, benchmark=benchmark, test_fraction=test_fraction, split_date=split_date,
            **problem_options,
        )  # fmt: skip
    else:
        sizes = validate_grid(batch_sizes, seeds, problem.n_rows)
    if draws < 1:
        raise ConfigError(f"draws must be at least 1, got {draws}")
    check_steps(steps)
    eta = check_lr(lr, problem)
    n_steps = int(steps) if steps is not None else problem.stationary_steps(eta)
    eval_every = max(1, n_steps // 100)
    n_steps = max(eval_every * 4, eval_every * (-(-n_steps // eval_every)))
    burn_in, avg_start = n_steps // 4, n_steps // 2
    require_relaxation(
        burn_in, problem, eta, what=f"the burn-in (first quarter of {n_steps} steps)",
        steps_per_burn_in=4, default_steps=steps is None,
    )  # fmt: skip
    n_m, n_s = len(sizes), int(seeds)
    r = problem.values()
    n_rows = problem.n_rows

    settings = settings_from_options(
        dict(
            **problem.options(),
            **plain_sgd_options(lr=eta, steps=n_steps),
            averaging="tail",
            tail_fraction=0.5,
            eval_every=eval_every,
            sampling=sampling,
            seed=seed,
            device=device,
            dtype=dtype,
            progress=progress,
        )
    )
    res = optimize_many(
        problem.train,
        *settings,
        batch_sizes=sizes,
        repeats=n_s,
        benchmark=problem.benchmark,
        certify_runs=False,  # stationary noisy SGD by design: the study measures it
    )
    last = res.last_weights.to_numpy(dtype=np.float64).reshape(n_m, n_s, -1)
    avg = res.weights.to_numpy(dtype=np.float64).reshape(n_m, n_s, -1)
    w_star = problem.w_star
    window = [h for h in res.history if burn_in < int(h["step"]) <= avg_start]
    window_obj = np.asarray([h["objective"] for h in window], dtype=np.float64)  # (E, K)
    window_all = (window_obj - problem.f_star).reshape(-1, n_m, n_s)  # (E, M, S)
    window_excess = window_all.mean(axis=0)
    f_last = problem.objective(last.reshape(n_m * n_s, -1)).reshape(n_m, n_s) - problem.f_star
    f_avg = problem.objective(avg.reshape(n_m * n_s, -1)).reshape(n_m, n_s) - problem.f_star

    grads = per_sample_gradients(problem.spec, r, w_star, problem.benchmark)[0]
    sigma2 = float(gradient_variance(problem.spec, r, w_star, problem.benchmark)[0])
    sigma2_sgd = gradient_variance(problem.spec, r, last.reshape(n_m * n_s, -1), problem.benchmark)
    measured = [
        measure_batch_variance(grads, m, draws, sampling, seed + 1 + i) for i, m in enumerate(sizes)
    ]
    predicted = [predicted_batch_variance(sigma2, m, n_rows, sampling) for m in sizes]

    ms = np.asarray(sizes, dtype=np.float64)
    rows = pd.DataFrame(
        {
            "batch_size": sizes,
            "lr": eta,
            "sigma2_sgd": sigma2_sgd.reshape(n_m, n_s).mean(axis=1),
            "grad_var_measured": measured,
            "grad_var_predicted": predicted,
            "grad_var_ratio": np.asarray(measured) / np.asarray(predicted),
            "temperature": temperature(eta, sigma2, ms),
            "weight_dispersion": last.std(axis=1, ddof=1).mean(axis=1),
            "l1_to_optimum": np.abs(last - w_star).sum(axis=2).mean(axis=1),
            "excess_objective": window_excess.mean(axis=1),
            "excess_objective_se": window_excess.std(axis=1, ddof=1) / np.sqrt(n_s),
            "excess_objective_final": f_last.mean(axis=1),
            "excess_objective_averaged": f_avg.mean(axis=1),
            "l1_averaged": np.abs(avg - w_star).sum(axis=2).mean(axis=1),
        }
    )
    optimum_oos = _add_out_of_sample(rows, problem, last)

    cost = measure_cost_model(problem, sizes, eta, steps=cost_steps, device=device, dtype=dtype)
    rows["seconds_per_update"] = list(cost.seconds_per_update)
    slopes = (
        _slope(ms, rows["excess_objective"].to_numpy()),
        _slope(ms, rows["weight_dispersion"].to_numpy()),
    )
    notes = sweep_diagnostics(problem, eta, sizes, window_all, f_last, slopes)
    rec, withheld = _recommend(cost, rows, eta, n_steps, target * scale_of(problem), notes)

    return RiskReport(
        objective=problem.spec.objective.value,
        n_assets=int(r.shape[1]),
        n_train=n_rows,
        n_test=0 if problem.test is None else int(len(problem.test)),
        sampling=str(sampling),
        seeds=n_s,
        lr=eta,
        lr_source="given" if lr is not None else "automatic 0.5/L",
        curvature=problem.curvature,
        mu_min=problem.mu_min,
        steps=n_steps,
        burn_in=burn_in,
        window=(burn_in, avg_start),
        eval_every=eval_every,
        sigma2=sigma2,
        f_star=problem.f_star,
        rows=rows,
        slope_excess=slopes[0],
        slope_dispersion=slopes[1],
        cost=cost.to_dict(),
        recommendation=rec,
        optimum_oos=optimum_oos,
        w_star=pd.Series(w_star, index=[str(c) for c in problem.train.columns]),
        device=res.device,
        sweep_wall_time=res.wall_time,
        wall_time=time.perf_counter() - start,
        diagnostics=tuple(notes),
        recommendation_withheld=withheld,
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
        See :mod:`portfolio_sgd.risk.checks`.
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

    The CVaR is :func:`portfolio_sgd.metrics.cvar` (the Rockafellar-Uryasev value).
    """
    x = test @ weights
    return float(x.var()), float(x.mean()), _cvar(x, alpha)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    ok = (np.asarray(y) > 0) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(np.asarray(y)[ok]), 1)[0])
