"""Iterate averaging (Polyak-Ruppert or tail), kept on the device."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import Averaging, EngineConfig


@dataclass
class IterateAverage:
    """A running mean of the iterates from ``start_step`` on (None tensors: averaging off).

    The in-step update (:meth:`update`) is device-only, so a captured CUDA graph can hold
    it; :attr:`count` is the host-side count of averaged steps.
    """

    mode: Averaging
    start_step: int
    w: torch.Tensor | None = None
    t: torch.Tensor | None = None
    n: torch.Tensor | None = None
    count: int = 0

    @classmethod
    def start(
        cls,
        mode: Averaging,
        config: EngineConfig,
        max_steps: int | None,
        w: torch.Tensor,
        t: torch.Tensor | None,
    ) -> IterateAverage:
        """Averaging state at step 0 for ``w`` (K, N) and ``t`` (K,)."""
        if mode is Averaging.NONE:
            return cls(mode, 1 << 62)
        if mode is Averaging.TAIL and max_steps is not None:
            first = int((1.0 - config.tail_fraction) * max_steps)
        else:
            budget = max_steps if max_steps is not None else config.eval_every * 10
            first = int(0.1 * budget)
        avg_t = t.detach().clone() if t is not None else None
        n = torch.zeros((), device=w.device, dtype=w.dtype)
        return cls(mode, first, w.detach().clone(), avg_t, n)

    def active_at(self, step: int) -> bool:
        """Whether ``step`` is averaged."""
        return self.w is not None and step >= self.start_step

    def update(self, w: torch.Tensor, t: torch.Tensor | None) -> None:
        """Add the current iterate (device ops only)."""
        assert self.w is not None and self.n is not None
        self.n.add_(1.0)
        self.w.add_((w - self.w) / self.n)
        if self.t is not None and t is not None:
            self.t.add_((t - self.t) / self.n)

    def report(self, w: torch.Tensor) -> torch.Tensor:
        """The iterate to report: the average once one step was averaged, else ``w``."""
        return self.w if (self.w is not None and self.count > 0) else w
