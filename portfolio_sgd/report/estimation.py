"""The report's estimation-error numbers: gradient noise at the solution, the effective
temperature, and a batch size recommended by the measured cost model.

A quick account, measured at the reported weights ``w`` (no seed sweep):

- ``sigma^2``: the per-sample gradient variance at ``w``
  (:func:`portfolio_sgd.estimation.batch_size.gradient_variance`);
- for each batch size m of a grid, the mini-batch gradient variance measured by repeated
  draws (:func:`portfolio_sgd.estimation.batch_size.measure_batch_variance`) next to its prediction
  ``sigma^2 / m`` (times the finite-population factor when sampling without replacement);
- the effective temperature ``eta sigma^2 / (2 m)`` at the run's base step size ``eta``;
- the time per update ``a + b m``, measured on this machine
  (:func:`portfolio_sgd.estimation.batch_size.measure_cost_model`), and the batch size that reaches a
  target excess objective fastest (:func:`portfolio_sgd.estimation.batch_size.recommend_batch_size`), with
  the noise constant from the theory, ``kappa = sigma^2 / 4``, rather than fitted on a
  sweep: ``portfolio-sgd risk`` measures it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..engine.step_size import SGD_LR_FACTOR, curvature
from ..estimation.batch_size import (
    gradient_variance,
    measure_batch_variance,
    measure_cost_model,
    per_sample_gradients,
    predicted_batch_variance,
    recommend_batch_size,
    temperature,
)
from ..estimation.batch_size.problem import RiskProblem

GRID = (8, 32, 128, 512, 2048)
"""Batch sizes of the noise check (those up to T)."""
TARGET = 0.01
"""Target excess objective of the recommendation, relative to ``|f(w)|``."""


@dataclass(frozen=True)
class NoiseSummary:
    """Gradient noise, temperature and the cost model's batch size at one portfolio.

    Attributes
    ----------
    sigma2 : float
        Per-sample gradient variance at the weights.
    batch_sizes : tuple of int
        The grid m.
    measured, predicted : tuple of float
        Mini-batch gradient variance measured by ``draws`` draws, and ``sigma^2 / m``.
    temperatures : tuple of float
        ``lr sigma^2 / (2 m)`` for each m.
    lr : float
        The run's base step size.
    batch_size : int
        The run's (initial) batch size.
    run_temperature : float
        The temperature at ``batch_size``.
    seconds_per_update : tuple of float
        Measured per m.
    cost_a, cost_b : float
        The fitted ``a + b m`` (seconds).
    recommended : int
        The batch size of the grid with the least modelled time to the target.
    kappa : float
        ``sigma^2 / 4``.
    target : float
        Absolute target excess objective.
    why : str
        The cost model's one-sentence reason.
    draws : int
    sampling : str
    """

    sigma2: float
    batch_sizes: tuple[int, ...]
    measured: tuple[float, ...]
    predicted: tuple[float, ...]
    temperatures: tuple[float, ...]
    lr: float
    batch_size: int
    run_temperature: float
    seconds_per_update: tuple[float, ...]
    cost_a: float
    cost_b: float
    recommended: int
    kappa: float
    target: float
    why: str
    draws: int
    sampling: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        out = dict(self.__dict__)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out


def noise_summary(
    returns: pd.DataFrame,
    result: object,
    benchmark: pd.Series | None = None,
    *,
    draws: int = 1024,
    cost_steps: int = 40,
) -> NoiseSummary:
    """The :class:`NoiseSummary` of an :class:`~portfolio_sgd.OptimizationResult` on the
    returns it was fitted on.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    result : OptimizationResult
    benchmark : Series, shape (T,), optional
        Tracking benchmark.
    draws : int
        Mini-batches drawn per m.
    cost_steps : int
        Timed updates per m of the cost model.
    """
    spec, config = result.spec, result.config
    r = returns.to_numpy(dtype=np.float64)
    w = result.weights.reindex(returns.columns).to_numpy(dtype=np.float64)
    bench = None if benchmark is None else benchmark.to_numpy(dtype=np.float64)
    n_rows = r.shape[0]
    sampling = str(getattr(config.sampling, "value", config.sampling))
    sigma2 = float(gradient_variance(spec, r, w, bench)[0])
    grads = per_sample_gradients(spec, r, w, bench)[0]
    sizes = [m for m in GRID if m <= n_rows] or [n_rows]
    measured = [
        measure_batch_variance(grads, m, draws, sampling, seed=int(config.seed)) for m in sizes
    ]
    predicted = [predicted_batch_variance(sigma2, m, n_rows, sampling) for m in sizes]
    lr = _step_size(result, r)
    temps = [float(temperature(lr, sigma2, m)) for m in sizes]
    timing = _timing_problem(returns, result, bench)
    cost = measure_cost_model(timing, sizes, lr, steps=cost_steps, device=result.device)
    kappa = sigma2 / 4.0
    scale = abs(result.objective_value) or 1.0
    rec = recommend_batch_size(
        cost, sizes, np.array([kappa * lr / m for m in sizes]), lr, result.steps, TARGET * scale
    )
    return NoiseSummary(
        sigma2=sigma2,
        batch_sizes=tuple(sizes),
        measured=tuple(measured),
        predicted=tuple(predicted),
        temperatures=tuple(temps),
        lr=lr,
        batch_size=int(result.batch_size),
        run_temperature=float(temperature(lr, sigma2, result.batch_size)),
        seconds_per_update=tuple(cost.seconds_per_update),
        cost_a=cost.a,
        cost_b=cost.b,
        recommended=int(rec["batch_size"]),
        kappa=kappa,
        target=float(rec["target"]),
        why=str(rec["why"]),
        draws=int(draws),
        sampling=sampling,
    )


def _step_size(result: object, r: np.ndarray) -> float:
    """The run's base step size; for a run that finished exactly before its first step
    (``lr`` None: never computed), the default one, ``0.5 / L`` on the data ``r`` (T, N)."""
    if result.lr is not None:  # type: ignore[attr-defined]
        return float(result.lr)  # type: ignore[attr-defined]
    rt = torch.as_tensor(r)
    return SGD_LR_FACTOR / curvature(result.spec, rt, rt.mean(dim=0))  # type: ignore[attr-defined]


def _timing_problem(returns: pd.DataFrame, result: object, bench: np.ndarray | None) -> RiskProblem:
    """A :class:`RiskProblem` for the cost model's timing runs only: its returns, objective,
    constraints and benchmark are the run's; ``w_star`` is the reported weights (the
    timing reads none of the curvature fields)."""
    return RiskProblem(
        train=returns,
        test=None,
        spec=result.spec,
        constraints=result.constraints,
        benchmark=bench,
        w_star=result.weights.to_numpy(dtype=np.float64),
        f_star=float(result.objective_value),
        var_level=result.var_level,
        curvature=math.nan,
        mu_min=math.nan,
        default_lr=_step_size(result, returns.to_numpy(dtype=np.float64)),
    )
