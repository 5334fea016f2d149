"""The objective protocol: what every objective module implements.

An objective is an expectation of a per-scenario loss, ``f(w) = E_t[l(x_t, w)]`` with
``x_t = R_t . w``. A subclass of :class:`PortfolioObjective` gives, in one module:

- the per-scenario loss and its analytic derivatives (:meth:`losses`,
  :meth:`derivatives`), from which the engine forms mini-batch and full-data gradients;
- a curvature bound for the automatic step size (:meth:`curvature`);
- the exact full-data value and gradient from the N x N moment matrix, where the
  objective is quadratic (:meth:`quadratic_value_and_gradient`);
- the Hessian at a point, where it exists (:meth:`hessian`, used by the risk module);
- an independent numpy float64 full-data value (:meth:`numpy_value`);
- a cvxpy expression for the exact reference (:meth:`cvxpy_expression`).

Non-smooth objectives (CVaR) add a smoothing continuation on top (see
:mod:`portfolio_sgd.objectives.cvar`). Nothing outside this package branches on an
objective's name: every difference between objectives lives behind these methods.

Derivatives follow one convention: every loss depends on ``w`` through ``x`` and, for
the variance terms, through ``mu.w``, so the per-scenario gradient is

    grad_w l_t = g_t * R_t + c_t * mu,     g_t = dl/dx_t,   c_t = dl/d(mu.w)

and for an objective with a VaR level additionally ``dl/dt``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import ConfigError
from ..measures.curvature import top_eigenvalue
from ..measures.quadratic import QuadraticForm
from ..measures.scenarios import mean_returns, optimal_var_level, portfolio_returns, weighted_mean
from ..measures.smooth_bound import frank_wolfe_gap, smooth_terms
from .composition_record import CompositionRecord
from .helpers import data_scales, per_run, require, triangular_factor, unshrunk
from .lagrangian import unsupported_limit
from .parameters import SpecFields

__all__ = [
    "Derivatives",
    "PortfolioObjective",
    "data_scales",
    "per_run",
    "require",
    "triangular_factor",
    "unshrunk",
]


Derivatives = tuple[torch.Tensor, "torch.Tensor | None", "torch.Tensor | None"]


class PortfolioObjective(CompositionRecord):
    """Base class of the objectives (one instance per :class:`ObjectiveSpec`).

    Class attributes (and those of :class:`~.composition_record.CompositionRecord`)
    ----------------
    name : str
        The public name (``--objective`` value).
    member : str
        The :class:`~portfolio_sgd.objectives.Objective` enum member name.
    aliases : tuple of str
        Other accepted spellings.
    is_smooth : bool
        Differentiable everywhere (False for CVaR).
    uses_mean : bool
        The loss is centred on the full-data mean ``mu.w`` (variance terms).
    has_var_level : bool
        Carries the auxiliary VaR variable ``t`` (Rockafellar-Uryasev).
    needs_benchmark : bool
        Needs a benchmark return series (tracking).
    is_quadratic : bool
        Quadratic in ``w``: exact steps may use the moment matrix.
    supports_smoothing : bool
        Has a smoothing continuation (CVaR's hinge).
    takes_budgets : bool
        Takes per-asset risk budgets (``ObjectiveSpec.budgets``; risk parity).
    feasible_set : str
        Where the engine's iterate lives: ``"budget"`` (the :class:`Constraints` set,
        fully invested) or ``"positive-orthant"`` (an unnormalised ``y > 0`` that is
        reported normalised, see :mod:`portfolio_sgd.objectives.risk_parity`).
    certificate_bar : float or None
        The convergence bar of the certificate when the objective sets its own (else
        1e-4, or 1e-3 for a non-smooth objective).

    Parameters
    ----------
    spec : ObjectiveSpec
        The parameters (risk aversion, alpha, return weight).
    """

    name: ClassVar[str] = ""
    member: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    is_smooth: ClassVar[bool] = True
    uses_mean: ClassVar[bool] = False
    has_var_level: ClassVar[bool] = False
    needs_benchmark: ClassVar[bool] = False
    is_quadratic: ClassVar[bool] = False
    supports_smoothing: ClassVar[bool] = False
    takes_budgets: ClassVar[bool] = False
    feasible_set: ClassVar[str] = "budget"
    certificate_bar: ClassVar[float | None] = None
    per_run_parameter: ClassVar[str] = "risk_aversion"

    def __init__(self, spec: SpecFields) -> None:
        self.spec = spec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"

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
        """Per-scenario losses ``l(x_t, w)``.

        Parameters
        ----------
        x : Tensor, shape (K, B)
            Portfolio returns of K portfolios on B scenarios.
        mean_return : Tensor, shape (K,)
            ``mu . w`` for each portfolio (full-data mean return).
        var_level : Tensor, shape (K,), optional
            The VaR variable ``t`` (objectives with ``has_var_level``).
        benchmark : Tensor, shape (K, B) or (B,), optional
            Benchmark returns of the same scenarios (``needs_benchmark``).
        risk_aversion : Tensor, shape (K,), optional
            Per-portfolio risk aversion overriding ``spec.risk_aversion``.
        smoothing : float
            Smoothing of a non-smooth loss (0: exact).

        Returns
        -------
        Tensor, shape (K, B)
        """
        raise NotImplementedError

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        benchmark: torch.Tensor | None = None,
        risk_aversion: torch.Tensor | None = None,
        smoothing: float = 0.0,
    ) -> Derivatives:
        """Derivatives ``(dl/dx_t, dl/d(mu.w), dl/dt)``, each (K, B) or None.

        Parameters are as in :meth:`losses`. ``c`` is None unless ``uses_mean``; ``dt``
        is None unless ``has_var_level``.
        """
        raise NotImplementedError

    def weight_loss(self, w: torch.Tensor) -> torch.Tensor | None:
        """A loss term ``h(w)`` (K,) that depends on ``w`` directly, not through scenarios.

        Added once (not per scenario) to the mini-batch loss; None (the default) when
        the objective has none. Risk parity's log barrier ``-sum_i b_i log w_i`` is one.
        """
        return None

    def weight_gradient(self, w: torch.Tensor) -> torch.Tensor | None:
        """The gradient (K, N) of :meth:`weight_loss`, None when there is no such term.

        It is exact (no sampling noise) and is added to the mini-batch gradient
        ``E[g R] + E[c] mu``, which is not of that form.
        """
        return None

    def report(self, w: torch.Tensor) -> torch.Tensor:
        """The reported weights (K, N) of engine iterates ``w``: ``w`` itself by default."""
        return w

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
        """Exact objective ``f(w)`` (K,) on the full data (returns (T, N), weights (K, N)).

        For an objective with a VaR level, ``t`` is minimised exactly (at the VaR). With
        ``row_weights`` (K, T) (mean 1 per run) run k's value is ``(1/T) sum_t c_kt l_t``
        and ``mean`` is each run's weighted mean (K, N).
        """
        x = portfolio_returns(returns, weights)  # (K, T)
        mean_return = mean_returns(weights, mean)
        t = optimal_var_level(x, self.spec.alpha) if self.has_var_level else None
        bench = benchmark[None, :] if benchmark is not None else None
        return weighted_mean(self.losses(x, mean_return, t, bench, risk_aversion), row_weights)

    def curvature(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: float | None = None,
        metric: torch.Tensor | None = None,
    ) -> float:
        """Largest Hessian eigenvalue (an estimate) of the full-data objective.

        Parameters
        ----------
        returns : Tensor, shape (T, N)
        mean : Tensor, shape (N,)
        risk_aversion : float, optional
            The largest risk aversion among the runs.
        metric : Tensor, shape (N,), optional
            Diagonal preconditioner: the curvature of the preconditioned problem.

        Returns
        -------
        float
            ``L > 0``. The default is the second moment's top eigenvalue ``E[r r^T]``.
        """
        second = top_eigenvalue(returns, None, metric=metric)
        return max(second, 1e-3 * second, 1e-300)

    def quadratic_value_and_gradient(
        self,
        form: QuadraticForm,
        w: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Full-data value (K,) and gradient (K, N) from the moment matrix (quadratic only)."""
        raise ConfigError(f"objective {self.name!r} is not quadratic")

    def hessian(self, returns: np.ndarray, w: np.ndarray) -> np.ndarray | None:
        """Hessian (N, N) of the full-data objective at ``w`` (N,); None if not smooth."""
        return None

    def shrink_parts(self, delta: float) -> tuple[SpecFields, float, float]:
        """How covariance shrinkage applies (see :mod:`.shrunk`): ``(inner, outer, c)``.

        ``inner`` is this objective's spec with its variance term scaled by
        ``1 - delta``, ``outer`` a factor on the whole inner objective, ``c`` the weight
        of ``w'Sigma w`` in the objective. The default refuses: shrinkage of a covariance
        means nothing for this objective.
        """
        raise ConfigError(
            f"covariance shrinkage applies to min-variance and mean-variance, not {self.name}"
        )

    # ------------------------------------------------------------- references
    def numpy_value(self, x: np.ndarray, benchmark: np.ndarray | None = None) -> np.ndarray:
        """Independent float64 value from portfolio returns ``x`` (T, K): shape (K,)."""
        raise NotImplementedError

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, benchmark: np.ndarray | None
    ) -> tuple[Any, list[Any]]:
        """A cvxpy expression to minimise (data-scaled) and its auxiliary constraints.

        Parameters
        ----------
        cp : module
            cvxpy.
        w : cvxpy.Variable, shape (N,)
        returns : ndarray, shape (T, N)
        benchmark : ndarray, shape (T,), optional

        Returns
        -------
        (expression, constraints)
            The expression is ``f`` divided by a positive data scale (so the solver sees
            O(1) numbers): its minimiser is that of ``f``.
        """
        raise NotImplementedError

    def cvxpy_scale(self, cp: Any, returns: np.ndarray, benchmark: np.ndarray | None) -> float:
        """The positive data scale ``f / expression`` of :meth:`cvxpy_expression` (so a term
        in ``f``'s units, e.g. trading costs, can be added to the expression).

        The default probes the expression at the equal-weight portfolio; an expression
        with auxiliary variables overrides it.
        """
        n = returns.shape[1]
        w = cp.Variable(n)
        w.value = np.full(n, 1.0 / n)
        expr, _ = self.cvxpy_expression(cp, w, returns, benchmark)
        f = float(self.numpy_value(returns @ w.value[:, None], benchmark)[0])
        probe = float(expr.value)
        if probe == 0.0 or not math.isfinite(f / probe) or f / probe <= 0:
            return data_scales(returns)[1]
        return f / probe

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
        """A proven lower bound on ``f*`` from the point ``w`` (K, N), in float64.

        The default (smooth convex objectives) is ``f(w)`` minus the Frank-Wolfe gap of the
        exact full-data gradient (see :mod:`portfolio_sgd.certificate.smooth`), of the
        row-weighted objective when ``row_weights`` (T,) is given.

        Returns
        -------
        (value, lower, abs_loss, method)
            ``f(w)`` (K,), the lower bound (K,), ``E_t |l_t(w)|`` (K,) and how.
        """
        value, grad, abs_loss = smooth_terms(
            self,
            returns,
            w,
            mean,
            risk_aversion=risk_aversion,
            benchmark=benchmark,
            chunk_rows=chunk_rows,
            row_weights=row_weights,
        )
        lower = value - frank_wolfe_gap(grad, w, feasible.minimize)
        return value, lower, abs_loss, "frank-wolfe (exact full-data gradient)"

    def limit_family(self, measure: str) -> Any:
        """The :class:`~portfolio_sgd.objectives.lagrangian.LagrangianFamily` of this
        objective under a ``measure`` risk limit (``"volatility"`` or ``"cvar"``).

        The default refuses: only objectives whose Lagrangian is again a registered
        objective accept a limit (see :mod:`portfolio_sgd.objectives.lagrangian`).
        """
        raise unsupported_limit(self.name, measure)

    def stationarity_residual(
        self, returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor, chunk_rows: int = 65_536
    ) -> torch.Tensor | None:
        """A residual (K,) that ``converged`` is judged on instead of the relative gap.

        None (the default): convergence is the relative gap against the accuracy bar.
        """
        return None

    def risk_contributions(
        self, returns: torch.Tensor, w: torch.Tensor, mean: torch.Tensor
    ) -> torch.Tensor | None:
        """Risk contributions (K, N) reported with a result; None for most objectives."""
        return None

    def exact_polish(self, weights: np.ndarray, returns: np.ndarray) -> np.ndarray | None:
        """The exact reference's own polish of the solver's point (N,), if it has one.

        None (the default): the reference projects the point onto the constraint set.
        """
        return None

    # ------------------------------------------------------ engine extensions
    has_exact_finish: bool = False  # True where engine_polish finishes the weights exactly
    finish_takes_trading: bool = False  # engine_polish keeps trading costs and turnover rows

    def engine_polish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        per_run: torch.Tensor,
        options: Any = None,
    ) -> tuple[torch.Tensor, list[Any]] | None:
        """An exact finish of the engine's weights (K, N), where the objective has one
        (then ``has_exact_finish`` is True).

        ``per_run`` (K,) holds each run's ``per_run_parameter``; ``options`` the finish's
        knobs (None: its defaults). Returns the finished
        weights (K, N, float64) and one report per run (with a bool ``exact``); None (the
        default): no finish. CVaR solves its tail LP (:mod:`portfolio_sgd.measures.kernels.cvar_polish`).
        """
        return None

    def finish_applies(self, feasible: Any) -> bool:
        """Whether :meth:`engine_polish` can run over ``feasible`` (the set's linear oracle)."""
        return self.has_exact_finish

    def gathers_tail_rows(self, n_rows: int) -> bool:
        """Whether full-data gradients gather a subset of rows (a host sync)."""
        return False

    def full_gradient_product(
        self,
        g: torch.Tensor,
        returns: torch.Tensor,
        mean: torch.Tensor,
        risk_aversion: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``g @ R`` (K, N) for full-data derivatives ``g`` (K, T) (per-run parameter (K,))."""
        return g @ returns
