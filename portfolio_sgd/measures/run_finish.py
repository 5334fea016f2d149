"""Run-by-run exact finishes and bounds of the sample measures solved one portfolio at a
time on the host (EVaR's SLSQP, the Ulcer index's SOCP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from .kernels.cvar_polish import PolishRow
from .linear_term import host_linear

__all__ = ["bound_runs", "finish_runs", "host"]

OneFinish = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, str, float, float]]
"""``(R, w0, c) -> (w, status, value, seconds)`` of one run, ``min rho(w) + c.w``."""
OneBound = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, float]]
"""``(R, w, c) -> (rho(w) + c.w, lower bound)`` of one run."""


def host(t: torch.Tensor) -> np.ndarray:
    """A tensor as a float64 numpy array on the host."""
    return t.detach().to("cpu", torch.float64).numpy()


def finish_runs(
    one: OneFinish,
    returns: torch.Tensor,
    weights: torch.Tensor,
    linear: torch.Tensor | None,
) -> tuple[torch.Tensor, list[PolishRow]]:
    """Each run's finish ``min rho(w) + c_k.w`` (``linear`` (K, N)): weights (K, N) and one
    report per run."""
    r = host(returns)
    w0, lin = host_linear(weights, linear)
    out, rows = [], []
    for k in range(w0.shape[0]):
        w, status, value, seconds = one(r, w0[k], lin[k])
        out.append(w)
        rows.append(PolishRow(status, 1, r.shape[0], value, seconds))
    return torch.from_numpy(np.stack(out)), rows


def bound_runs(
    one: OneBound,
    name: str,
    returns: torch.Tensor,
    w: torch.Tensor,
    feasible: Any,
    linear: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(values (K,), lower bounds (K,))`` of each run.

    Raises
    ------
    ConfigError
        Over a set with trading costs (the bounds have no cost term).
    """
    if getattr(feasible, "terms", None) is not None:
        raise ConfigError(f"no optimality certificate for {name} with trading costs")
    r = host(returns)
    wn, lin = host_linear(w, linear)
    pairs = [one(r, wn[k], lin[k]) for k in range(wn.shape[0])]
    value, lower = (np.array(v, dtype=np.float64) for v in zip(*pairs, strict=True))
    return torch.from_numpy(value), torch.from_numpy(lower)
