"""Objectives as expectations of per-scenario losses (pure torch functions).

Notation: ``R`` is a (T, N) matrix of simple returns, one row per scenario; ``w`` is a
portfolio (N,) or a stack of K portfolios (K, N); ``x_t = R_t . w`` is the portfolio
return of scenario t and ``mu = R.mean(0)`` the full-data mean, precomputed once.

Every objective is ``f(w) = E_t[l(x_t, w)]`` with an explicit per-scenario loss ``l``:

============== ============================================ ==========================
name           per-scenario loss l                          full-data value f(w)
============== ============================================ ==========================
mean-variance  -x + (lam/2) (x - mu.w)^2                    -mu.w + (lam/2) Var[x]
min-variance   (x - mu.w)^2                                 Var[x]
cvar           -lam_r x + t + (-x - t)_+ / (1 - alpha)      min_t (Rockafellar-Uryasev)
kelly          -log(1 + x)                                  -E[log(1 + x)]
tracking       (x - b)^2                                    E[(x - b)^2]
============== ============================================ ==========================

Variances are *population* variances (divide by T). Variance terms are centred on the
full-data mean ``mu`` (precomputed once), so the mini-batch mean of ``l`` is an unbiased
estimate of ``f`` and its gradient an unbiased estimate of ``grad f`` for any batch drawn
uniformly (with or without replacement).

Gradients are analytic: every loss depends on ``w`` through ``x`` and, for the variance
terms, through ``mu.w``, so the per-scenario gradient is

    grad_w l_t = g_t * R_t + c_t * mu,     g_t = dl/dx_t,   c_t = dl/d(mu.w)

and for CVaR additionally ``dl/dt``. :func:`scenario_derivatives` returns (g, c, dt);
the engine turns them into mini-batch gradients with two matrix products, and the risk
module uses them for per-sample gradient covariances.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum

import torch
import torch.nn.functional as F

from .errors import ConfigError

DEFAULT_RISK_AVERSION = 10.0
"""Default mean-variance risk aversion (for daily returns: a diversified portfolio)."""


class Objective(str, Enum):
    """Names of the supported objectives."""

    MEAN_VARIANCE = "mean-variance"
    MIN_VARIANCE = "min-variance"
    CVAR = "cvar"
    KELLY = "kelly"
    TRACKING = "tracking"

    @classmethod
    def parse(cls, value: str | Objective) -> Objective:
        """Return the enum member for ``value``, or raise :class:`ConfigError`."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ConfigError(f"unknown objective {value!r}; choose one of: {names}") from None

    @property
    def is_smooth(self) -> bool:
        """Whether the objective is differentiable (everything but CVaR)."""
        return self is not Objective.CVAR

    @property
    def uses_mean(self) -> bool:
        """Whether the per-scenario loss is centred on the full-data mean ``mu.w``."""
        return self in (Objective.MEAN_VARIANCE, Objective.MIN_VARIANCE)


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective together with its scalar parameters.

    Parameters
    ----------
    objective : Objective or str
        Which objective.
    risk_aversion : float
        ``lam`` of mean-variance, ``>= 0``.
    alpha : float
        CVaR confidence level in (0, 1), e.g. 0.95.
    return_weight : float
        ``lam_r`` of mean-CVaR; 0 gives min-CVaR.
    """

    objective: Objective = Objective.MEAN_VARIANCE
    risk_aversion: float = DEFAULT_RISK_AVERSION
    alpha: float = 0.95
    return_weight: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective", Objective.parse(self.objective))
        if not (math.isfinite(self.risk_aversion) and self.risk_aversion >= 0):
            raise ConfigError(
                f"risk_aversion must be a finite number >= 0, got {self.risk_aversion}"
            )
        if not (0.0 < self.alpha < 1.0):
            raise ConfigError(f"alpha must lie strictly between 0 and 1, got {self.alpha}")
        if not (math.isfinite(self.return_weight) and self.return_weight >= 0):
            raise ConfigError(
                f"return_weight must be a finite number >= 0, got {self.return_weight}"
            )

    @property
    def has_var_level(self) -> bool:
        """Whether the objective carries the auxiliary VaR variable ``t`` (CVaR only)."""
        return self.objective is Objective.CVAR

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form (enum as its string value)."""
        d = asdict(self)
        d["objective"] = self.objective.value
        return d


