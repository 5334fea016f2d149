"""CVaR smoothing continuation: a smoothed hinge whose smoothing shrinks stage by stage.

CVaR's hinge ``(z)_+`` is not differentiable, so plain gradient steps converge slowly. The
engine replaces it by ``tau * softplus(z / tau)`` (a smooth upper bound), starting with
``tau`` at the portfolio-return scale and halving it every ``growth_every`` steps down to a
floor relative to the current portfolio; the step size follows the smoothed curvature.
The objective the engine reports and stops on is always the exact, unsmoothed CVaR.
"""

from __future__ import annotations

import torch

from .config import EngineConfig
from .objectives import optimal_var_level, portfolio_returns
from .problem import Problem
from .step_size import SGD_LR_FACTOR, return_scale, smoothed_cvar_curvature


def smoothing_schedule(config: EngineConfig, returns: torch.Tensor) -> tuple[float, float]:
    """Initial CVaR smoothing ``tau`` and its floor, relative to the portfolio-return scale.

    The floor is ``max(cvar_smoothing, 10 / T)`` return scales: small enough for a
    negligible bias, large enough that many scenarios lie within ``tau`` of the VaR. It is
    re-evaluated at every stage for the current portfolio (:func:`_next_smoothing_stage`).
    """
    scale = return_scale(returns)
    final = scale * max(config.cvar_smoothing, 10.0 / returns.shape[0])
    return scale, final


def next_smoothing_stage(
    problem: Problem,
    config: EngineConfig,
    w: torch.Tensor,
    t: torch.Tensor,
    tau: float,
    lr: float,
    metric: torch.Tensor | None,
    adapt_lr: bool,
) -> tuple[float, float]:
    """Halve the CVaR smoothing (down to its floor) and re-fit the step size.

    The floor is relative to the *current* portfolio's return scale, so a low-volatility
    solution gets a proportionally small smoothing. With exact gradients, ``t`` is first
    moved to the exact VaR of the current portfolio (an exact block minimisation). The
    step size follows the smoothed curvature at the current point and grows at most 4x per
    stage.
    """
    R, spec = problem.returns, problem.spec
    with torch.no_grad():
        x = portfolio_returns(R, w)  # (K, T)
        t.copy_(optimal_var_level(x, spec.alpha))
        scale = float(x[0].std()) if x.shape[1] > 1 else float(x[0].abs().mean())
    floor = max(scale, 1e-300) * max(config.cvar_smoothing, 10.0 / problem.n_rows)
    tau = max(floor, 0.5 * tau)
    if adapt_lr:
        curv = smoothed_cvar_curvature(R, w, t, tau, spec.alpha, metric, portfolio_x=x)
        fitted = SGD_LR_FACTOR / curv
        lr = min(fitted, 4.0 * lr)
    return tau, lr
