"""Run-by-run exact finishes and bounds of the sample measures solved one portfolio at a
time on the host (EVaR's SLSQP, the Ulcer index's SOCP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from .kernels.cvar_polish import PolishRow

__all__ = ["bound_runs", "finish_runs", "host"]

OneFinish = Callable[
    [np.ndarray, np.ndarray, np.ndarray, float], tuple[np.ndarray, str, float, float]
]
"""``(R, mu, w0, lam) -> (w, status, value, seconds)`` of one run."""
OneBound = Callable[[np.ndarray, np.ndarray, np.ndarray, float], tuple[float, float]]
"""``(R, mu, w, lam) -> (rho(w) - lam mu.w, lower bound)`` of one run."""


def host(t: torch.Tensor) -> np.ndarray:
    """A tensor as a float64 numpy array on the host."""
    return t.detach().to("cpu", torch.float64).numpy()


def finish_runs(
    one: OneFinish,
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    return_weights: np.ndarray,
) -> tuple[torch.Tensor, list[PolishRow]]:
    """Each run's finish ``min rho(w) - lam_k mu.w``: weights (K, N) and one report per run."""
    r, mu, w0 = host(returns), host(mean), host(weights)
    out, rows = [], []
    for k, lam in enumerate(np.asarray(return_weights, dtype=np.float64)):
        w, status, value, seconds = one(r, mu, w0[k], float(lam))
        out.append(w)
        rows.append(PolishRow(status, 1, r.shape[0], value, seconds))
    return torch.from_numpy(np.stack(out)), rows


def bound_runs(
    one: OneBound,
    name: str,
    returns: torch.Tensor,
    w: torch.Tensor,
    mean: torch.Tensor,
    feasible: Any,
    return_weights: np.ndarray | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(values (K,), lower bounds (K,))`` of each run.

    Raises
    ------
    ConfigError
        Over a set with trading costs (the bounds have no cost term).
    """
    if getattr(feasible, "terms", None) is not None:
        raise ConfigError(f"no optimality certificate for {name} with trading costs")
    r, mu, wn = host(returns), host(mean), host(w)
    lams = np.zeros(wn.shape[0]) if return_weights is None else np.asarray(return_weights)
    pairs = [one(r, mu, wn[k], float(lam)) for k, lam in enumerate(lams)]
    value, lower = (np.array(v, dtype=np.float64) for v in zip(*pairs, strict=True))
    return torch.from_numpy(value), torch.from_numpy(lower)
