"""Can a risk study's runs support its conclusions? Up-front refusals and after-run checks.

The studies read the *stationary* noise of constant-step SGD. That needs

- a stable step: ``eta * L < 2`` (``L`` the largest Hessian eigenvalue). Above it the
  deterministic part of the iteration is unstable; the projection keeps the weights
  bounded, so nothing overflows, but they bounce across the feasible set instead of
  fluctuating around ``w*``;
- a burn-in of at least one relaxation time ``1 / (eta * mu)`` (``mu`` the smallest
  tangent-space curvature at ``w*``), the time the slowest direction needs to forget
  the start. Shorter settings are refused (:func:`require_relaxation`);
- a window that is actually stationary: the excess objective must not still be falling
  between the first and the second half of the window (:func:`drift_note`);
- finite numbers.

After a run the studies collect plain-language *diagnostics*; a non-empty list means
the report states the problems instead of drawing conclusions, and the sweep withholds
its batch-size recommendation.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ConfigError
from .problem import RiskProblem

STABLE_STEP = 2.0
"""``eta * L`` at and above which constant-step SGD is unstable."""

SLOPE_TOLERANCE = {"excess": 0.5, "dispersion": 0.25}
"""How far a log-log slope may sit from its theory (-1, -1/2) and still count as agreeing."""


def relaxation_steps(problem: RiskProblem, lr: float) -> float:
    """Relaxation time ``1 / (lr * mu_min)`` in steps."""
    return 1.0 / (lr * problem.mu_min)


def check_lr(lr: float | None, problem: RiskProblem) -> float:
    """The step size to use: ``lr`` or the problem's ``0.5 / L``; refuse non-positive ones.

    Raises
    ------
    ConfigError
        ``lr`` is not a finite positive number.
    """
    eta = float(lr) if lr is not None else problem.default_lr
    if not (math.isfinite(eta) and eta > 0):
        raise ConfigError(f"learning rate must be a positive number, got {lr}")
    return eta


def check_steps(steps: int | None) -> None:
    """Refuse a step count below 1 (``None`` means the study's default)."""
    if steps is not None and int(steps) < 1:
        raise ConfigError(f"steps must be at least 1, got {steps}")


def require_relaxation(
    burn_in: int,
    problem: RiskProblem,
    lr: float,
    *,
    what: str,
    steps_per_burn_in: float,
    default_steps: bool = False,
) -> None:
    """Refuse a burn-in shorter than one relaxation time.

    Parameters
    ----------
    burn_in : int
        Steps discarded before the stationary window.
    problem : RiskProblem
    lr : float
        The step size whose relaxation time matters (the smallest one of the study).
    what : str
        Names the burn-in in the message, e.g. ``"the burn-in (first quarter of 60 steps)"``.
    steps_per_burn_in : float
        Total steps per burn-in step (4 for a first-quarter burn-in), to state the steps needed.
    default_steps : bool
        The step count was the study's default (capped), not the caller's.

    Raises
    ------
    ConfigError
        One sentence with the relaxation time and the steps needed.
    """
    relax = relaxation_steps(problem, lr)
    if burn_in < relax:
        need = math.ceil(math.ceil(relax) * steps_per_burn_in)
        fix = (
            f"pass at least {need} steps or a larger step size"
            if default_steps
            else f"use at least {need} steps (or leave --steps out for about 20 relaxation times)"
        )
        raise ConfigError(
            f"{what} is {burn_in} steps, shorter than the relaxation time 1/(eta*mu) = "
            f"{relax:.0f} steps at step size {lr:.4g}, so the runs cannot reach their "
            f"stationary distribution; {fix}"
        )


def stability_note(problem: RiskProblem, lr: float) -> str | None:
    """A diagnostic when ``lr * L >= 2`` (unstable step), else None."""
    product = lr * problem.curvature
    if product < STABLE_STEP:
        return None
    return (
        f"the step size {lr:.4g} is unstable: eta*L = {product:.3g} >= 2 (L = "
        f"{problem.curvature:.4g}; stable below {STABLE_STEP / problem.curvature:.4g}), so "
        "the runs bounce across the feasible set instead of settling around w*"
    )


def finite_note(values: np.ndarray, what: str) -> str | None:
    """A diagnostic when any of ``values`` is NaN or infinite (the runs diverged)."""
    if np.all(np.isfinite(np.asarray(values, dtype=np.float64))):
        return None
    return f"the runs diverged: {what} contains NaN or infinite values"


def drift_note(window: np.ndarray, label: str = "") -> str | None:
    """A diagnostic when the excess objective still falls across the stationary window.

    Parameters
    ----------
    window : ndarray, shape (E, S)
        Excess objective at E evaluations of the window, S seeds.
    label : str
        Which runs (e.g. ``"m = 8"``), for the message.

    Returns
    -------
    str or None
        Not None when the mean over the first half of the window exceeds that over the
        second half by more than 25% and by more than 3 standard errors (across seeds).
    """
    e = np.asarray(window, dtype=np.float64)
    if e.ndim != 2 or e.shape[0] < 4 or e.shape[1] < 2:
        return None
    half = e.shape[0] // 2
    first, second = e[:half].mean(axis=0), e[half:].mean(axis=0)
    diff = first - second
    se = diff.std(ddof=1) / math.sqrt(diff.size)
    f, s = float(first.mean()), float(second.mean())
    if not (f > 1.25 * max(s, 0.0) and diff.mean() > 3.0 * se):
        return None
    where = f" ({label})" if label else ""
    return (
        f"the runs are not stationary{where}: the excess objective still falls from {f:.3g} to "
        f"{s:.3g} between the halves of the averaging window; run more steps"
    )


def slope_verdict(slope: float, theory: float, tolerance: float) -> str:
    """``"agrees"``, ``"wrong sign"``, ``"far from theory"`` or ``"undefined"`` (NaN)."""
    if not math.isfinite(slope):
        return "undefined"
    if slope >= 0:
        return "wrong sign"
    return "agrees" if abs(slope - theory) <= tolerance else "far from theory"


def slope_note(slope: float, theory: float, tolerance: float, what: str) -> str | None:
    """A diagnostic unless the log-log slope of ``what`` agrees with its theory."""
    verdict = slope_verdict(slope, theory, tolerance)
    if verdict == "agrees":
        return None
    if verdict == "undefined":
        return (
            f"the log-log slope of the {what} against m is undefined (fewer than 2 positive values)"
        )
    if verdict == "wrong sign":
        return (
            f"the {what} does not fall with m (log-log slope {slope:+.2f}, theory {theory:g}): "
            "the measurements contradict the noise law, so they say nothing about it"
        )
    return (
        f"the log-log slope of the {what} against m is {slope:.2f}, far from the theory's "
        f"{theory:g} (tolerance {tolerance:g}): the noise law is not confirmed here"
    )
