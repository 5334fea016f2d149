"""Cost model: measured time per update ``a + b m`` and the fastest batch size to a target.

The model of the time to reach a target excess objective ``eps`` with batch size ``m``:

- the stationary excess objective of constant-step SGD is ``E(eta, m) = kappa * eta / m``
  (``kappa`` fitted on the sweep; theory: ``kappa ~ sigma^2 / 4`` without constraints);
- to keep ``E <= eps`` the step size must be ``eta(m) = min(eta_max, eps m / kappa)``,
  where ``eta_max`` is the sweep's (stable) step size;
- the number of steps to reach stationarity scales as ``1 / eta``: the sweep needed
  ``n_0`` steps at ``eta_max``, so ``n(m) = n_0 eta_max / eta(m)``;
- wall time ``= n(m) (a + b m)``.

Below the critical batch size ``m_c = kappa eta_max / eps`` the step size must shrink in
proportion to ``m``, so the number of steps falls as ``1/m`` while each step costs
``a + b m``: time falls. Above ``m_c`` the step is capped, the step count is fixed and only
the per-update cost grows. The fastest batch size is therefore near ``m_c``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...api import optimize_many, settings_from_options
from .problem import RiskProblem, plain_sgd_options


@dataclass(frozen=True)
class CostModel:
    """Fitted time per update ``a + b m`` (seconds) and the measurements behind it.

    Attributes
    ----------
    a : float
        Fixed cost per update (seconds).
    b : float
        Cost per scenario in the batch (seconds).
    batch_sizes : tuple of int
    seconds_per_update : tuple of float
        Measured, one per batch size.
    device : str
    """

    a: float
    b: float
    batch_sizes: tuple[int, ...]
    seconds_per_update: tuple[float, ...]
    device: str

    def predict(self, batch_size: float | np.ndarray) -> float | np.ndarray:
        """Modelled seconds per update."""
        return self.a + self.b * np.asarray(batch_size, dtype=np.float64)

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form."""
        return {
            "a": self.a,
            "b": self.b,
            "batch_sizes": list(self.batch_sizes),
            "seconds_per_update": list(self.seconds_per_update),
            "device": self.device,
        }


def measure_cost_model(
    problem: RiskProblem,
    batch_sizes: list[int],
    lr: float,
    *,
    steps: int = 200,
    device: str = "auto",
    dtype: str = "float64",
) -> CostModel:
    """Time single-run plain SGD updates for each batch size and fit ``a + b m``.

    Parameters
    ----------
    problem : RiskProblem
    batch_sizes : list of int
    lr : float
    steps : int
        Timed updates per batch size (after one untimed warm-up run).
    device, dtype : str

    Returns
    -------
    CostModel
    """
    opts = dict(
        **problem.options(),
        **plain_sgd_options(lr=lr),
        averaging="none",
        eval_every=steps,
        device=device,
        dtype=dtype,
    )
    bench = problem.benchmark
    warm = settings_from_options({**opts, "steps": 20})
    optimize_many(
        problem.train, *warm, batch_sizes=[batch_sizes[0]], benchmark=bench, certify_runs=False
    )
    times, dev = [], "cpu"
    for m in batch_sizes:
        timed = settings_from_options({**opts, "steps": steps})
        res = optimize_many(
            problem.train, *timed, batch_sizes=[m], benchmark=bench, certify_runs=False
        )
        times.append(res.wall_time / max(res.steps, 1))
        dev = res.device
    ms = np.asarray(batch_sizes, dtype=np.float64)
    if len(set(batch_sizes)) >= 2:
        b, a = np.polyfit(ms, np.asarray(times), 1)
    else:
        a, b = float(times[0]), 0.0
    if a < 0:  # keep the model physical: refit through the origin
        a, b = 0.0, float(np.dot(ms, times) / np.dot(ms, ms))
    return CostModel(float(a), max(float(b), 0.0), tuple(batch_sizes), tuple(times), dev)


def fit_noise_constant(batch_sizes: np.ndarray, excess: np.ndarray, lr: float) -> float:
    """``kappa`` of ``excess = kappa * lr / m``: the geometric mean over positive rows."""
    ok = np.asarray(excess) > 0
    if not ok.any():
        return 0.0
    return float(np.exp(np.mean(np.log(np.asarray(excess)[ok] * np.asarray(batch_sizes)[ok] / lr))))


def time_to_target(
    cost: CostModel,
    kappa: float,
    lr_max: float,
    steps_at_max: int,
    target: float,
    batch_size: float,
) -> tuple[float, float, float]:
    """Modelled (seconds, step size, steps) to reach ``target`` with batch size ``m``."""
    lr_m = lr_max if kappa <= 0 else min(lr_max, target * batch_size / kappa)
    steps = steps_at_max * lr_max / lr_m
    return float(steps * cost.predict(batch_size)), float(lr_m), float(steps)


def recommend_batch_size(
    cost: CostModel,
    batch_sizes: list[int],
    excess: np.ndarray,
    lr: float,
    steps: int,
    target: float,
) -> dict[str, object]:
    """The batch size of the grid that reaches ``target`` excess objective fastest.

    Returns
    -------
    dict
        ``batch_size``, ``kappa``, ``critical_batch_size``, ``target``, per-m
        ``time_to_target`` / ``lr_to_target`` lists, and ``why`` (one sentence).
    """
    kappa = fit_noise_constant(np.asarray(batch_sizes), np.asarray(excess), lr)
    rows = [time_to_target(cost, kappa, lr, steps, target, m) for m in batch_sizes]
    times = [r[0] for r in rows]
    best = int(batch_sizes[int(np.argmin(times))])
    m_crit = kappa * lr / target if target > 0 else math.inf
    if best < m_crit:
        reason = "the step size must shrink in proportion to m below it, so steps fall as 1/m"
    else:
        reason = (
            "the step size is already at its stable maximum, so larger m only adds cost per update"
        )
    why = (
        f"at the target excess {target:.3g} the critical batch size is kappa*eta/eps = {m_crit:.0f} "
        f"(kappa = {kappa:.3g}); m = {best} gives the least modelled time "
        f"{min(times):.3g} s with {cost.a * 1e3:.3g} ms + {cost.b * 1e6:.3g} us*m per update: {reason}"
    )
    return {
        "batch_size": best,
        "kappa": kappa,
        "critical_batch_size": m_crit,
        "target": target,
        "time_to_target": times,
        "lr_to_target": [r[1] for r in rows],
        "why": why,
    }
