"""Exact full-data values and gradients (float64, in row chunks) and the Frank-Wolfe gap.

For a convex differentiable ``f`` and any ``w``, convexity gives
``f(w*) >= f(w) + grad f(w).(w* - w)``, so

    f(w) - f*  <=  max_{s in C} grad f(w).(w - s)  =  grad f(w).w - min_{s in C} grad f(w).s,

the Frank-Wolfe (FW) gap. It is a *proven* bound only with the exact full-data gradient:
a mini-batch gradient gives a random number that bounds nothing. :func:`smooth_terms`
computes that gradient in float64 from the data one chunk of rows at a time, converting
each chunk separately, so a large float32 matrix is never copied to float64 as a whole.

Objectives (population variances, centred on the full-data mean ``mu``; ``x = R w``):

============== ============================ ==========================================
name           f(w)                         grad f(w)
============== ============================ ==========================================
mean-variance  -mu.w + (lam/2) E[d^2]        -mu + lam E[(R_t - mu) d_t],  d = x - mu.w
min-variance   E[d^2]                        2 E[(R_t - mu) d_t]
kelly          -E[log(1 + x)]                -E[R_t / (1 + x_t)]
tracking       E[(x - b)^2]                  2 E[R_t (x_t - b_t)]
============== ============================ ==========================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

__all__ = ["column_mean", "frank_wolfe_gap", "iter_chunks", "smooth_terms"]

SMOOTH_OBJECTIVES = ("mean-variance", "min-variance", "kelly", "tracking")


def iter_chunks(returns: torch.Tensor, chunk_rows: int) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, rows)`` with each block of ``chunk_rows`` rows converted to float64.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    chunk_rows : int

    Yields
    ------
    start : int
    rows : Tensor, float64, shape (<= chunk_rows, N), on the device of ``returns``
    """
    for start in range(0, returns.shape[0], chunk_rows):
        yield start, returns[start : start + chunk_rows].to(torch.float64)


def column_mean(returns: torch.Tensor, chunk_rows: int = 65_536) -> torch.Tensor:
    """Full-data column mean ``mu`` accumulated in float64.

    Returns
    -------
    Tensor, float64, shape (N,)
    """
    total = torch.zeros(returns.shape[1], dtype=torch.float64, device=returns.device)
    for _, rows in iter_chunks(returns, chunk_rows):
        total += rows.sum(dim=0)
    return total / returns.shape[0]


def smooth_terms(
    objective: str,
    returns: torch.Tensor,
    weights: torch.Tensor,
    mean: torch.Tensor,
    *,
    risk_aversion: torch.Tensor,
    benchmark: torch.Tensor | None = None,
    chunk_rows: int = 65_536,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exact ``f(w)``, ``grad f(w)`` and ``E_t |l_t(w)|`` on the full data, in float64.

    Parameters
    ----------
    objective : str
        One of ``mean-variance``, ``min-variance``, ``kelly``, ``tracking``.
    returns : Tensor, shape (T, N)
        Any floating dtype; read in chunks of ``chunk_rows`` rows.
    weights : Tensor, float64, shape (K, N)
    mean : Tensor, float64, shape (N,)
        The full-data mean ``mu`` that centres the variance terms.
    risk_aversion : Tensor, float64, shape (K,)
        ``lam`` per row (mean-variance only).
    benchmark : Tensor, shape (T,), optional
        Benchmark returns (tracking only).
    chunk_rows : int

    Returns
    -------
    value : Tensor, float64, shape (K,)
        ``f(w)`` (``+inf`` for Kelly where some ``1 + x_t <= 0``).
    grad : Tensor, float64, shape (K, N)
        ``grad f(w)`` (NaN rows where the value is infinite).
    abs_loss : Tensor, float64, shape (K,)
        Mean absolute per-scenario loss ``E_t |l_t(w)|`` (the scale of ``f``'s terms).
    """
    n_rows = returns.shape[0]
    k = weights.shape[0]
    value = torch.zeros(k, dtype=torch.float64, device=weights.device)
    abs_loss = torch.zeros_like(value)
    grad = torch.zeros_like(weights)
    mean_ret = weights @ mean
    centred = objective in ("mean-variance", "min-variance")
    for start, rows in iter_chunks(returns, chunk_rows):
        if centred:
            rows = rows - mean
        x = rows @ weights.T  # (B, K): deviations d for the centred objectives
        if objective == "tracking":
            b = benchmark[start : start + rows.shape[0]].to(torch.float64)
            g = 2.0 * (x - b[:, None])
            loss = 0.25 * g * g
        elif objective == "kelly":
            loss = -torch.log1p(x)
            g = -1.0 / (1.0 + x)
        elif objective == "min-variance":
            loss, g = x * x, 2.0 * x
        else:  # mean-variance, x holds d = x - mu.w
            loss = -(x + mean_ret) + 0.5 * risk_aversion * x * x
            g = risk_aversion * x
        value += loss.sum(dim=0)
        abs_loss += loss.abs().sum(dim=0)
        grad += g.T @ rows
    value, abs_loss, grad = value / n_rows, abs_loss / n_rows, grad / n_rows
    if objective == "mean-variance":
        grad = grad - mean
    if objective == "kelly":
        bad = ~torch.isfinite(value) | torch.isnan(grad).any(dim=1)
        value = torch.where(bad, torch.full_like(value, torch.inf), value)
    return value, grad, abs_loss


def frank_wolfe_gap(
    grad: torch.Tensor,
    weights: torch.Tensor,
    lmo: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """The Frank-Wolfe gap ``max_{s in C} grad.(w - s)``, an upper bound on ``f(w) - f*``.

    Parameters
    ----------
    grad : Tensor, shape (K, N)
        The *exact* full-data gradient ``grad f(w)`` (a mini-batch gradient bounds
        nothing); for a non-smooth convex ``f`` any subgradient at ``w`` works.
    weights : Tensor, shape (K, N)
        The points ``w``.
    lmo : callable
        ``lmo(c) -> argmin_{s in C} c.s`` row by row, e.g. :meth:`FeasibleSet.minimize`.

    Returns
    -------
    Tensor, float64, shape (K,)
        The gap (``>= 0`` up to rounding when ``w`` is feasible; ``+inf`` where ``grad``
        is not finite).
    """
    g = grad.to(torch.float64)
    w = weights.to(device=g.device, dtype=torch.float64)
    finite = torch.isfinite(g).all(dim=1)
    g_safe = torch.where(finite[:, None], g, torch.zeros_like(g))
    s = lmo(g_safe).to(device=g.device, dtype=torch.float64)
    gap = (g_safe * (w - s)).sum(dim=1)
    return torch.where(finite, gap, torch.full_like(gap, torch.inf))
