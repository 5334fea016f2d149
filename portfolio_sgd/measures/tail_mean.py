"""The mean of the worst ``m`` of ``B`` values, ``m`` real (the CVaR of a sample), in torch."""

from __future__ import annotations

import torch

__all__ = ["torch_tail_mean"]


def torch_tail_mean(values: torch.Tensor, mass: float) -> torch.Tensor:
    """``(sum of the floor(m) largest + frac(m) times the next) / m`` (K,) of ``values``
    (K, B): Rockafellar-Uryasev's minimum, so the CVaR of the sample at ``m = (1 - a) B``;
    differentiable (a subgradient at ties)."""
    ordered = torch.sort(values, dim=1, descending=True).values
    rank = torch.arange(values.shape[1], dtype=values.dtype, device=values.device)
    weight = torch.clamp(mass - rank, 0.0, 1.0)
    return (ordered * weight).sum(dim=1) / mass
