"""The risk-measure protocol: what every module of :mod:`portfolio_sgd.measures` implements.

A risk measure ``rho`` is a function of the portfolio returns ``x_t = R_t . w`` of the
scenarios. A :class:`RiskMeasure` gives, in one module:

- the per-scenario loss and its derivatives (:meth:`~RiskMeasure.losses`,
  :meth:`~RiskMeasure.derivatives`), or a smoothing of them for a non-smooth measure, so that
  ``rho(w) = E_t[l_t]`` (minimised over the VaR level ``t`` where the measure has one);
- an exact float64 numpy value (:meth:`~RiskMeasure.numpy_value`) and the value in the units
  a user states a limit in (:meth:`~RiskMeasure.stated_value`, e.g. annualised);
- a cvxpy form, as an expression to minimise and as a limit (:meth:`~RiskMeasure.cvxpy_expression`,
  :meth:`~RiskMeasure.cvxpy_limit`);
- its certificate lower bound (:meth:`~RiskMeasure.lower_bound`), its exact finish where it
  has one (:meth:`~RiskMeasure.exact_finish`), whether it is smooth, and its curvature bound
  (:meth:`~RiskMeasure.curvature`).

A measure that is not smooth cannot inherit the smooth-only pieces (the Frank-Wolfe lower
bound and the second-moment curvature bound): defining such a subclass raises
:class:`TypeError`.

A measure may also be *penalised through another one* (annualised volatility is limited by
penalising the daily variance): ``penalised_by`` names it, and :meth:`~RiskMeasure.penalised_level`
and :meth:`~RiskMeasure.shadow_price` translate a stated limit and a multiplier.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import ConfigError
from .curvature import top_eigenvalue
from .kernels.budget_lp import BudgetEpigraph
from .smooth_bound import frank_wolfe_gap, smooth_terms

__all__ = ["Derivatives", "RiskMeasure"]

Derivatives = tuple[torch.Tensor, "torch.Tensor | None", "torch.Tensor | None"]
"""``(dl/dx_t, dl/d(mu.w), dl/dt)``, each (K, B) or None."""

_SMOOTH_ONLY = ("lower_bound", "curvature")
"""Methods whose default is valid for smooth measures only."""


class RiskMeasure:
    """Base class of the risk measures (one shared instance per measure).

    Class attributes
    ----------------
    name : str
        The registered name (``--measure``, ``RiskLimit.measure``).
    aliases : tuple of str
        Other accepted spellings.
    label : str
        How the stated value is described in messages, tables and axes.
    limit_option : str or None
        The CLI option of a limit on this measure (None: not offered as a shorthand).
    short_label : str
        The label in one-line tables (``"volatility"``, ``"CVaR"``).
    shows_percent : bool
        Tables show its stated values as percentages.
    is_smooth : bool
        Differentiable in the weights. A non-smooth measure must override
        :meth:`lower_bound` and :meth:`curvature`.
    is_expectation : bool
        ``rho = E[l_t]`` of a per-scenario loss (volatility is not: it is the square root
        of one, and is optimised through ``penalised_by``).
    uses_mean : bool
        The loss is centred on the full-data mean ``mu.w``.
    has_var_level : bool
        The loss carries the Rockafellar-Uryasev VaR level ``t``.
    uses_alpha : bool
        The value depends on the confidence level ``alpha``.
    penalised_by : str or None
        The measure whose Lagrangian penalty stands in for this one (None: itself).
    minimum_objective : str
        The registered objective whose optimum is the least-risk portfolio (default
        ``min-risk`` over this measure).
    decomposes : bool
        :meth:`contributions` gives the Euler risk decomposition (positively homogeneous).
    minimum_parameters : dict
        That objective's parameters besides ``alpha``.
    has_capped_finish : bool
        :meth:`capped_finish` solves max-return under a limit on this measure exactly.
    finish_takes_linear : bool
        :meth:`exact_finish` and :meth:`lower_bound` take the objective's linear term
        ``linear`` (K, N) (min-risk and utility over the measure then finish through them);
        :meth:`exact_finish` also takes ``options`` and ``alpha``.
    bound_method : str
        How :meth:`lower_bound` proves its bound (the certificate's ``method``).
    path_dependent : bool
        A function of the whole sample in time order (drawdowns, a worst case), not the
        mean of a per-scenario loss: a mini-batch only steers, the exact finish answers.
    whole_data_lp : bool
        The exact finish can run as one LP over every row from any start
        (:meth:`whole_data_options`): the engine tries it before the first step where its
        counted work is below the loop's (:mod:`portfolio_sgd.engine.early_finish`).
    finish_from_any_start : bool
        The exact finish is that whole-data LP whatever the start (the finish after the
        loop costs as much as one before it).
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = ""
    limit_option: ClassVar[str | None] = None
    short_label: ClassVar[str] = ""
    shows_percent: ClassVar[bool] = False
    is_smooth: ClassVar[bool] = True
    is_expectation: ClassVar[bool] = True
    uses_mean: ClassVar[bool] = False
    has_var_level: ClassVar[bool] = False
    uses_alpha: ClassVar[bool] = False
    penalised_by: ClassVar[str | None] = None
    minimum_objective: ClassVar[str] = "min-risk"
    minimum_parameters: ClassVar[dict[str, float]] = {}
    has_capped_finish: ClassVar[bool] = False
    decomposes: ClassVar[bool] = False
    finish_takes_linear: ClassVar[bool] = False
    bound_method: ClassVar[str] = "Frank-Wolfe"
    path_dependent: ClassVar[bool] = False
    whole_data_lp: ClassVar[bool] = False
    finish_from_any_start: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse a non-smooth measure that inherits a smooth-only default."""
        super().__init_subclass__(**kwargs)
        if cls.is_smooth or not cls.is_expectation:
            return
        inherited = [m for m in _SMOOTH_ONLY if getattr(cls, m) is getattr(RiskMeasure, m)]
        if inherited:
            raise TypeError(
                f"measure {cls.name or cls.__name__!r} is not smooth, so it cannot inherit the "
                f"smooth-only {', '.join(inherited)}: define its own"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # ------------------------------------------------------------ per scenario
    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        """Per-scenario losses (K, B) of portfolio returns ``x`` (K, B).

        Parameters
        ----------
        x : Tensor, shape (K, B)
        mean_return : Tensor, shape (K,)
            ``mu . w`` (full-data mean return) of each portfolio.
        var_level : Tensor, shape (K,), optional
            The VaR level ``t`` (``has_var_level``).
        alpha : float
            Confidence level (``uses_alpha``).
        smoothing : float
            Smoothing of a non-smooth loss (0: exact).
        """
        raise ConfigError(f"measure {self.name!r} is not an expectation of a per-scenario loss")

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        """``(dl/dx_t, dl/d(mu.w), dl/dt)`` (each (K, B) or None); parameters as :meth:`losses`."""
        raise ConfigError(f"measure {self.name!r} is not an expectation of a per-scenario loss")

    # --------------------------------------------------------------- values
    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        """Exact float64 value (K,) of portfolio returns ``x`` (T, K), in daily units."""
        raise NotImplementedError

    def stated_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        """The value (K,) in the units a limit is stated in (default: :meth:`numpy_value`)."""
        return np.atleast_1d(self.numpy_value(np.asarray(x, dtype=np.float64), alpha))

    def annualise(self, value: float) -> float:
        """A :meth:`numpy_value` in stated units (default: the same)."""
        return value

    def stated_from_value(self, value: float) -> float:
        """A value of the minimum objective (e.g. a certified variance floor) in stated units."""
        return value

    # ------------------------------------------------------------------- cvxpy
    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``(expression, constraints)``: ``rho(w)`` divided by :meth:`cvxpy_scale`.

        Parameters
        ----------
        cp : module
            cvxpy.
        w : cvxpy.Variable, shape (N,)
        returns : ndarray, shape (T, N)
        alpha : float
        """
        raise NotImplementedError

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        """The positive factor ``rho / expression`` of :meth:`cvxpy_expression`."""
        raise NotImplementedError

    def cvxpy_limit(
        self, cp: Any, w: Any, returns: np.ndarray, level: float, alpha: float
    ) -> list[Any]:
        """cvxpy constraints of ``stated_value(w) <= level`` (default: the expression's epigraph)."""
        expr, aux = self.cvxpy_expression(cp, w, returns, alpha)
        return [*aux, expr <= level / self.cvxpy_scale(returns)]

    # ---------------------------------------------------------------- engine
    def curvature(
        self, returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None = None
    ) -> float:
        """Largest Hessian eigenvalue (an estimate) of ``rho``; smooth measures only.

        The default is twice the top eigenvalue of the second moment ``E[r r^T]`` (the
        curvature of ``E[x^2]``), a bound for losses whose second derivative in ``x`` is
        at most 2.
        """
        return max(2.0 * top_eigenvalue(returns, None, metric=metric), 1e-300)

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        alpha: float = 0.95,
        chunk_rows: int = 65_536,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rho(w), lower bound on min_C rho)`` (each (K,), float64) from points ``w`` (K, N).

        The default (smooth measures only) is ``rho(w)`` minus the Frank-Wolfe gap of the
        exact full-data gradient over ``feasible`` (the constraint set's linear oracle, with
        ``minimize``).
        """
        no_parameter = torch.zeros(w.shape[0], dtype=torch.float64)
        loss = _Loss(self, alpha)
        value, grad, _ = smooth_terms(
            loss, returns, w, mean, risk_aversion=no_parameter, chunk_rows=chunk_rows
        )
        return value, value - frank_wolfe_gap(grad, w, feasible.minimize)

    def finish_applies(self, feasible: Any) -> bool:
        """Whether :meth:`exact_finish` runs over ``feasible`` (default: no finish)."""
        return False

    def exact_finish(self, *args: Any, **kwargs: Any) -> Any:
        """The measure's exact finish of engine weights (None: it has none)."""
        return None

    def whole_data_options(self, n_rows: int) -> Any:
        """The options under which :meth:`exact_finish` is one LP over all ``n_rows`` rows,
        exact from any start (where ``whole_data_lp``)."""
        return None

    # ------------------------------------------------------------ decomposition
    @property
    def budgetable(self) -> bool:
        """Risk budgeting over this measure is one convex solve: the measure decomposes
        (convex, positively homogeneous) and is either an expectation of per-scenario
        losses that is not path dependent (the smoothing solve), or has a homogeneous
        epigraph (:meth:`budget_epigraph`: the barrier solve, bounds and groups allowed)."""
        by_losses = self.is_expectation and not self.path_dependent
        has_form = type(self).budget_epigraph is not RiskMeasure.budget_epigraph
        has_smooth = type(self).budget_smooth is not RiskMeasure.budget_smooth
        return self.decomposes and (by_losses or has_form or has_smooth)

    def budget_smooth(self, returns: np.ndarray, alpha: float = 0.95) -> Any:
        """The measure as a smooth function of unnormalised weights on ``returns`` (T, N),
        with ``value``, ``derivatives`` (value, gradient, Hessian) and ``scale`` (e.g.
        :class:`~.kernels.budget_entropic.EntropicBudgetForm`), which risk budgeting solves
        over by Newton; None (the default): none."""
        return None

    def budget_epigraph(self, returns: np.ndarray, alpha: float = 0.95) -> BudgetEpigraph | None:
        """The measure's homogeneous LP (or root-quadratic) epigraph on ``returns`` (T, N),
        which risk budgeting under weight constraints solves over; None (the default): none."""
        return None

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """The portfolio's risk and its Euler contributions ``w_i d rho / d w_i`` (N,),
        which sum to it, for ``returns`` (T, N) and weights ``w`` (N,).

        Defined where the measure is positively homogeneous (volatility, CVaR); others
        refuse with one line.
        """
        raise ConfigError(f"the {self.name} measure has no Euler risk decomposition")

    # ------------------------------------------------------------ Lagrangian
    def bessel_factor(self, n_observations: int) -> float:
        """The ratio of this measure's sample (``ddof = 1``) estimate to its population one on
        ``n_observations`` scenarios (1: the same; variance: ``T / (T - 1)``)."""
        return 1.0

    def penalty_value(self, stated: float) -> float:
        """A stated value in the penalised measure's units (default: the same)."""
        return stated

    def penalised_level(self, level: float) -> float:
        """The level of the penalised measure for a stated ``level`` (default: the same)."""
        return level

    def shadow_price(self, nu: float, level: float) -> float:
        """The multiplier of the stated limit (``-d f*/d level``) from the penalty's ``nu``."""
        return nu

    def master_weights(
        self, returns: np.ndarray, columns: np.ndarray, level: float, alpha: float
    ) -> np.ndarray | None:
        """The best mix (N,) of portfolios ``columns`` (M, N) within ``level``, solved
        exactly where the measure has such a master problem; None (the default) otherwise."""
        return None

    def capped_finish(self, *args: Any, **kwargs: Any) -> Any:
        """The exact finish of max-return under a limit on this measure (None: none)."""
        return None


class _Loss:
    """A measure's losses in the objective protocol's call form (for :func:`smooth_terms`)."""

    def __init__(self, measure: RiskMeasure, alpha: float) -> None:
        self.measure, self.alpha = measure, alpha

    def losses(self, x: torch.Tensor, mean_return: torch.Tensor, *_: Any) -> torch.Tensor:
        return self.measure.losses(x, mean_return, None, self.alpha)

    def derivatives(self, x: torch.Tensor, mean_return: torch.Tensor, *_: Any) -> Derivatives:
        return self.measure.derivatives(x, mean_return, None, self.alpha)

    def weight_gradient(self, w: torch.Tensor) -> None:
        return None
