"""CVaR views in entropy pooling: a search over the VaR levels behind them.

``CVaR_beta(X) = c`` is not linear in the probabilities, but at a fixed VaR level
``eta`` it is: ``E[(-X - eta)^+] / (1 - beta) = c - eta``. So the pooling is solved at
given levels ``eta`` (one per view) and the levels are searched: for one view, Brent's
root of "the probability of the losses beyond ``eta`` equals ``1 - beta``" on
``[1e-3, c - 1e-8]``; for several, Powell's method on the RMS gap between the CVaRs and
the views (skfolio's procedure, so the probabilities agree with its ``EntropyPooling``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.optimize

from ..errors import ConfigError
from .entropy_dual import MomentConstraints, min_entropy_probabilities
from .entropy_views import single_asset
from .views import ParsedViews


def weighted_cvar(returns: np.ndarray, probabilities: np.ndarray, beta: float) -> float:
    """The CVaR (a positive loss) of ``returns`` (T,) under ``probabilities`` (T,): the
    probability-weighted mean of the worst ``1 - beta`` tail (the boundary row in part)."""
    order = np.argsort(returns)
    x, p = returns[order], probabilities[order]
    tail = 1.0 - beta
    before = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    mass = np.clip(tail - before, 0.0, p)
    return float(-(x * mass).sum() / tail)


def solve_with_cvar(
    prior: np.ndarray,
    constraints: MomentConstraints,
    returns: np.ndarray,
    views: ParsedViews | None,
    beta: float,
) -> np.ndarray:
    """The pooled probabilities (T,) under ``constraints`` and the CVaR ``views``.

    Raises
    ------
    ConfigError
        For a CVaR view that is an inequality, on several assets, not positive, beyond
        the worst loss, or whose VaR level cannot be found.
    """
    if views is None:
        return min_entropy_probabilities(prior, constraints)
    assets = _check(views, returns)
    losses, targets = -returns[:, assets].T, views.targets

    def pooled(etas: np.ndarray) -> np.ndarray:
        extended = constraints.copy()
        for i, eta in enumerate(etas):
            extended.add(np.maximum(losses[i] - eta, 0.0) / (1.0 - beta), targets[i] - eta, "eq")
        return min_entropy_probabilities(prior, extended)

    if len(targets) == 1:
        eta = _one_level(pooled, losses[0], targets[0], beta)
        return pooled(np.array([eta]))
    return pooled(_levels(pooled, returns[:, assets], targets, beta))


def _check(views: ParsedViews, returns: np.ndarray) -> np.ndarray:
    """The asset (K,) of each CVaR view, its target checked."""
    if any(sense != "==" for sense in views.senses):
        raise ConfigError("CVaR views are equalities (==)")
    assets = single_asset(views, "CVaR")
    worst = -returns[:, assets].min(axis=0)
    for k, target in enumerate(views.targets):
        if not 0 < target < worst[k]:
            raise ConfigError(
                f"CVaR view {views.texts[k]!r}: must be a positive loss below the worst "
                f"realised loss {worst[k]:.4g}"
            )
    return assets


def _one_level(pooled: Callable, losses: np.ndarray, target: float, beta: float) -> float:
    """Brent's root (in the VaR level) of the tail probability's gap to ``1 - beta``."""

    def gap(eta: float) -> float:
        p = pooled(np.array([eta]))
        return float(p[losses - eta > 0].sum() - (1.0 - beta))

    try:
        sol = scipy.optimize.root_scalar(
            gap, bracket=[1e-3, target - 1e-8], method="brentq", xtol=1e-4, maxiter=50
        )
    except ValueError:
        sol = None
    if sol is None or not sol.converged:
        raise ConfigError("entropy pooling: no VaR level meets the CVaR view; relax it")
    return float(sol.root)


def _levels(pooled: Callable, returns: np.ndarray, targets: np.ndarray, beta: float) -> np.ndarray:
    """Powell's minimum (in the VaR levels) of the RMS gap between CVaRs and views."""

    def gap(etas: np.ndarray) -> float:
        p = pooled(etas)
        cvars = [weighted_cvar(returns[:, i], p, beta) for i in range(len(targets))]
        return float(np.linalg.norm(np.array(cvars) - targets) / np.sqrt(len(targets)))

    sol = scipy.optimize.minimize(
        gap,
        x0=targets * 0.5,
        bounds=[(1e-3, t - 1e-8) for t in targets],
        method="Powell",
        options={"xtol": 1e-4, "maxiter": 80},
    )
    if not sol.success:
        raise ConfigError("entropy pooling: no VaR levels meet the CVaR views; relax them")
    return np.asarray(sol.x)
