"""Certificates with trading costs: the L1 cost kept exactly, the smooth part linearised.

With holdings ``p``, costs ``c``, impact ``kappa`` and the feasible set ``C`` (budget,
per-asset intervals ``[lo_i, hi_i]`` that include the per-asset turnover limits, and an
optional cap ``1/2 ||w - p||_1 <= delta``), the objective is
``F(w) = f(w) + I(w) + sum_i c_i |w_i - p_i|`` with the impact ``I(w) = sum kappa |w - p|^1.5``.
For convex ``f + I`` and any ``w``:

    F* >= f(w) + I(w) + min_{s in C} [ g.(s - w) + sum_i c_i |s_i - p_i| ],
    g = grad f(w) + grad I(w)

(the linearisation of the differentiable part, the non-smooth cost kept exactly), which is
tight at the optimum. The inner problem is the cost-aware linear minimisation of the
trading set (:class:`~portfolio_sgd.constraints.trading.oracle.TradingSet`). For CVaR the
LP-duality bound of :mod:`.cvar` runs on the same lifted set, one row at a time with the
row's impact gradient.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ..constraints.trading.oracle import TradingSet
from .smooth import smooth_terms

__all__ = ["trading_lower_bound"]


def trading_lower_bound(
    spec: Any,
    data: torch.Tensor,
    w: torch.Tensor,
    mu: torch.Tensor,
    fset: TradingSet,
    **kwargs: Any,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
    """``(F(w), lower bound on F*, E|l_t|, method)`` with the trading terms (K,) each.

    Smooth objectives: the bound of the module docstring with the exact full-data
    gradient. Others (CVaR): the objective's own bound on the lifted set, per row, with the
    row's impact gradient as the extra linear term.
    """
    terms = fset.terms
    p = torch.as_tensor(terms.previous, dtype=torch.float64, device=w.device)
    kappa = torch.as_tensor(terms.impact, dtype=torch.float64, device=w.device)
    d = w - p
    impact = (d.abs().pow(1.5) * kappa).sum(dim=1)
    impact_grad = 1.5 * kappa * d.abs().sqrt() * torch.sign(d)
    cost = fset.offset(w)
    if spec.impl.is_smooth:
        value, grad, abs_loss = smooth_terms(
            spec.impl,
            data,
            w,
            mu,
            risk_aversion=kwargs["risk_aversion"],
            benchmark=kwargs.get("benchmark"),
            chunk_rows=kwargs.get("chunk_rows", 65_536),
            row_weights=kwargs.get("row_weights"),
        )
        g = grad + impact_grad
        finite = torch.isfinite(g).all(dim=1, keepdim=True)
        s = fset.minimize(torch.where(finite, g, torch.zeros_like(g)))
        lower = value + impact + (g * (s - w)).sum(dim=1) + fset.offset(s)
        lower = torch.where(finite[:, 0], lower, torch.full_like(lower, -torch.inf))
        method = "frank-wolfe with exact L1 trading costs (exact full-data gradient)"
        return value + impact + cost, lower, abs_loss, method
    values, lowers, losses, methods = [], [], [], []
    for k in range(w.shape[0]):
        row_set = dataclasses.replace(fset, linear=impact_grad[k].cpu().numpy())
        v, lb, al, how = spec.impl.lower_bound(data, w[k : k + 1], mu, row_set, **kwargs)
        shift = float(impact[k] - impact_grad[k] @ w[k])
        values.append(float(v[0]) + float(impact[k]) + float(cost[k]))
        lowers.append(float(lb[0]) + shift)
        losses.append(float(al[0]))
        methods.append(how + " with exact L1 trading costs")
    out = [torch.tensor(x, dtype=torch.float64) for x in (values, lowers, losses)]
    return out[0], out[1], out[2], "; ".join(dict.fromkeys(methods))
