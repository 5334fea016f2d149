"""The smoothing continuation policy (CVaR): a smoothed hinge whose smoothing shrinks.

A non-smooth objective with ``supports_smoothing`` (CVaR) is optimised on a smoothed loss
``tau * softplus(z / tau)``: ``tau`` starts at the portfolio-return scale and halves every
``growth_every`` steps down to a floor relative to the current portfolio (see
``CVaR.next_smoothing``); the step size follows the smoothed curvature. The objective the
engine reports and stops on is always the exact one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..objectives import PortfolioObjective
from .step_size import SGD_LR_FACTOR


@dataclass
class SmoothingContinuation:
    """The current smoothing ``tau`` and when it has settled.

    Parameters
    ----------
    objective : PortfolioObjective
    active : bool
        False: no smoothing (``tau = 0``, settled from the start).
    final_fraction : float
        ``EngineConfig.cvar_smoothing``: the floor in units of the portfolio-return scale.
    every : int
        Steps per stage.
    adapt_lr : bool
        Re-fit the step size to the smoothed curvature at each stage (automatic step
        sizes without an lr scheduler).
    tau : float
    """

    objective: PortfolioObjective
    active: bool
    final_fraction: float
    every: int
    adapt_lr: bool
    tau: float = 0.0
    settled: bool = False

    @classmethod
    def start(
        cls,
        objective: PortfolioObjective,
        returns: torch.Tensor,
        active: bool,
        final_fraction: float,
        every: int,
        adapt_lr: bool,
    ) -> SmoothingContinuation:
        """The policy at step 0 (``tau`` at the return scale when active)."""
        tau = objective.initial_smoothing(returns) if active else 0.0  # type: ignore[attr-defined]
        return cls(objective, active, final_fraction, every, adapt_lr, tau, not active)

    def due(self, step: int) -> bool:
        """Whether ``step`` begins a new smoothing stage."""
        return self.active and not self.settled and step > 0 and step % self.every == 0

    def advance(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        lr: float,
        metric: torch.Tensor | None,
        full: bool,
    ) -> float:
        """Halve ``tau`` (moving ``t`` to the exact VaR) and return the new step size.

        The step size follows the smoothed curvature at the current point and grows at
        most 4x per stage. The smoothing has settled once the halving reaches its floor
        (which drifts a little with the portfolio's scale) with exact gradients.
        """
        previous = self.tau
        self.tau, x = self.objective.next_smoothing(  # type: ignore[attr-defined]
            returns, w, t, self.tau, self.final_fraction
        )
        if self.adapt_lr:
            curv = self.objective.smoothed_curvature(  # type: ignore[attr-defined]
                returns, w, t, self.tau, metric, portfolio_x=x
            )
            lr = min(SGD_LR_FACTOR / curv, 4.0 * lr)
        self.settled = self.tau >= 0.75 * previous and full
        return lr
