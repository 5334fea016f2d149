"""Risk-budgeting arithmetic shared by the engine objective and the exact reference.

With the population covariance ``Sigma`` (centred on the full-data mean ``mu``), the
variance risk contribution of asset ``i`` in portfolio ``w`` is

    RC_i(w) = w_i (Sigma w)_i / w' Sigma w,      sum_i RC_i = 1.

The functions here compute ``w' Sigma w`` and ``Sigma w`` in float64 from the data, one
chunk of rows at a time (never a float64 copy of the whole matrix), the starting point
and the floor of the engine's iterate, and the Newton polish of the exact reference.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import DataError
from ..measures.kernels.qp_finish import moment_matrix

FLOOR_FRACTION = 0.5
"""The iterate's floor is this fraction of the proven lower bound ``b_i / sigma_i`` of y*."""


def normalised_budgets(budgets: Sequence[float] | None, n_assets: int) -> np.ndarray:
    """Budgets (N,) normalised to sum 1 (equal budgets ``1/N`` when None).

    Raises
    ------
    DataError
        When the number of budgets is not the number of assets (entries are checked
        finite and ``> 0`` by :class:`~portfolio_sgd.objectives.ObjectiveSpec`).
    """
    if budgets is None:
        return np.full(n_assets, 1.0 / n_assets)
    beta = np.asarray(budgets, dtype=np.float64)
    if beta.shape != (n_assets,):
        raise DataError(f"{beta.size} risk budgets for {n_assets} assets")
    if not (np.all(np.isfinite(beta)) and np.all(beta > 0)):
        raise DataError(f"risk budgets must be {n_assets} finite numbers > 0")
    return beta / beta.sum()


@functools.lru_cache(maxsize=32)
def _budget_tensor(
    budgets: tuple[float, ...] | None, n_assets: int, dtype: torch.dtype, device: str
) -> torch.Tensor:
    return torch.tensor(normalised_budgets(budgets, n_assets), dtype=dtype, device=device)


def budget_tensor(budgets: tuple[float, ...] | None, like: torch.Tensor) -> torch.Tensor:
    """Normalised budgets (N,) in the dtype and on the device of ``like`` (..., N).

    Cached per (budgets, N, dtype, device): the engine asks once before its first step,
    so later calls (inside a captured CUDA graph too) copy nothing from the host.
    """
    return _budget_tensor(budgets, int(like.shape[-1]), like.dtype, str(like.device))