def scenario_losses(
    spec: ObjectiveSpec,
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
    spec : ObjectiveSpec
        Objective and parameters.
    x : Tensor, shape (K, B)
        Portfolio returns of K portfolios on B scenarios.
    mean_return : Tensor, shape (K,)
        ``mu . w`` for each portfolio (full-data mean return).
    var_level : Tensor, shape (K,), optional
        The VaR variable ``t`` (CVaR only).
    benchmark : Tensor, shape (K, B) or (B,), optional
        Benchmark returns of the same scenarios (tracking only).
    risk_aversion : Tensor, shape (K,), optional
        Per-portfolio risk aversion overriding ``spec.risk_aversion``.
    smoothing : float
        CVaR only: ``tau > 0`` replaces the hinge ``(z)_+`` by ``tau * softplus(z / tau)``,
        a smooth upper bound within ``tau log 2`` (and ``O(tau^2)`` on average over a
        continuous loss distribution). 0 is the exact Rockafellar-Uryasev loss.

    Returns
    -------
    Tensor, shape (K, B)
    """
    obj = spec.objective
    if obj is Objective.MEAN_VARIANCE:
        lam = _per_run(risk_aversion, spec.risk_aversion, x)
        dev = x - mean_return[:, None]
        return -x + 0.5 * lam[:, None] * dev * dev
    if obj is Objective.MIN_VARIANCE:
        dev = x - mean_return[:, None]
        return dev * dev
    if obj is Objective.CVAR:
        t = _require(var_level, "var_level")[:, None]
        z = -x - t
        hinge = smoothing * F.softplus(z / smoothing) if smoothing > 0 else torch.relu(z)
        return -spec.return_weight * x + t + hinge / (1.0 - spec.alpha)
    if obj is Objective.KELLY:
        return -torch.log1p(x)
    if obj is Objective.TRACKING:
        b = _require(benchmark, "benchmark")
        diff = x - b
        return diff * diff
    raise ConfigError(f"unsupported objective {obj}")  # pragma: no cover


def scenario_derivatives(
    spec: ObjectiveSpec,
    x: torch.Tensor,
    mean_return: torch.Tensor,
    var_level: torch.Tensor | None = None,
    benchmark: torch.Tensor | None = None,
    risk_aversion: torch.Tensor | None = None,
    smoothing: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Derivatives of the per-scenario losses.

    Parameters are as in :func:`scenario_losses`.

    Returns
    -------
    g : Tensor, shape (K, B)
        ``dl/dx_t``.
    c : Tensor, shape (K, B) or None
        ``dl/d(mu.w)`` for objectives centred on the mean, else None.
    dt : Tensor, shape (K, B) or None
        ``dl/dt`` for CVaR, else None.

    Notes
    -----
    The per-scenario gradient with respect to ``w`` is ``g_t R_t + c_t mu``. For Kelly a
    scenario with ``1 + x <= 0`` has infinite loss and gives a non-finite derivative, which
    the engine reports as divergence.
    """
    obj = spec.objective
    if obj is Objective.MEAN_VARIANCE:
        lam = _per_run(risk_aversion, spec.risk_aversion, x)[:, None]
        dev = x - mean_return[:, None]
        return -1.0 + lam * dev, -lam * dev, None
    if obj is Objective.MIN_VARIANCE:
        dev = x - mean_return[:, None]
        return 2.0 * dev, -2.0 * dev, None
    if obj is Objective.CVAR:
        t = _require(var_level, "var_level")[:, None]
        z = -x - t
        step = torch.sigmoid(z / smoothing) if smoothing > 0 else (z > 0).to(x.dtype)
        tail = step / (1.0 - spec.alpha)
        return -spec.return_weight - tail, None, 1.0 - tail
    if obj is Objective.KELLY:
        return -1.0 / (1.0 + x), None, None
    if obj is Objective.TRACKING:
        b = _require(benchmark, "benchmark")
        return 2.0 * (x - b), None, None
    raise ConfigError(f"unsupported objective {obj}")  # pragma: no cover


def optimal_var_level(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """The minimising ``t`` of the Rockafellar-Uryasev function: the alpha-quantile of losses.

    Parameters
    ----------
    x : Tensor, shape (K, T)
        Portfolio returns on the full data.
    alpha : float
        Confidence level.

    Returns
    -------
    Tensor, shape (K,)
        The ``ceil(alpha T)``-th smallest loss ``-x`` of each row (a VaR).
    """
    n = x.shape[-1]
    k = min(max(math.ceil(alpha * n), 1), n)
    return torch.kthvalue(-x, k, dim=-1).values


def full_objective(
    spec: ObjectiveSpec,
    returns: torch.Tensor,
    weights: torch.Tensor,
    mean: torch.Tensor,
    benchmark: torch.Tensor | None = None,
    risk_aversion: torch.Tensor | None = None,
    chunk_rows: int = 262_144,
) -> torch.Tensor:
    """Exact objective value ``f(w)`` on the full data.

    Parameters
    ----------
    spec : ObjectiveSpec
        Objective and parameters.
    returns : Tensor, shape (T, N)
        All scenarios.
    weights : Tensor, shape (K, N)
        Portfolios.
    mean : Tensor, shape (N,)
        Full-data mean return per asset.
    benchmark : Tensor, shape (T,), optional
        Benchmark returns (tracking only).
    risk_aversion : Tensor, shape (K,), optional
        Per-portfolio risk aversion.
    chunk_rows : int
        Rows per matrix product, to bound temporary memory.

    Returns
    -------
    Tensor, shape (K,)
        For CVaR the value is minimised over ``t`` exactly (at the VaR).
    """
    x = portfolio_returns(returns, weights, chunk_rows)  # (K, T)
    mean_return = weights @ mean
    t = optimal_var_level(x, spec.alpha) if spec.has_var_level else None
    bench = benchmark[None, :] if benchmark is not None else None
    losses = scenario_losses(spec, x, mean_return, t, bench, risk_aversion)
    return losses.mean(dim=1)


def portfolio_returns(
    returns: torch.Tensor, weights: torch.Tensor, chunk_rows: int = 262_144
) -> torch.Tensor:
    """Portfolio returns ``x = R w`` for K portfolios, computed in row chunks.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    weights : Tensor, shape (K, N)
    chunk_rows : int

    Returns
    -------
    Tensor, shape (K, T)
    """
    w_t = weights.T.to(returns.dtype)
    if returns.shape[0] <= chunk_rows:
        return (returns @ w_t).T
    parts = [returns[i : i + chunk_rows] @ w_t for i in range(0, returns.shape[0], chunk_rows)]
    return torch.cat(parts, dim=0).T


def _per_run(values: torch.Tensor | None, default: float, like: torch.Tensor) -> torch.Tensor:
    if values is not None:
        return values
    return torch.full((like.shape[0],), default, dtype=like.dtype, device=like.device)


def _require(value: torch.Tensor | None, name: str) -> torch.Tensor:
    if value is None:
        raise ConfigError(f"this objective needs {name}")
    return value
