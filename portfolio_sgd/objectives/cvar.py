"""Mean-CVaR (Rockafellar-Uryasev): per scenario ``-lam_r x + t + (-x - t)_+ / (1 - alpha)``.

Minimised jointly over the weights and the VaR level ``t``; at the optimum over ``t`` the
expectation is ``-lam_r E[x] + CVaR_alpha(-x)``. The hinge is not differentiable, so the
engine may replace it by ``tau * softplus(z / tau)`` with a shrinking ``tau`` (see
:mod:`portfolio_sgd.objectives.cvar_smoothing`); reported values are always exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..measures.curvature import return_scale, smoothed_cvar_curvature
from ..measures.cvar import CVAR
from ..measures.cvar_bound import cvar_bound
from ..measures.kernels.cvar_polish import polish_cvar
from ..measures.performance import cvar_and_var
from ..measures.registry import get_measure
from ..measures.scenarios import optimal_var_level, portfolio_returns
from .base import Derivatives, PortfolioObjective, data_scales, require
from .lagrangian import LagrangianFamily, meaningless_limit, unsupported_limit

SPARSE_MIN_ROWS = 16_384
"""Full-data gradients gather the tail scenarios only from this many rows up."""
SPARSE_MAX_FRACTION = 0.4
"""... and only when at most this fraction of scenarios carries a non-negligible weight."""
GATHER_ROWS = 16_384
"""Tail rows gathered at a time (a bounded copy: 16,384 x N, not 0.4 T x N)."""


class CVaR(PortfolioObjective):
    """Mean-CVaR at confidence ``alpha`` with mean-return weight ``lam_r`` (0: min-CVaR)."""

    name = "cvar"
    member = "CVAR"
    aliases = ("mean-cvar", "min-cvar")
    is_smooth = False
    has_var_level = True
    functions = ("min-risk", "utility")
    measure = "cvar"
    cardinality_by_milp = True
    frontier_measure = "cvar"
    parameter_raises_risk = True
    supports_smoothing = True
    per_run_parameter = "return_weight"
    has_exact_finish = True

    def composed_parameters(self, function: str, risk_aversion: float) -> dict[str, float]:
        """Min-risk: ``lam_r = 0``; utility ``mean - g CVaR`` divided by ``g``: ``lam_r = 1 / g``."""
        return {"return_weight": 0.0 if function == "min-risk" else 1.0 / risk_aversion}

    def return_weights(self, risk_aversion: torch.Tensor | None) -> float | torch.Tensor:
        """``lam_r``: the spec's (a float), or per run (K, 1) from a run grid's (K,) values."""
        return self.spec.return_weight if risk_aversion is None else risk_aversion[:, None]

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """``smoothing = tau > 0`` replaces ``(z)_+`` by ``tau softplus(z / tau)``, a smooth
        upper bound within ``tau log 2``; 0 is the exact Rockafellar-Uryasev loss."""
        t = require(var_level, "var_level")[:, None]
        z = -x - t
        hinge = smoothing * F.softplus(z / smoothing) if smoothing > 0 else torch.relu(z)
        lam_r = self.return_weights(risk_aversion)
        return -lam_r * x + t + hinge / (1.0 - self.spec.alpha)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        t = require(var_level, "var_level")[:, None]
        z = -x - t
        step = torch.sigmoid(z / smoothing) if smoothing > 0 else (z > 0).to(x.dtype)
        tail = step / (1.0 - self.spec.alpha)
        return -self.return_weights(risk_aversion) - tail, None, 1.0 - tail

    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        value, _ = cvar_and_var(-x, self.spec.alpha)
        return -self.spec.return_weight * x.mean(axis=0) + value

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """The Rockafellar-Uryasev LP: one auxiliary ``z_t >= 0`` per scenario."""
        s1, _ = data_scales(returns)
        t_len = returns.shape[0]
        mu = returns.mean(axis=0)
        t_var = cp.Variable()
        z = cp.Variable(t_len, nonneg=True)
        alpha, lam_r = self.spec.alpha, self.spec.return_weight
        expr = -(lam_r / s1) * (mu @ w) + t_var + cp.sum(z) / ((1.0 - alpha) * t_len)
        return expr, [z >= -(returns / s1) @ w - t_var]

    def cvxpy_scale(self, cp: Any, returns: np.ndarray, benchmark: np.ndarray | None) -> float:
        """The LP is ``f / s1`` (``s1`` the root mean squared return)."""
        return data_scales(returns)[0]

    # -------------------------------------------------- smoothing continuation
    def initial_smoothing(self, returns: torch.Tensor) -> float:
        """The first smoothing ``tau``: one portfolio-return scale (equal-weight RMS)."""
        return return_scale(returns)

    def next_smoothing(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        tau: float,
        final_fraction: float,
    ) -> tuple[float, torch.Tensor]:
        """Halve ``tau`` down to its floor, after moving ``t`` to the exact VaR of ``w``.

        The floor is ``max(final_fraction, 10 / T)`` times the *current* portfolio's return
        scale (run 0's standard deviation), so a low-volatility solution gets a
        proportionally small smoothing. ``t`` (K,) is updated in place (an exact block
        minimisation).

        Returns
        -------
        (tau, x)
            The new smoothing and the portfolio returns ``R w`` (K, T) it was fitted on.
        """
        with torch.no_grad():
            x = portfolio_returns(returns, w)  # (K, T)
            t.copy_(optimal_var_level(x, self.spec.alpha))
            scale = float(x[0].std()) if x.shape[1] > 1 else float(x[0].abs().mean())
        floor = max(scale, 1e-300) * max(final_fraction, 10.0 / returns.shape[0])
        return max(floor, 0.5 * tau), x

    def smoothed_curvature(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        tau: float,
        metric: torch.Tensor | None,
        portfolio_x: torch.Tensor | None = None,
    ) -> float:
        """Largest curvature of the smoothed problem at run 0's point (see step_size)."""
        return smoothed_cvar_curvature(
            returns, w, t, tau, self.spec.alpha, metric, portfolio_x=portfolio_x
        )

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        benchmark: torch.Tensor | None,
        risk_aversion: torch.Tensor,
        options: Any = None,
        chunk_rows: int = 65_536,
        row_weights: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
        """The LP-duality bound from the tail scenarios (:mod:`portfolio_sgd.certificate.cvar`)."""
        if row_weights is not None:
            raise ConfigError("no optimality certificate for row-weighted CVaR runs")
        res = cvar_bound(
            returns,
            w,
            mean,
            feasible,
            alpha=self.spec.alpha,
            return_weight=self.spec.return_weight,
            options=options,
            chunk_rows=chunk_rows,
        )
        return res.value, res.lower_bound, res.abs_loss, "; ".join(dict.fromkeys(res.methods))

    def engine_polish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        per_run: torch.Tensor,
        options: Any = None,
    ) -> tuple[torch.Tensor, list[Any]]:
        """The exact tail LP from the engine's weights (``per_run``: ``lam_r`` (K,);
        ``options``: a :class:`~portfolio_sgd.measures.kernels.cvar_polish.PolishOptions`)."""
        return polish_cvar(returns, mean, weights, feasible, self.spec.alpha, per_run, options)

    def gathers_tail_rows(self, n_rows: int) -> bool:
        """Full-data gradients of large problems read the tail rows only (a host sync)."""
        return n_rows >= SPARSE_MIN_ROWS

    def full_gradient_product(
        self,
        g: torch.Tensor,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``g @ R`` (K, N), reading only the rows that matter (``risk_aversion``: per-run
        ``lam_r`` (K,)).

        The scenario derivative is ``-lam_r - tail_t`` where the (smoothed) tail weight
        ``tail_t`` is zero, up to a negligible sigmoid tail, for every scenario well above
        the VaR: most of the data. So ``g @ R = -lam_r T mu - tail @ R`` needs the tail
        rows only (and ``mu``), gathered once per step instead of a second pass over the
        whole (T, N) matrix. Weights below ``eps * 1e-2`` of the largest are dropped (a
        relative error far below the dtype's precision). Finding the rows is a host
        synchronisation, so such steps are not captured as CUDA graphs (at this size a
        step is bandwidth-bound, not launch-bound).
        """
        n_rows = returns.shape[0]
        if not self.gathers_tail_rows(n_rows):
            return g @ returns
        base = -self.return_weights(risk_aversion)
        tail = base - g  # (K, T), >= 0
        negligible = torch.finfo(g.dtype).eps * 1e-2 * float(tail.max())
        rows = (tail > negligible).any(dim=0).nonzero().squeeze(1)
        if rows.numel() > SPARSE_MAX_FRACTION * n_rows:
            return g @ returns
        product = -(
            tail.index_select(1, rows[:GATHER_ROWS]) @ returns.index_select(0, rows[:GATHER_ROWS])
        )
        for start in range(GATHER_ROWS, rows.numel(), GATHER_ROWS):  # bounded memory
            part = rows[start : start + GATHER_ROWS]
            product -= tail.index_select(1, part) @ returns.index_select(0, part)
        if risk_aversion is not None or base != 0.0:
            product = product + (base * n_rows) * mean
        return product

    def limit_family(self, measure: str) -> LagrangianFamily:
        """A CVaR limit (at this ``alpha``) rescales the return weight: ``lam_r0 / (1 + nu)``.

        Min-CVaR (``lam_r = 0``) refuses: it already is the least-CVaR portfolio.
        """
        if get_measure(measure) is not CVAR:
            raise unsupported_limit(self.name, measure)
        if self.spec.return_weight == 0:
            raise meaningless_limit("min-cvar (cvar with return_weight 0)", measure)
        return LagrangianFamily(
            self.name, CVAR.name, base=float(self.spec.return_weight), scaled=True
        )
