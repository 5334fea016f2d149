"""Objectives as expectations of per-scenario losses, one module per objective.

Notation: ``R`` is a (T, N) matrix of simple returns, one row per scenario; ``w`` is a
portfolio (N,) or a stack of K portfolios (K, N); ``x_t = R_t . w`` is the portfolio
return of scenario t and ``mu = R.mean(0)`` the full-data mean, precomputed once.

============== ============================================ ==========================
name           per-scenario loss l                          full-data value f(w)
============== ============================================ ==========================
mean-variance  -x + (lam/2) (x - mu.w)^2                    -mu.w + (lam/2) Var[x]
min-variance   (x - mu.w)^2                                 Var[x]
cvar           -lam_r x + t + (-x - t)_+ / (1 - alpha)      min_t (Rockafellar-Uryasev)
kelly          -log(1 + x)                                  -E[log(1 + x)]
tracking       (x - b)^2                                    E[(x - b)^2]
max-return     -x                                           -mu.w
risk-parity    1/2 (x - mu.y)^2, plus -sum b_i log y_i      F = 1/2 + 1/2 log Var - b'log
               once per step (over y > 0, w = y / sum y)
============== ============================================ ==========================

Each objective is a :class:`PortfolioObjective` subclass in its own module
(:mod:`.mean_variance`, :mod:`.min_variance`, :mod:`.cvar`, :mod:`.kelly`,
:mod:`.tracking`, :mod:`.risk_parity`, :mod:`.max_return`), registered in :mod:`.registry`. ``ObjectiveSpec(...).impl`` is the
instance for a set of parameters.
"""

from __future__ import annotations

from .base import PortfolioObjective
from .common import (
    full_objective,
    optimal_var_level,
    portfolio_returns,
    scenario_derivatives,
    scenario_losses,
)
from .cvar import CVaR
from .kelly import Kelly
from .max_return import MaxReturn
from .mean_variance import MeanVariance
from .min_variance import MinVariance
from .registry import OBJECTIVE_CLASSES, canonical_name, objective_class, objective_names
from .risk_parity import RiskParity
from .spec import DEFAULT_RISK_AVERSION, Objective, ObjectiveSpec
from .tracking import Tracking

__all__ = [
    "CVaR",
    "DEFAULT_RISK_AVERSION",
    "OBJECTIVE_CLASSES",
    "Kelly",
    "MaxReturn",
    "MeanVariance",
    "MinVariance",
    "Objective",
    "ObjectiveSpec",
    "PortfolioObjective",
    "RiskParity",
    "Tracking",
    "canonical_name",
    "full_objective",
    "objective_class",
    "objective_names",
    "optimal_var_level",
    "portfolio_returns",
    "scenario_derivatives",
    "scenario_losses",
]
