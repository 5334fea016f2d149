"""Exact full-data values and gradients of a smooth objective, and the Frank-Wolfe gap.

For a convex differentiable ``f`` and any ``w``, convexity gives
``f(w*) >= f(w) + grad f(w).(w* - w)``, so

    f(w) - f*  <=  max_{s in C} grad f(w).(w - s)  =  grad f(w).w - min_{s in C} grad f(w).s,

the Frank-Wolfe (FW) gap. It is a *proven* bound only with the exact full-data gradient:
a mini-batch gradient gives a random number that bounds nothing. :func:`smooth_terms`
computes that gradient in float64 from the data one chunk of rows at a time
(:func:`~portfolio_sgd.measures.chunks.iter_chunks`).

The value and gradient come from the objective's own per-scenario losses and
derivatives (:class:`~portfolio_sgd.objectives.PortfolioObjective`), evaluated in float64:
``grad f = E[g_t R_t] + E[c_t] mu``, plus the objective's direct term in ``w``
(``weight_loss``/``weight_gradient``) where it has one. This is the smooth objectives'
lower bound (a measure's default, see :mod:`.base`); :mod:`portfolio_sgd.certificate.smooth`
composes it into certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .chunks import iter_chunks

__all__ = ["frank_wolfe_gap", "smooth_terms"]


def smooth_terms(
    objective: Any,
    returns: torch.Tensor,
    weights: torch.Tensor,
    mean: torch.Tensor,
    *,
    risk_aversion: torch.Tensor,
    benchmark: torch.Tensor | None = None,
    chunk_rows: int = 65_536,
    row_weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exact ``f(w)``, ``grad f(w)`` and ``E_t |l_t(w)|`` on the full data, in float64.

    With ``row_weights`` c (T,), mean 1, the objective is the weighted average
    ``(1/T) sum_t c_t l_t`` (recency weighting), ``mean`` then being the weighted mean.

    Generic over the objective protocol: the per-scenario losses and derivatives
    ``(g, c)`` of ``objective`` give ``grad f = E[g_t R_t] + E[c_t] mu``.

    Parameters
    ----------
    objective : PortfolioObjective
        A smooth objective (``spec.impl``).
    returns : Tensor, shape (T, N)
        Any floating dtype; read in chunks of ``chunk_rows`` rows.
    weights : Tensor, float64, shape (K, N)
    mean : Tensor, float64, shape (N,)
        The full-data mean ``mu`` that centres the variance terms.
    risk_aversion : Tensor, float64, shape (K,)
        Per-row risk aversion (used by the objectives that have one).
    benchmark : Tensor, shape (T,), optional
        Benchmark returns (objectives with ``needs_benchmark``).
    chunk_rows : int

    Returns
    -------
    value : Tensor, float64, shape (K,)
        ``f(w)`` (``+inf`` where a loss is infinite, e.g. Kelly with some ``1 + x_t <= 0``).
    grad : Tensor, float64, shape (K, N)
    abs_loss : Tensor, float64, shape (K,)
        Mean absolute per-scenario loss ``E_t |l_t(w)|`` (the scale of ``f``'s terms).
    """
    n_rows = returns.shape[0]
    value = torch.zeros(weights.shape[0], dtype=torch.float64, device=weights.device)
    abs_loss = torch.zeros_like(value)
    grad = torch.zeros_like(weights)
    c_sum = torch.zeros_like(value)
    mean_return = weights @ mean
    for start, rows in iter_chunks(returns, chunk_rows):
        x = weights @ rows.T  # (K, B)
        bench = None
        if benchmark is not None:
            bench = benchmark[start : start + rows.shape[0]].to(torch.float64)[None, :]
        args = (x, mean_return, None, bench, risk_aversion)
        loss = objective.losses(*args)
        g, c, _ = objective.derivatives(*args)
        if row_weights is not None:
            cw = row_weights[start : start + rows.shape[0]].to(torch.float64)[None, :]
            loss, g = loss * cw, g * cw
            c = c * cw if c is not None else None
        value += loss.sum(dim=1)
        abs_loss += loss.abs().sum(dim=1)
        grad += g @ rows
        if c is not None:
            c_sum += c.sum(dim=1)
    value, abs_loss = value / n_rows, abs_loss / n_rows
    grad = grad / n_rows + (c_sum / n_rows)[:, None] * mean
    extra = objective.weight_gradient(weights)  # a term in w itself (risk parity's barrier)
    if extra is not None:
        direct = objective.weight_loss(weights)
        value, grad, abs_loss = value + direct, grad + extra, abs_loss + direct.abs()  # type: ignore[operator]
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
