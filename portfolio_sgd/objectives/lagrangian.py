"""How an objective with a risk limit becomes a one-parameter family of plain objectives.

A risk limit ``rho(w) <= level`` on an objective ``f`` is solved through its Lagrangian
``L_nu(w) = f(w) + nu (rho~(w) - level~)``, ``nu >= 0``. For the objectives that accept a
limit, ``L_nu`` is (up to a positive factor and a constant) another registered objective
at one value ``p`` of its per-run parameter, so K multipliers are K runs of one batched
engine call. A :class:`LagrangianFamily` records that correspondence:

=================  ==========  ==============================  =====  ===============
objective          limit       family objective, parameter p   a(p)   nu(p)
=================  ==========  ==============================  =====  ===============
max-return         volatility  mean-variance, lam = p          1      p
mean-variance(g)   volatility  mean-variance, lam = p          1      p - g
max-return         cvar        cvar, lam_r = p                 1 / p  1 / p
cvar(lam_r0)       cvar        cvar, lam_r = p                 lam_r0 / p   lam_r0 / p - 1
=================  ==========  ==============================  =====  ===============

For a volatility limit the penalised measure is the daily variance ``rho~ = Var`` with
the factor ``1/2`` (``L = f + (nu/2)(Var - V)``, ``V = (S / sqrt 252)^2``); for CVaR it is the
daily CVaR itself. ``L_nu = a(p) F_p(w) - c`` with ``c = nu V / 2`` or ``nu K``, so a lower
bound on ``F_p*`` (the family's certificate) is a lower bound on the constrained optimum
(weak duality): ``f* >= a(p) LB_p - c``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from ..measures.registry import get_measure


@dataclass(frozen=True)
class LagrangianFamily:
    """The plain objective whose runs at parameters ``p`` minimise the Lagrangian.

    Attributes
    ----------
    objective : str
        The family's registered objective (``mean-variance`` or ``cvar``).
    measure : str
        ``"volatility"`` or ``"cvar"``.
    base : float
        The objective's own parameter at ``nu = 0`` (``g`` or ``lam_r0``; 0 for max-return).
    scaled : bool
        True when ``p = base / (1 + nu)`` style (``a(p) = (base or 1) / p``, CVaR limits);
        False when ``p = base + nu`` (``a = 1``, volatility limits).
    """

    objective: str
    measure: str
    base: float = 0.0
    scaled: bool = False

    @property
    def grows_with_penalty(self) -> bool:
        """Whether the parameter ``p`` grows with the multiplier (volatility limits)."""
        return not self.scaled

    def multiplier(self, p: float) -> float:
        """``nu(p) >= 0`` (``inf`` at the minimum-risk end)."""
        if self.scaled:
            if p <= 0:
                return math.inf
            return (self.base / p - 1.0) if self.base > 0 else 1.0 / p
        return p - self.base

    def factor(self, p: float) -> float:
        """``a(p) > 0``: ``L_nu = a(p) F_p - c``."""
        if self.scaled:
            return (self.base if self.base > 0 else 1.0) / p
        return 1.0

    def parameter(self, nu: float) -> float:
        """The family parameter ``p`` of multiplier ``nu >= 0`` (``inf`` for max-return's
        CVaR family at ``nu = 0``: no finite return weight is unconstrained)."""
        if self.scaled:
            if self.base > 0:
                return self.base / (1.0 + nu)
            return 1.0 / nu if nu > 0 else math.inf
        return self.base + nu

    def penalised_level(self, level: float) -> float:
        """The level of the penalised measure: ``V / 2`` (variance, with its 1/2) or ``K``."""
        return get_measure(self.measure).penalised_level(level)

    def shadow_price(self, p: float, level: float) -> float:
        """The multiplier of the limit as stated (``-d f* / d level``), objective units.

        For a volatility limit ``S`` (annualised): ``nu S / 252``; for CVaR: ``nu``.
        """
        return get_measure(self.measure).shadow_price(self.multiplier(p), level)


def unsupported_limit(objective: str, measure: str) -> ConfigError:
    """The one-line error of an objective that does not take a ``measure`` limit."""
    option = get_measure(measure).limit_option
    return ConfigError(
        f"{option} is not supported with objective {objective!r} "
        "(risk limits apply to max-return, mean-variance (volatility) and cvar (CVaR))"
    )


def meaningless_limit(objective: str, measure: str) -> ConfigError:
    """The one-line error of a limit on the very risk an objective minimises."""
    option = get_measure(measure).limit_option
    return ConfigError(
        f"{option} with objective {objective!r} is meaningless: that objective already "
        "minimises this risk, so a limit either does not bind or is infeasible "
        "(use max-return, or mean-variance / mean-CVaR with a return weight)"
    )
