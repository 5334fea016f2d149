"""Maximum return under several limits on any convex measures, by outer approximation.

``max mu.w  s.t.  rho_k(w) <= L_k (k = 1..m),  w in C`` (``C`` the mandate's polytope).
Each limit is a :class:`~.limit_term.LimitTerm`: exact LP epigraph rows (CVaR, worst
realisation, the drawdowns, MAD, the lower partial moments) or cuts
``rho_k(w_j) + g_k(w_j).(w - w_j) <= L_k`` (EVaR, Ulcer, volatility, semi-variance, Gini,
tracking error: every convex measure, from its exact value and subgradient). One HiGHS LP
(the *master*) holds the polytope, the rows and the cuts gathered so far.

Why this method: every cut and every row is valid for the true set, so the master's
optimum is a proven **upper bound** on ``mu.w``; its point mixed towards a point strictly
within every limit (the *anchor*) until each limit holds in float64 is a feasible point,
a proven **lower bound**. The two close as cuts gather (Kelley's cutting planes, with the
supporting-hyperplane cuts taken at the mixed boundary point too, which converge far
faster near a smooth limit), and the loop stops when they agree to ``1e-9`` relative: a
certificate needing no multiplier search, no conic solver and no SGD run. A Lagrangian over
the multipliers would need one exact inner solve per multiplier vector and a search in
``m`` dimensions; the cuts need one LP per round whatever ``m`` is.

The anchor comes from the same master (phase one): minimise ``s`` with every limit scaled,
``rho_k(w) <= s L_k``; a point with ``max_k rho_k / L_k < 1`` is strictly within, and a
proven bound ``s >= 1`` (up to the LP's rounding) proves that no portfolio is within every
limit, a one-line :class:`ConfigError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .limit_term import LimitTerm
from .outer_master import OuterMaster

__all__ = ["MAX_ROUNDS", "OuterAnswer", "REL_TOL", "max_return_outer"]

REL_TOL = 1e-9
"""The bounds agree to this, relative to ``|mu.w|``: the answer is certified."""
MAX_ROUNDS = 400
"""LPs of the second phase at most (the answer then carries the gap it reached)."""
PHASE_ONE_ROUNDS = 200
"""LPs of the first phase at most."""
MIX_STEPS = 200
"""Bisection steps of the mix towards the anchor."""
DEPTH = 0.5
"""Phase one stops at a point whose scaled risk is within this fraction of the way from
the proven least one to the limits (deep enough for the mix; no need for the minimum)."""
INFEASIBLE_SLACK = 1e-7
"""A proven phase-one bound over ``1 + INFEASIBLE_SLACK`` proves the limits infeasible."""


@dataclass(frozen=True)
class OuterAnswer:
    """The certified answer.

    Attributes
    ----------
    weights : ndarray, shape (N,)
        Within every limit (float64 evaluation).
    value : float
        ``mu.w`` at ``weights``.
    upper : float
        A proven upper bound on the optimum of ``mu.w`` (the master's).
    rounds : int
        LPs solved (both phases).
    cuts : int
        Cuts gathered.
    risks : tuple of float
        Each limit's stated value at ``weights``.
    """

    weights: np.ndarray
    value: float
    upper: float
    rounds: int
    cuts: int
    risks: tuple[float, ...]

    @property
    def relative_gap(self) -> float:
        """``(upper - value) / max(|value|, tiny)``."""
        return max(self.upper - self.value, 0.0) / max(abs(self.value), 1e-300)


def max_return_outer(mu: np.ndarray, polytope: object, terms: Sequence[LimitTerm]) -> OuterAnswer:
    """Solve ``max mu.w`` under every term (module docstring).

    Parameters
    ----------
    mu : ndarray, shape (N,)
    polytope : DenseQP
        The mandate's rows and bounds in the weights
        (:func:`portfolio_sgd.measures.kernels.qp_finish.weight_polytope`).
    terms : sequence of LimitTerm

    Raises
    ------
    ConfigError
        No portfolio within every limit (proven by the phase-one bound).
    """
    master = OuterMaster(polytope, list(terms))
    anchor, rounds = _anchor(master, terms)
    upper, best, value = np.inf, anchor, float(mu @ anchor)
    for _ in range(MAX_ROUNDS):
        rounds += 1
        w_lp, upper = master.maximise(mu)
        master.add_cuts(w_lp, over_only=True)
        mixed = _mix(anchor, w_lp, terms)
        if float(mu @ mixed) > value:
            best, value = mixed, float(mu @ mixed)
        if upper - value <= REL_TOL * max(abs(value), abs(upper), 1e-300):
            break
        master.add_cuts(mixed, over_only=False)
    risks = tuple(term.stated(best) for term in terms)
    return OuterAnswer(best, value, max(upper, value), rounds, master.cut_count, risks)


def _anchor(master: OuterMaster, terms: Sequence[LimitTerm]) -> tuple[np.ndarray, int]:
    """A point strictly within every limit, and the LPs it took (phase one)."""
    best, ratio = None, np.inf
    for rounds in range(1, PHASE_ONE_ROUNDS + 1):
        w, lower = master.minimise_scale()
        worst = _worst_ratio(w, terms)
        if worst < ratio:
            best, ratio = w, worst
        if lower > 1.0 + INFEASIBLE_SLACK:
            break
        if ratio < 1.0 and ratio - lower <= DEPTH * (1.0 - lower):
            return best, rounds
        master.add_cuts(w, over_only=False)
    if best is not None and ratio < 1.0:
        return best, rounds
    names = "; ".join(f"{t.label} <= {t.level:g}" for t in terms)
    raise ConfigError(
        f"no portfolio is within every limit ({names}): the least scaled risk is "
        f"{lower:.6g} x the limits (> 1); loosen a limit"
    )


def _worst_ratio(w: np.ndarray, terms: Sequence[LimitTerm]) -> float:
    """``max_k rho_k(w) / L_k``."""
    return max(term.stated(w) / term.level for term in terms)


def _within(w: np.ndarray, terms: Sequence[LimitTerm]) -> bool:
    return all(term.stated(w) <= term.level for term in terms)


def _mix(anchor: np.ndarray, w: np.ndarray, terms: Sequence[LimitTerm]) -> np.ndarray:
    """The largest step from ``anchor`` towards ``w`` within every limit.

    Each limit is convex along the segment, so its steps within form an interval
    ``[0, theta_k]``; ``theta_k`` is bracketed by the Illinois false-position method (the
    chord of a convex function lies above it, so its root is within: few evaluations, a
    few per digit) and the least one is taken, then checked (bisection towards the anchor
    should rounding leave a limit over).
    """
    theta = 1.0
    for term in terms:
        if term.stated(w) > term.level:
            theta = min(theta, _step(anchor, w, term, theta))
    point = (1.0 - theta) * anchor + theta * w
    lo, hi = 0.0, theta
    for _ in range(MIX_STEPS):
        if _within(point, terms):
            return point
        hi = 0.5 * (lo + hi)
        point = (1.0 - hi) * anchor + hi * w
    return anchor


def _step(anchor: np.ndarray, w: np.ndarray, term: LimitTerm, top: float) -> float:
    """The largest ``theta`` in ``[0, top]`` with ``term`` within at the mix (Illinois)."""

    def over(theta: float) -> float:
        return term.stated((1.0 - theta) * anchor + theta * w) - term.level

    lo, hi = 0.0, top
    f_lo, f_hi = over(lo), over(hi)
    if f_hi <= 0:
        return top
    side = 0
    for _ in range(MIX_STEPS):
        mid = lo + (hi - lo) * f_lo / (f_lo - f_hi)
        if not lo < mid < hi:
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
        f_mid = over(mid)
        if f_mid <= 0:
            lo, f_lo = mid, f_mid
            f_hi, side = (0.5 * f_hi if side == -1 else f_hi), -1
        else:
            hi, f_hi = mid, f_mid
            f_lo, side = (0.5 * f_lo if side == 1 else f_lo), 1
        if hi - lo <= 1e-15 * hi or f_lo == 0.0:
            break
    return lo
