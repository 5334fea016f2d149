"""The linear scaling rule: pairs (k eta, k m) keep the temperature eta sigma^2/(2m) fixed.

Two series share the base run (eta_0, m_0): *scaled* pairs (k eta_0, k m_0) and *batch
only* runs (eta_0, k m_0), for k in a grid. The top step size ``k_max eta_0`` is the
reference step (default the engine's automatic ``0.5 / L``), so every run is stable. All
runs (both series, all seeds) are optimised together as one (K, N) tensor, warm-started
at the exact optimum w* so that only the noise, not a transient, is measured; they take
6 relaxation times ``1 / (eta_0 mu)`` and the second half is the stationary window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...api import settings_from_options
from ...engine import RunGrid, run_engine
from ...engine.prepare import prepare_data
from ...errors import ConfigError
from .checks import (
    check_lr,
    check_steps,
    drift_note,
    finite_note,
    require_relaxation,
    stability_note,
)
from .noise import gradient_variance, temperature
from .problem import MAX_STEPS, RiskProblem, plain_sgd_options, study_problem
from .report import StudyReport


def run_stationary(
    problem: RiskProblem,
    batch_sizes: list[int],
    lr_scales: list[float],
    lr: float,
    steps: int,
    *,
    sampling: str = "replacement",
    seed: int = 0,
    device: str = "auto",
    dtype: str = "float64",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run K plain-SGD runs from w* together.

    Returns
    -------
    (last, excess, window)
        Last weights (K, N); stationary excess (K,), the full-data objective minus f(w*)
        averaged over the evaluations of the second half of the run; and those
        evaluations themselves, shape (E, K).
    """
    eval_every = max(1, steps // 100)
    options = {
        **problem.options(),
        **plain_sgd_options(lr=lr, steps=steps),
        "averaging": "none",
        "eval_every": eval_every,
        "sampling": sampling,
        "seed": seed,
        "device": device,
        "dtype": dtype,
        "progress": progress,
    }
    spec, constraints, config = settings_from_options(options)
    prepared = prepare_data(problem.train, spec, constraints, config, problem.benchmark)
    grid = RunGrid(
        batch_sizes=tuple(batch_sizes), lr_scales=tuple(lr_scales), init_weights=problem.w_star
    )
    out = run_engine(prepared.problem, config, grid)
    hist = [h for h in out.history if int(h["step"]) > steps // 2]
    window = np.asarray([h["objective"] for h in hist], dtype=np.float64) - problem.f_star
    return out.last_weights.cpu().numpy().astype(np.float64), window.mean(axis=0), window


def linear_scaling_study(
    returns: pd.DataFrame,
    *,
    objective: str = "min-variance",
    base_batch_size: int = 8,
    factors: Sequence[float] = (1, 2, 4, 8),
    seeds: int = 16,
    lr: float | None = None,
    steps: int | None = None,
    sampling: str = "replacement",
    benchmark: pd.Series | np.ndarray | None = None,
    seed: int = 0,
    device: str = "auto",
    dtype: str = "float64",
    progress: bool = False,
    problem: RiskProblem | None = None,
    **problem_options: object,
) -> StudyReport:
    """Check the linear scaling rule: dispersion at fixed eta/m against dispersion at fixed eta.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    objective : str
    base_batch_size : int
        m_0.
    factors : sequence of float
        k grid (must contain 1 implicitly: the base run is always included).
    seeds : int
        Runs per setting (S >= 2).
    lr : float, optional
        The largest step size ``k_max eta_0``; default ``0.5 / L``.
    steps : int, optional
        Default ``6 / (eta_0 mu)``, at most 20000.
    sampling, benchmark, seed, device, dtype, progress, problem, **problem_options
        As for :func:`~portfolio_sgd.estimation.batch_size.batch_size_sweep`.

    Returns
    -------
    StudyReport
        Rows: ``series`` ("scaled" or "batch only"), ``k``, ``lr``, ``batch_size``,
        ``lr_over_m``, ``temperature``, ``weight_dispersion``, ``l1_to_optimum``,
        ``excess_objective``.
    """
    start = time.perf_counter()
    ks, sizes = _factors(factors, base_batch_size)
    problem = study_problem(returns, problem, sizes, seeds, objective, benchmark, problem_options)
    top, eta0, n_steps = _step_schedule(problem, ks, lr, steps)
    settings = _settings(ks, sizes)
    run_sizes = [m for (_, _, _, m) in settings for _ in range(seeds)]
    run_scales = [s for (_, _, s, _) in settings for _ in range(seeds)]
    last, excess, window = run_stationary(
        problem,
        run_sizes,
        run_scales,
        eta0,
        n_steps,
        sampling=sampling,
        seed=seed,
        device=device,
        dtype=dtype,
        progress=progress,
    )
    n_set = len(settings)
    last = last.reshape(n_set, seeds, -1)
    excess = excess.reshape(n_set, seeds)
    sigma2 = float(
        gradient_variance(problem.spec, problem.values(), problem.w_star, problem.benchmark)[0]
    )
    notes = _diagnostics(problem, top, window, settings, seeds)
    rows = _rows(problem, settings, eta0, sigma2, last, excess)
    study = {
        "base_batch_size": int(base_batch_size),
        "factors": ks,
        "seeds": int(seeds),
        "steps": n_steps,
        "start": "w* (exact optimum)",
        "window": "second half",
    }
    return _report(problem, eta0, sigma2, rows, notes, study, start)


_Setting = tuple[str, float, float, int]
"""One setting of the study: (series, k, step-size scale, batch size)."""


def _factors(factors: Sequence[float], base_batch_size: int) -> tuple[list[float], list[int]]:
    """The sorted k grid (1 always included; refuse k < 1) and the batch sizes ``k m_0``."""
    ks = sorted({1.0, *(float(k) for k in factors)})
    if ks[0] < 1:
        raise ConfigError(f"scaling factors must be >= 1, got {min(ks)}")
    return ks, [max(1, int(round(k * base_batch_size))) for k in ks]


def _step_schedule(
    problem: RiskProblem, ks: list[float], lr: float | None, steps: int | None
) -> tuple[float, float, int]:
    """(top step ``k_max eta_0``, base step ``eta_0``, steps); refuse a too-short settling."""
    check_steps(steps)
    top = check_lr(lr, problem)
    eta0 = top / ks[-1]
    n_steps = (
        int(steps)
        if steps is not None
        else min(MAX_STEPS, math.ceil(6.0 / (eta0 * problem.mu_min)))
    )
    require_relaxation(
        n_steps // 2,
        problem,
        eta0,
        what=f"the settling phase (first half of {n_steps} steps)",
        steps_per_burn_in=2,
        default_steps=steps is None,
    )
    return top, eta0, n_steps


def _diagnostics(
    problem: RiskProblem, top: float, window: np.ndarray, settings: list[_Setting], seeds: int
) -> list[str]:
    """Why the runs cannot support a reading (empty: they can); ``window`` (E, K)."""
    notes = [stability_note(problem, top), finite_note(window, "the excess objective")]
    if not any(notes):
        win = window.reshape(window.shape[0], len(settings), seeds)
        notes += [drift_note(win[:, i, :], f"{s[0]} k = {s[1]:g}") for i, s in enumerate(settings)]
    return [n for n in notes if n]


def _rows(
    problem: RiskProblem,
    settings: list[_Setting],
    eta0: float,
    sigma2: float,
    last: np.ndarray,
    excess: np.ndarray,
) -> pd.DataFrame:
    """One row per setting; ``last`` (settings, seeds, N), ``excess`` (settings, seeds)."""
    lrs = np.array([eta0 * s for (_, _, s, _) in settings])
    ms = np.array([m for (_, _, _, m) in settings], dtype=np.float64)
    return pd.DataFrame(
        {
            "series": [s[0] for s in settings],
            "k": [s[1] for s in settings],
            "lr": lrs,
            "batch_size": ms.astype(int),
            "lr_over_m": lrs / ms,
            "temperature": temperature(lrs, sigma2, ms),
            "weight_dispersion": last.std(axis=1, ddof=1).mean(axis=1),
            "l1_to_optimum": np.abs(last - problem.w_star).sum(axis=2).mean(axis=1),
            "excess_objective": excess.mean(axis=1),
        }
    )


def _settings(ks: list[float], sizes: list[int]) -> list[_Setting]:
    """The scaled pairs (k eta_0, k m_0) for every k, then the batch-only runs for k != 1."""
    settings = [("scaled", k, k, m) for k, m in zip(ks, sizes, strict=True)]
    settings += [("batch only", k, 1.0, m) for k, m in zip(ks, sizes, strict=True) if k != 1.0]
    return settings


def _report(
    problem: RiskProblem,
    eta0: float,
    sigma2: float,
    rows: pd.DataFrame,
    notes: list[str],
    study: dict[str, object],
    start: float,
) -> StudyReport:
    """Assemble the :class:`StudyReport` (``start``: the study's ``perf_counter`` start)."""
    return StudyReport(
        study="scaling",
        objective=problem.spec.objective.value,
        lr=eta0,
        sigma2=sigma2,
        f_star=problem.f_star,
        rows=rows,
        curves=pd.DataFrame(),
        settings=study,
        summary=_summary(rows, notes),
        wall_time=time.perf_counter() - start,
        diagnostics=tuple(notes),
    )


SCALED_RATIO_OK = 1.5
"""Max/min dispersion of the scaled pairs below which the linear scaling rule counts as holding."""


def _summary(rows: pd.DataFrame, notes: list[str]) -> str:
    """The reading of the scaling study (the diagnostics instead, if any)."""
    if notes:
        return (
            "These runs do not support a reading of the linear scaling rule: "
            + "; ".join(notes)
            + ". The table describes the runs as they are."
        )
    scaled = rows[rows["series"] == "scaled"].sort_values("k")
    only = pd.concat([scaled.iloc[:1], rows[rows["series"] == "batch only"]]).sort_values("k")
    d_s = scaled["weight_dispersion"].to_numpy()
    d_o = only["weight_dispersion"].to_numpy()
    k_max = float(scaled["k"].max())
    spread = d_s.max() / d_s.min() if d_s.min() > 0 else math.inf
    holds = (
        f"within a factor {SCALED_RATIO_OK:g}, so the linear scaling rule holds here"
        if spread <= SCALED_RATIO_OK
        else f"more than a factor {SCALED_RATIO_OK:g} apart, so the linear scaling rule does not hold here"
    )
    text = (
        f"With eta/m held fixed (pairs (k*eta, k*m), k = 1..{k_max:g}) the weight dispersion stays between "
        f"{d_s.min():.4g} and {d_s.max():.4g} (max/min {spread:.2f}): {holds}."
    )
    if len(d_o) < 2:
        return text
    if d_o[-1] >= d_o[0]:
        return text + (
            f" With eta fixed and only m growing {k_max:g}-fold the dispersion does not fall "
            f"({d_o[0]:.4g} to {d_o[-1]:.4g}), against the temperature argument."
        )
    return text + (
        f" With eta fixed and only m growing {k_max:g}-fold it falls from "
        f"{d_o[0]:.4g} to {d_o[-1]:.4g} (ratio {d_o[0] / d_o[-1]:.2f}; a temperature argument predicts "
        f"sqrt({k_max:g}) = {math.sqrt(k_max):.2f})."
    )