def variance_terms(
    returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor, chunk_rows: int = 65_536
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(w' Sigma w, Sigma w)`` of K portfolios, in float64, in row chunks.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    w : Tensor, shape (K, N)
    mean : Tensor, shape (N,)
        The full-data mean ``mu``.
    chunk_rows : int

    Returns
    -------
    variance : Tensor, float64, shape (K,)
    sigma_w : Tensor, float64, shape (K, N)
        ``Cov(r, x) = E[(x - mu.w) r] - E[x - mu.w] mu``.
    """
    w64 = w.to(device=returns.device, dtype=torch.float64)
    mu = mean.to(device=returns.device, dtype=torch.float64)
    m = w64 @ mu
    square = torch.zeros(w64.shape[0], dtype=torch.float64, device=returns.device)
    dev_sum = torch.zeros_like(square)
    cross = torch.zeros_like(w64)
    for start in range(0, returns.shape[0], chunk_rows):
        rows = returns[start : start + chunk_rows].to(torch.float64)
        dev = w64 @ rows.T - m[:, None]
        square += (dev * dev).sum(dim=1)
        dev_sum += dev.sum(dim=1)
        cross += dev @ rows
    n_rows = returns.shape[0]
    return square / n_rows, cross / n_rows - (dev_sum / n_rows)[:, None] * mu


def contributions(
    returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor, chunk_rows: int = 65_536
) -> torch.Tensor:
    """Risk contributions ``RC_i = w_i (Sigma w)_i / w' Sigma w`` (K, N), float64."""
    variance, sigma_w = variance_terms(returns, w, mean, chunk_rows)
    return w.to(sigma_w) * sigma_w / variance[:, None]


def asset_volatilities(returns: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """Per-asset population standard deviations ``sigma_i`` (N,), float64.

    Raises
    ------
    DataError
        For an asset with zero variance (its risk contribution is undefined).
    """
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    mu = mean.to(device=returns.device, dtype=torch.float64)
    for start in range(0, returns.shape[0], 65_536):
        block = returns[start : start + 65_536].to(torch.float64) - mu
        total += (block * block).sum(dim=0)
    sigma = torch.sqrt(total / returns.shape[0])
    flat = (sigma <= 0).nonzero()
    if flat.numel():
        raise DataError(
            f"asset {int(flat[0, 0])} has zero variance: risk parity needs every asset to vary"
        )
    return sigma


def start_and_floor(
    returns: torch.Tensor, mean: torch.Tensor, beta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The engine's default start ``y0`` and the floor of its iterate, (N,) each, float64.

    The start is ``y0_i ∝ sqrt(b_i) / sigma_i`` (the solution for uncorrelated assets),
    scaled so that ``y0' Sigma y0 = 1``, the value ``sum b`` that every stationary point
    has. The floor is half the proven lower bound of the optimum: by Cauchy-Schwarz
    ``(Sigma y*)_i <= sigma_i sqrt(y*' Sigma y*) = sigma_i``, so ``y*_i >= b_i / sigma_i``.
    The floor never binds at the solution and keeps the barrier's curvature bounded.
    """
    sigma = asset_volatilities(returns, mean)
    b = beta.to(sigma)
    y0 = torch.sqrt(b) / sigma
    variance, _ = variance_terms(returns, y0[None, :], mean)
    y0 = y0 / torch.sqrt(variance[0])
    floor = FLOOR_FRACTION * b / sigma
    return torch.maximum(y0, floor), floor


def rescale(returns: torch.Tensor, y: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """``y`` (K, N) scaled so that ``y' Sigma y = 1`` (the optimal scale of the barrier)."""
    variance, _ = variance_terms(returns, y, mean)
    return y / torch.sqrt(variance.clamp_min(1e-300)).to(y)[:, None]


def newton_polish(
    cov: np.ndarray, beta: np.ndarray, y0: np.ndarray, count: bool = False
) -> np.ndarray | tuple[np.ndarray, int]:
    """Polish ``argmin_{y > 0} 1/2 y'Cy - beta'log y`` with damped Newton steps.

    Interior-point solvers stop around 1e-6 relative accuracy on exponential cones; the
    problem is smooth and strictly convex on ``y > 0``, so a few Newton steps from the
    solver's point reach machine precision.

    Parameters
    ----------
    cov : ndarray, shape (N, N)
    beta : ndarray, shape (N,)
    y0 : ndarray, shape (N,)
    count : bool
        Also return the number of Newton steps taken.

    Returns
    -------
    ndarray, shape (N,) (and the step count when ``count``)
    """
    y = np.maximum(np.asarray(y0, dtype=np.float64), 1e-12 * max(float(np.max(y0)), 1e-12))

    def f(z: np.ndarray) -> float:
        return 0.5 * z @ cov @ z - beta @ np.log(z)

    steps = 0
    for _ in range(50):
        grad = cov @ y - beta / y
        step = np.linalg.solve(cov + np.diag(beta / y**2), grad)
        decrement = float(grad @ step)  # squared Newton decrement
        if not decrement > 1e-24:
            break
        t, f0 = 1.0, f(y)
        # Near the optimum full steps are safe and f is flat to rounding: skip the search.
        local = decrement < 1e-8 and bool(np.all(y - step > 0))
        while (
            not local
            and t > 1e-10
            and (np.any(y - t * step <= 0) or f(y - t * step) > f0 - 1e-4 * t * decrement)
        ):
            t *= 0.5
        if t <= 1e-10:  # no further decrease at machine precision
            break
        y = y - t * step
        steps += 1
    return (y, steps) if count else y


def kl_gap(rc: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """``KL(b || RC) = -sum_i b_i log(RC_i / b_i)`` (K,): ``+inf`` where some ``RC_i <= 0``."""
    b = beta.to(rc)
    safe = rc.clamp_min(1e-300)
    gap = -(b * torch.log(safe / b)).sum(dim=1)
    return torch.where((rc > 0).all(dim=1), gap, torch.full_like(gap, math.inf))


EXACT_RESIDUAL = 1e-11
"""A Newton finish is exact when ``max_i |RC_i - b_i|`` is at most this (rounding level
for contributions of order ``1 / N``; the certificate's ``KL(b || RC)`` is then ~1e-20)."""


@dataclass(frozen=True)
class NewtonFinishRow:
    """One run's Newton finish of the risk-budget problem: verified or not, and its cost."""

    exact: bool
    status: str
    iterations: int
    residual: float
    seconds: float
    kind: str = "Newton"

    @property
    def rounds(self) -> int:  # the field the finish's work count reads
        return self.iterations

    @property
    def window_rows(self) -> int:
        return 0

    @staticmethod
    def describe_runs(rows: Sequence[NewtonFinishRow]) -> str:
        """One summary line for K runs."""
        n_exact = sum(bool(r.exact) for r in rows)
        head = "exact Newton finish" if n_exact == len(rows) else "Newton finish: not exact"
        worst = max(float(r.residual) for r in rows)
        return (
            f"{head} ({n_exact}/{len(rows)} runs exact; "
            f"{sum(r.iterations for r in rows)} Newton steps, max |RC - b| {worst:.1e}, "
            f"{sum(r.seconds for r in rows):.3f} s)"
        )


def newton_finish(
    returns: torch.Tensor, mean: torch.Tensor, y: torch.Tensor, beta: np.ndarray
) -> tuple[torch.Tensor, list[NewtonFinishRow]]:
    """The exact risk-budget weights of K runs: :func:`newton_polish` on ``Sigma``.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    mean : Tensor, shape (N,)
        The full-data mean (``Sigma`` is centred on it, as the engine's objective).
    y : Tensor, shape (K, N)
        The engine's iterates (the Newton starts; any positive scale).
    beta : ndarray, shape (N,)
        Normalised budgets.

    Returns
    -------
    (weights (K, N) float64, normalised to sum 1, rows)
        A run's weights are its Newton answer where that is finite and positive, else
        its normalised iterate; ``exact`` where ``max |RC - b| <= EXACT_RESIDUAL``.
    """
    began = time.perf_counter()
    sigma, _ = moment_matrix(returns, mean)
    s2 = max(float(np.trace(sigma)) / sigma.shape[0], 1e-300)
    cov = sigma / s2  # order-one entries: the Newton systems are well scaled
    starts = y.detach().to("cpu", torch.float64).numpy() * math.sqrt(s2)
    prep = time.perf_counter() - began
    out, rows = [], []
    for k, start in enumerate(starts):
        tick = time.perf_counter()
        z, steps = newton_polish(cov, beta, start, count=True)
        ok = bool(np.all(np.isfinite(z)) and np.all(z > 0))
        w = z / z.sum() if ok else start / start.sum()
        sw = cov @ w
        residual = float(np.max(np.abs(w * sw / float(w @ sw) - beta)))
        exact = ok and residual <= EXACT_RESIDUAL
        seconds = time.perf_counter() - tick + (prep if k == 0 else 0.0)
        status = "optimal" if exact else "residual above the exact bar"
        rows.append(NewtonFinishRow(exact, status, steps, residual, seconds))
        out.append(w)
    return torch.from_numpy(np.stack(out)).to(y.device), rows
