"""Momentum policy: heavier momentum and adaptive restart once gradients are exact."""

from __future__ import annotations

from dataclasses import dataclass

import torch

FULL_BATCH_MOMENTUM = 0.99


@dataclass
class MomentumRestart:
    """Gradient restart (O'Donoghue and Candes) of SGD momentum, with exact gradients only.

    With exact gradients heavier momentum is safe with restarts and fixes ill-conditioned
    problems (accelerated projected gradient): it is raised once to
    :data:`FULL_BATCH_MOMENTUM` on the first exact step.
    """

    enabled: bool
    raised: bool = False

    def on_regime(self, optimizer: torch.optim.Optimizer, full: bool) -> None:
        """Raise the momentum on the first exact step."""
        if full and self.enabled and not self.raised:
            for group in optimizer.param_groups:
                group["momentum"] = max(group["momentum"], FULL_BATCH_MOMENTUM)
            self.raised = True

    def active(self, full: bool) -> bool:
        """Whether this step tests for a restart (exact gradients only)."""
        return self.enabled and full


def restart_momentum(optimizer: torch.optim.Optimizer, uphill: torch.Tensor) -> None:
    """Zero the momentum of the runs whose last step went uphill (gradient restart).

    Parameters
    ----------
    optimizer : torch.optim.SGD
    uphill : Tensor of bool, shape (K,)
        ``<grad, step> > 0`` per run.
    """
    keep = 1.0 - uphill.to(torch.float64)
    for group in optimizer.param_groups:
        for param in group["params"]:
            buf = optimizer.state.get(param, {}).get("momentum_buffer")
            if buf is None:
                continue
            factor = keep.to(buf.dtype)
            buf.mul_(factor[:, None] if buf.ndim == 2 else factor)
