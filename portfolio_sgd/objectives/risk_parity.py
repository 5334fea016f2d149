"""Risk budgeting (risk parity): weights whose risk contributions equal the budgets.

With budgets ``b > 0`` (``sum b = 1``; equal by default) the target is the long-only,
fully invested ``w`` with ``RC_i = w_i (Sigma w)_i / w' Sigma w = b_i`` for every asset.
It is the normalised minimiser of the convex log-barrier problem

    min_{y > 0}  f(y) = 1/2 y' Sigma y - sum_i b_i log y_i,      w = y / sum(y),

whose stationarity ``y_i (Sigma y)_i = b_i`` is the risk-budget equation (and forces
``y' Sigma y = sum b = 1``).

**As an expectation.** ``1/2 y' Sigma y = E[1/2 (x_t - mu.y)^2]`` with ``x_t = R_t . y``,
centred on the full-data mean ``mu`` like min-variance, so the mini-batch mean of the
per-scenario loss ``1/2 (x_t - mu.y)^2`` is unbiased; the barrier depends on ``y`` only and
enters exactly through :meth:`RiskParity.weight_loss` / :meth:`RiskParity.weight_gradient`
(its gradient ``-b / y`` is not of the protocol's form ``g R + c mu``).

**Where the iterate lives.** ``feasible_set = "positive-orthant"``: the engine keeps
``y`` in the box ``{y >= floor}`` (:class:`~portfolio_sgd.constraints.PositiveOrthant`),
with ``floor_i = b_i / (2 sigma_i)``, half a proven lower bound of ``y*``, so the box
never binds at the solution, and reports ``w = y / sum(y)``. Per-asset bounds other than
the defaults are meaningless for this form and are refused.

**The reported value** is the scale-free barrier objective
``F(w) = min_s f(s w) = 1/2 + 1/2 log(w' Sigma w) - sum_i b_i log w_i`` (the same for
``y`` and ``w``); :func:`portfolio_sgd.reference.exact.objective_value` keeps reporting the
variance ``w' Sigma w`` (its :meth:`numpy_value`).

**Certificate.** For any ``w > 0``, with ``r_i = RC_i(w) - b_i``, convexity of the
quadratic and the exact Bregman divergence of the barrier give

    F(w) - F*  <=  sum_i [r_i - b_i log(1 + r_i / b_i)]  =  KL(b || RC(w)),

a proven gap (``+inf`` if some ``RC_i <= 0``). ``converged`` means the residual
``max_i |RC_i - b_i| <= 1e-5`` (:data:`RESIDUAL_BAR`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, DataError
from ..measures.curvature import top_eigenvalue
from ..measures.scenarios import mean_returns, portfolio_returns, weighted_mean
from ..measures.variance import centred_moments, covariance, numpy_variance
from . import risk_budget as rb
from .base import Derivatives, PortfolioObjective, data_scales, triangular_factor

RESIDUAL_BAR = 1e-5
"""``converged`` means ``max_i |RC_i - b_i|`` is at most this."""


class RiskParity(PortfolioObjective):
    """Risk budgeting by SGD on the log-barrier form over the positive orthant."""

    name = "risk-parity"
    functions = ("risk-budgeting",)
    measure = "variance"
    member = "RISK_PARITY"
    aliases = ("risk-budgeting", "risk-budget", "erc")
    uses_mean = True
    is_quadratic = True
    takes_budgets = True
    feasible_set = "positive-orthant"
    certificate_bar = RESIDUAL_BAR

    def budgets(self, like: torch.Tensor) -> torch.Tensor:
        """The normalised budgets (N,) in the dtype and on the device of ``like``."""
        return rb.budget_tensor(self.spec.budgets, like)

    # ------------------------------------------------------------ per scenario
    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """``1/2 (x_t - mu.y)^2`` (K, B): the variance half; the barrier is separate."""
        dev = x - mean_return[:, None]
        return 0.5 * dev * dev

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        dev = x - mean_return[:, None]
        return dev, -dev, None

    def weight_loss(self, w: torch.Tensor) -> torch.Tensor:
        """The barrier ``-sum_i b_i log y_i`` (K,)."""
        return -(self.budgets(w) * torch.log(w)).sum(dim=1)

    def weight_gradient(self, w: torch.Tensor) -> torch.Tensor:
        """The barrier's gradient ``-b / y`` (K, N)."""
        return -self.budgets(w) / w

    def report(self, w: torch.Tensor) -> torch.Tensor:
        """``w = y / sum(y)`` (K, N)."""
        return w / w.sum(dim=1, keepdim=True)

    # --------------------------------------------------------------- full data
    def full_value(
        self,
        returns: torch.Tensor,
        weights: torch.Tensor,
        mean: torch.Tensor,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        row_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``F(y) = 1/2 + 1/2 log(y' Sigma y) - b' log y`` (K,), the same for ``y`` and ``w``
        (the variance weighted by ``row_weights`` (K, T) when given)."""
        dev = portfolio_returns(returns, weights) - mean_returns(weights, mean)[:, None]
        variance = weighted_mean(dev * dev, row_weights)
        return 0.5 + 0.5 * torch.log(variance) + self.weight_loss(weights)

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """The covariance's top eigenvalue plus the barrier's ``b_i / y0_i^2`` at the start.

        Both in the preconditioner's metric when one is given. With the Jacobi metric
        ``sigma_i^2`` and the default start the barrier term is ``1 / s^2`` for every
        asset, about the curvature it has at the solution.
        """
        cov = top_eigenvalue(returns, mean, metric=metric)
        beta = self.budgets(mean).to(torch.float64)
        y0, _ = rb.start_and_floor(returns, mean, beta)
        barrier = beta / y0**2
        if metric is not None:
            barrier = barrier / metric.to(barrier)
        return max(cov + float(barrier.max()), 1e-300)

    def quadratic_value_and_gradient(
        self,
        form: Any,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The variance half from the moment matrix: ``1/2 y'Sigma y``, ``Sigma y``."""
        _, variance, centred = centred_moments(form.second, w, mean)
        return 0.5 * variance, centred

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``Sigma + diag(b / y^2)`` (N, N) of ``f`` at ``y``."""
        beta = rb.normalised_budgets(self.spec.budgets, returns.shape[1])
        return covariance(returns) + np.diag(beta / np.asarray(w, dtype=np.float64) ** 2)

    # -------------------------------------------------------- engine iterate
    def check_constraints(self, constraints: Any) -> None:
        """Refuse constraints other than the defaults (long-only, fully invested).

        Raises
        ------
        ConfigError
            For bounds, long-short or a leverage cap: the barrier form has none.
        """
        default = type(constraints)().to_dict()  # the defaults of the same record
        changed = {k: v for k, v in constraints.to_dict().items() if v != default.get(k)}
        changed.pop("assets", None)  # the tickers names were bound to, not a setting
        if changed:
            given = ", ".join(
                k if isinstance(v, dict | list) else f"{k}={v}" for k, v in changed.items()
            )
            raise ConfigError(
                f"risk parity takes no weight bounds, long-short, leverage or linear settings (got "
                f"{given}): its weights are positive and sum to 1"
            )

    def initial_iterate(
        self, returns: torch.Tensor, mean: torch.Tensor, init: torch.Tensor | None, n_runs: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The starting ``y`` (K, N) and the iterate's floor (N,), in the data's dtype.

        A warm start ``init`` (K, N) is scaled to ``y' Sigma y = 1`` and lifted to the
        floor; otherwise every run starts at the default point (see
        :func:`~portfolio_sgd.objectives.risk_budget.start_and_floor`).
        """
        beta = self.budgets(mean).to(torch.float64)
        y0, floor = rb.start_and_floor(returns, mean, beta)
        if init is None:
            y = y0.expand(n_runs, -1)
        else:
            y = rb.rescale(returns, init.to(torch.float64).clamp_min(0.0) + 1e-300, mean)
            y = torch.maximum(y, floor)
        return y.to(returns.dtype).contiguous(), floor.to(returns.dtype)

    def risk_contributions(
        self, returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor
    ) -> torch.Tensor:
        """``RC_i = w_i (Sigma w)_i / w' Sigma w`` (K, N), float64."""
        return rb.contributions(returns, w, mean)

    # ------------------------------------------------------------- references
    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """The portfolio variance ``w' Sigma w`` (K,) (the reference's reported value)."""
        return numpy_variance(x)[1]

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """``1/2 y'Cy - b' log y`` with ``C = Sigma / s2`` (exponential cones), over ``y > 0``."""
        _, s2 = data_scales(returns)
        beta = rb.normalised_budgets(self.spec.budgets, returns.shape[1])
        centred = (returns - returns.mean(axis=0)) / math.sqrt(returns.shape[0] * s2)
        fac = triangular_factor(centred)
        return 0.5 * cp.sum_squares(fac @ w) - beta @ cp.log(w), []

    def exact_polish(self, weights: np.ndarray, returns: np.ndarray) -> np.ndarray:
        """Newton-polish the solver's ``y`` (on the scaled covariance) and normalise."""
        _, s2 = data_scales(returns)
        beta = rb.normalised_budgets(self.spec.budgets, returns.shape[1])
        y = rb.newton_polish(covariance(returns) / s2, beta, weights)
        return y / y.sum()

    # ------------------------------------------------------------ exact finish
    has_exact_finish = True

    def engine_polish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        per_run: torch.Tensor,
        options: Any = None,
    ) -> tuple[torch.Tensor, list[rb.NewtonFinishRow]]:
        """Newton on ``min 1/2 y'Sigma y - b'log y`` from the iterates ``y`` (K, N), on the
        N x N moment matrix (:func:`~portfolio_sgd.objectives.risk_budget.newton_finish`):
        the normalised weights (K, N, float64, summing to 1) and one report per run."""
        beta = rb.normalised_budgets(self.spec.budgets, returns.shape[1])
        return rb.newton_finish(returns, mean, weights, beta)

    # ------------------------------------------------------------ certificate
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
        """``F(w)`` and ``F(w) - KL(b || RC(w))``, a proven lower bound on ``F*``."""
        if row_weights is not None:
            raise ConfigError("no optimality certificate for row-weighted risk parity runs")
        variance, sigma_w = rb.variance_terms(returns, w, mean, chunk_rows)
        if not bool((variance > 0).all()):
            raise DataError("the portfolio return has zero variance: no risk to budget")
        w64 = w.to(sigma_w)
        beta = self.budgets(w64)
        rc = w64 * sigma_w / variance[:, None]
        barrier = -(beta * torch.log(w64)).sum(dim=1)
        value = 0.5 + 0.5 * torch.log(variance) + barrier
        value = torch.where(torch.isnan(value), torch.full_like(value, math.inf), value)
        scale = 0.5 + 0.5 * torch.log(variance).abs() + barrier.abs()
        method = "KL(b || RC): proven gap of the scale-free log-barrier objective"
        return value, value - rb.kl_gap(rc, beta), scale, method

    def stationarity_residual(
        self, returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor, chunk_rows: int = 65_536
    ) -> torch.Tensor:
        """``max_i |RC_i - b_i|`` (K,): the residual ``converged`` is judged on."""
        rc = rb.contributions(returns, w, mean, chunk_rows)
        return (rc - self.budgets(rc)).abs().amax(dim=1)
