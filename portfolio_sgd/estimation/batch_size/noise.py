"""Gradient noise: per-sample gradient variance, measured mini-batch variance, temperature.

Convention (used for both the measured and the predicted variance): gradients are
*tangent-space* gradients. Every per-sample gradient ``G_t = g_t R_t + c_t mu`` (see
:func:`portfolio_sgd.objectives.scenario_derivatives`) has its mean over the assets
subtracted, because moves along (1, ..., 1) are removed by the budget projection (the
engine centres its gradients the same way). For CVaR the gradient is the one with respect
to the weights at the VaR level of ``w`` (the ``t`` component is not included).

    sigma^2 = trace Cov_t[P G_t] = (1/T) sum_t ||P G_t - P grad f||^2      (population)

A mini-batch of ``m`` scenarios drawn with replacement has gradient variance
``sigma^2 / m``; without replacement (shuffled epochs) ``sigma^2 / m * (1 - m/T) T/(T-1)``.
"""

from __future__ import annotations

import numpy as np
import torch

from ...engine.sampling import BatchSampler, Sampling, finite_population_factor
from ...objectives import ObjectiveSpec, optimal_var_level, scenario_derivatives


def per_sample_gradients(
    spec: ObjectiveSpec,
    returns: np.ndarray | torch.Tensor,
    weights: np.ndarray | torch.Tensor,
    benchmark: np.ndarray | torch.Tensor | None = None,
    tangent: bool = True,
) -> torch.Tensor:
    """Per-scenario gradients of K portfolios.

    Parameters
    ----------
    spec : ObjectiveSpec
    returns : array, shape (T, N)
    weights : array, shape (K, N) or (N,)
    benchmark : array, shape (T,), optional
        Tracking benchmark.
    tangent : bool
        Subtract each gradient's mean over the assets (see the module docstring).

    Returns
    -------
    Tensor, shape (K, T, N)
        float64.
    """
    r = (
        torch.as_tensor(np.array(returns, dtype=np.float64))
        if not torch.is_tensor(returns)
        else returns
    )
    r = r.to(torch.float64)
    w = (
        torch.as_tensor(np.array(weights, dtype=np.float64))
        if not torch.is_tensor(weights)
        else weights
    )
    w = torch.atleast_2d(w.to(torch.float64))
    mean = r.mean(dim=0)
    x = w @ r.T  # (K, T)
    t = optimal_var_level(x, spec.alpha) if spec.has_var_level else None
    bench = None
    if benchmark is not None:
        bench = torch.as_tensor(np.array(benchmark, dtype=np.float64))[None, :]
    g, c, _ = scenario_derivatives(spec, x, w @ mean, t, bench)
    grads = g[:, :, None] * r[None, :, :]
    if c is not None:
        grads = grads + c[:, :, None] * mean[None, None, :]
    if tangent:
        grads = grads - grads.mean(dim=2, keepdim=True)
    return grads


def gradient_variance(
    spec: ObjectiveSpec,
    returns: np.ndarray,
    weights: np.ndarray,
    benchmark: np.ndarray | None = None,
    chunk: int = 16,
) -> np.ndarray:
    """Per-sample gradient variance ``sigma^2`` (trace of the covariance) of K portfolios.

    Parameters
    ----------
    spec : ObjectiveSpec
    returns : ndarray, shape (T, N)
    weights : ndarray, shape (K, N) or (N,)
    benchmark : ndarray, shape (T,), optional
    chunk : int
        Portfolios per (chunk, T, N) temporary.

    Returns
    -------
    ndarray, shape (K,)
        Population trace covariance of the tangent-space per-sample gradients.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    r = torch.as_tensor(np.array(returns, dtype=np.float64))
    out = []
    for i in range(0, w.shape[0], chunk):
        grads = per_sample_gradients(spec, r, w[i : i + chunk], benchmark)
        centred = grads - grads.mean(dim=1, keepdim=True)
        out.append((centred * centred).sum(dim=2).mean(dim=1))
    return torch.cat(out).numpy()


def predicted_batch_variance(
    sigma2: float, batch_size: int, n_rows: int, sampling: str | Sampling
) -> float:
    """Predicted mini-batch gradient variance ``sigma^2 / m`` (times the finite-population factor)."""
    return sigma2 / batch_size * finite_population_factor(batch_size, n_rows, sampling)


def temperature(
    lr: float | np.ndarray, sigma2: float, batch_size: int | np.ndarray
) -> float | np.ndarray:
    """Effective temperature ``eta * sigma^2 / (2 m)``."""
    return lr * sigma2 / (2.0 * batch_size)


def measure_batch_variance(
    grads: torch.Tensor,
    batch_size: int,
    draws: int,
    sampling: str | Sampling = Sampling.REPLACEMENT,
    seed: int = 0,
    streams: int = 256,
) -> float:
    """Mean squared error of mini-batch gradients around the full gradient, by repeated draws.

    Batches are drawn by the engine's own :class:`~portfolio_sgd.engine.sampling.BatchSampler`
    (i.i.d. indices, or consecutive slices of shuffled epochs), ``streams`` at a time.

    Parameters
    ----------
    grads : Tensor, shape (T, N)
        Per-sample gradients at one portfolio.
    batch_size : int
        ``m``.
    draws : int
        Number of mini-batches (rounded up to a multiple of the streams used).
    sampling : {"replacement", "shuffle"}
    seed : int
    streams : int
        Parallel sampling streams.

    Returns
    -------
    float
        ``mean_draws ||mean_{t in B} G_t - mean_t G_t||^2``.
    """
    n_rows = grads.shape[0]
    full = grads.mean(dim=0)
    runs = max(1, min(streams, draws))
    gen = torch.Generator(device=grads.device).manual_seed(int(seed))
    sampler = BatchSampler(n_rows, runs, Sampling(sampling), gen, grads.device, grads.dtype)
    sizes = [int(batch_size)] * runs
    total, count = 0.0, 0
    while count < draws:
        idx = sampler.draw(sizes)
        # index_select on the flat indices: much faster than grads[idx] for a 2-D idx
        rows = grads.index_select(0, idx.reshape(-1)).view(runs, idx.shape[1], -1)
        diff = rows.mean(dim=1) - full
        total += float((diff * diff).sum())
        count += runs
    return total / count
