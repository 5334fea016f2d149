"""The objective's linear term ``c.w`` as the exact finishes and bounds of the non-smooth
measures take it: ``f(w) = a (rho(w) + c.w)`` per run (min-risk: ``c = 0``; utility
``-mu.w + g rho``: ``c = -mu / g``), see :meth:`~portfolio_sgd.objectives.measured.
MeasuredObjective.measure_terms`."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["host_linear"]


def host_linear(w: torch.Tensor, linear: torch.Tensor | None) -> tuple[np.ndarray, np.ndarray]:
    """Weights (K, N) and the linear term (K, N; zeros when None) as float64 numpy."""
    w64 = np.atleast_2d(w.detach().to("cpu", torch.float64).numpy())
    if linear is None:
        return w64, np.zeros_like(w64)
    lin = linear.detach().to("cpu", torch.float64).numpy()
    return w64, np.broadcast_to(lin, w64.shape)
