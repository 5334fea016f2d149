"""Maximum return under several risk limits at once: exact pieces and cutting planes.

``max mu.w  s.t.  rho_j(w) <= L_j (j = 1..m),  w in C`` for limits on measures with an
exact form:

- tail limits only (CVaR, measures with a capped tail LP, ``has_capped_finish``): one LP
  with every limit's Rockafellar-Uryasev rows (HiGHS), exact;
- any other set (a limit on MAD, Gini, EVaR, Ulcer, semi-variance, two volatility-type
  limits, ...): the outer approximation of :mod:`.outer_approximation` (exact LP rows where
  a measure has them, cuts elsewhere), certified to ``1e-9`` relative;
- with a variance-type limit (volatility: its Lagrangian family has a quadratic model):
  the volatility-capped maximum return over ``C`` and the tail limits' cutting planes,
  solved exactly on the mean-variance critical lines
  (:mod:`portfolio_sgd.measures.kernels.qp_line`); a tail limit over its cap at that
  answer adds the cut ``q*.(-R x) <= K`` (``q*`` the tail weights at the answer, so the
  cut is tight there and valid everywhere: CVaR is the maximum of such forms), and the
  capped problem is solved again. CVaR is polyhedral, so the cuts end in finitely many
  rounds; in practice a few.

Each round is a relaxation, so its value bounds the optimum (a proven lower bound on
``f = -mu.w``). The answer is the relaxation's point mixed towards a point within every
limit until every limit holds in float64; the rounds stop once every tail limit holds
at the relaxation's answer (its gap is then the mix's rounding).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, vstack
from scipy.sparse import eye as sparse_eye

from ..constraints.oracle import FeasibleSet
from ..errors import ConfigError, InfeasibleConstraintError
from ..measures.kernels.qp_finish import covariance_of, solve_qp_path, weight_polytope
from ..measures.limit import RiskLimit
from ..measures.registry import get_measure
from ..objectives import ObjectiveSpec
from ..objectives.max_return import MaxReturn
from .limit_term import measure_term
from .measure import limit_risk
from .outer_approximation import max_return_outer
from .parametric import capped_max_return

__all__ = ["SeveralAnswer", "max_return_under_limits", "takes_outer"]

MAX_CUTS = 100
"""Rounds of cuts at most."""
TAIL_SLACK = 1e-12
"""Relative excess of a tail limit at a round's answer that adds no cut (the LP's and the
cut's rounding); the final mix then meets every limit in float64."""
MIX_STEPS = 200
"""Bisection steps of the mix towards the point within every limit."""


@dataclass(frozen=True)
class SeveralAnswer:
    """The answer within every limit.

    Attributes
    ----------
    weights : ndarray, shape (N,)
    objective : float
        ``-mu.w``.
    bound : float
        A proven lower bound on the optimum of ``-mu.w`` (the last LP relaxation).
    rounds : int
        Rounds (an LP each, or a capped QP path each with a variance-type limit).
    risks : tuple of float
        Each limit's risk at ``weights`` (stated units).
    """

    weights: np.ndarray
    objective: float
    bound: float
    rounds: int
    risks: tuple[float, ...]


def _kind(limit: RiskLimit) -> str:
    """``"tail"`` (exact LP rows) or ``"quadratic"`` (cuts); a one-line error otherwise."""
    measure = get_measure(limit.measure)
    if measure.has_capped_finish:
        return "tail"
    try:
        family = ObjectiveSpec(MaxReturn.name).impl.limit_family(measure.name)
    except ConfigError:
        family = None
    quadratic = family is not None and not family.scaled
    if quadratic and hasattr(ObjectiveSpec(family.objective).impl, "quadratic_model"):
        return "quadratic"  # a variance (the family's objective has a QP form)
    raise ConfigError(
        f"several limits at once take measures with an exact form (a tail LP or a "
        f"variance): {limit.measure!r} has none here; give it alone"
    )


def max_return_under_limits(
    r: np.ndarray, feasible: FeasibleSet, limits: Sequence[RiskLimit], alpha: float
) -> SeveralAnswer:
    """Solve ``max mu.w`` under every limit in ``limits`` (module docstring).

    Parameters
    ----------
    r : ndarray, shape (T, N)
    feasible : FeasibleSet
        From ``Constraints.linear_oracle`` (no trading terms, no leverage cap).
    limits : sequence of RiskLimit
    alpha : float
        The CVaR level of tail measures.

    Raises
    ------
    ConfigError
        A measure without an exact form, two variance-type limits, or a set without a
        polytope form.
    InfeasibleConstraintError
        No point within every limit.
    """
    poly = weight_polytope(feasible)
    if poly is None:
        raise ConfigError("several limits at once take no trading terms or leverage cap")
    if takes_outer(limits):
        return _outer(r, poly, feasible, limits, alpha)
    kinds = [_kind(lim) for lim in limits]
    sigma, mu = covariance_of(r)
    pairs = list(zip(limits, kinds, strict=True))
    quadratic = [lim for lim, kind in pairs if kind == "quadratic"]
    if len(quadratic) > 1:
        raise ConfigError("several limits at once take one volatility-type limit")
    lp = _TailLP(r, poly, mu, pairs, alpha)
    if not quadratic:
        w, bound = lp.solve()
        return _answer(r, mu, w, bound, 1, limits, alpha)
    w, bound = lp.solve()  # the tail limits alone: a relaxation, exact when within
    anchor = _anchor(r, sigma, poly, feasible, lp, limits, alpha)
    if all(_within(r, w, lim, alpha) for lim in quadratic):  # the tails' rounding: mix
        return _answer(r, mu, _mix_within(r, anchor, w, limits, alpha), bound, 1, limits, alpha)
    tails = [lim for lim, kind in pairs if kind == "tail"]
    return _cut_rounds(r, sigma, mu, feasible, quadratic[0], tails, anchor, limits, alpha)


def takes_outer(limits: Sequence[RiskLimit]) -> bool:
    """Whether ``limits`` go to the outer approximation: a measure without a tail LP or a
    variance form, or two variance-type limits."""
    try:
        kinds = [_kind(lim) for lim in limits]
    except ConfigError:
        return True
    return kinds.count("quadratic") > 1


def _outer(
    r: np.ndarray,
    poly: object,
    feasible: FeasibleSet,
    limits: Sequence[RiskLimit],
    alpha: float,
) -> SeveralAnswer:
    """The outer approximation's certified answer as a :class:`SeveralAnswer`."""
    polytope = feasible.polytope()
    terms = [measure_term(lim.measure, lim.level, r, alpha, polytope) for lim in limits]
    answer = max_return_outer(r.mean(axis=0), poly, terms)
    return SeveralAnswer(answer.weights, -answer.value, -answer.upper, answer.rounds, answer.risks)


def _cut_rounds(
    r: np.ndarray,
    sigma: np.ndarray,
    mu: np.ndarray,
    feasible: FeasibleSet,
    quadratic: RiskLimit,
    tails: list[RiskLimit],
    anchor: np.ndarray,
    limits: Sequence[RiskLimit],
    alpha: float,
) -> SeveralAnswer:
    """The volatility-capped maximum return, re-solved with each tail's cuts until every
    tail holds (at most :data:`MAX_CUTS` rounds), then mixed within every limit."""
    v = 2.0 * get_measure(quadratic.measure).penalised_level(quadratic.level)
    model = ObjectiveSpec(MaxReturn.name).impl.limit_family(quadratic.measure).objective
    quad = ObjectiveSpec(model).impl.quadratic_model
    rows: list[np.ndarray] = []
    levels: list[float] = []
    bound, t = -math.inf, None
    rounds = 0
    while rounds < MAX_CUTS:
        rounds += 1
        cut_set = _with_rows(feasible, rows, levels)
        solved = capped_max_return(quad, sigma, mu, cut_set, v, t)  # from the last t
        if solved is None:  # below the cut set's least variance, or a QP not verified:
            return _outer(r, weight_polytope(feasible), feasible, limits, alpha)  # proves it
        w, bound, t = solved[0], max(bound, solved[1]), solved[2]
        over = [lim for lim in tails if not _within(r, w, lim, alpha, TAIL_SLACK)]
        if not over:
            break
        for lim in over:
            rows.append(_tail_cut(r, w, alpha))
            levels.append(lim.level)
    best = _mix_within(r, anchor, w, limits, alpha)  # within every limit in float64
    return _answer(r, mu, best, bound, rounds, limits, alpha)


def _answer(
    r: np.ndarray,
    mu: np.ndarray,
    w: np.ndarray,
    bound: float,
    rounds: int,
    limits: Sequence[RiskLimit],
    alpha: float,
) -> SeveralAnswer:
    risks = tuple(float(limit_risk(lim.measure, (r @ w)[:, None], alpha)[0]) for lim in limits)
    return SeveralAnswer(w, float(-mu @ w), min(bound, float(-mu @ w)), rounds, risks)


def _tail_cut(r: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """The cut ``a.x <= K`` (``a`` (N,)) of a tail limit at ``w``: ``a = -R' q*`` with
    ``q*`` the tail weights (``1 / ((1 - alpha) T)`` on the largest losses, a fraction on
    the next), so ``a.w = CVaR(w)`` and ``a.x <= CVaR(x)`` for every ``x``."""
    t_rows = r.shape[0]
    losses = -(r @ w)
    order = np.argsort(-losses, kind="stable")
    cap = 1.0 / ((1.0 - alpha) * t_rows)
    q = np.zeros(t_rows)
    whole = int(math.floor((1.0 - alpha) * t_rows + 1e-9))
    q[order[:whole]] = cap
    if whole < t_rows:
        q[order[whole]] = max(1.0 - whole * cap, 0.0)
    return -(r.T @ q)


def _with_rows(feasible: FeasibleSet, rows: list[np.ndarray], levels: list[float]) -> FeasibleSet:
    """``feasible`` with the cut rows ``rows @ w <= levels`` added to its own."""
    if not rows:
        return feasible
    a = np.vstack(rows)
    b = np.asarray(levels, dtype=np.float64)
    if feasible.a_ub is not None:
        a = np.vstack([np.asarray(feasible.a_ub, dtype=np.float64), a])
        b = np.concatenate([np.asarray(feasible.b_ub, dtype=np.float64), b])
    return dataclasses.replace(feasible, a_ub=a, b_ub=b)


def _daily_std_level(limit: RiskLimit) -> float:
    """The daily standard deviation ``S`` of a variance-type limit (``V = 2 * penalised``)."""
    return math.sqrt(2.0 * get_measure(limit.measure).penalised_level(limit.level))


def _within(
    r: np.ndarray, w: np.ndarray, limit: RiskLimit, alpha: float, slack: float = 0.0
) -> bool:
    """Whether ``w`` meets ``limit`` (within ``slack`` relative: the cuts' rounding)."""
    risk = limit_risk(limit.measure, (r @ w)[:, None], alpha)[0]
    return bool(risk <= limit.level * (1.0 + slack))


def _mix_within(
    r: np.ndarray, anchor: np.ndarray, w: np.ndarray, limits: Sequence[RiskLimit], alpha: float
) -> np.ndarray:
    """The largest step from ``anchor`` (within every limit) towards ``w`` that stays
    within every limit (each measure convex: the steps within form an interval)."""
    if all(_within(r, w, lim, alpha) for lim in limits):
        return w
    lo, hi = 0.0, 1.0
    for _ in range(MIX_STEPS):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if all(_within(r, (1 - mid) * anchor + mid * w, lim, alpha) for lim in limits):
            lo = mid
        else:
            hi = mid
    return (1 - lo) * anchor + lo * w


def _anchor(
    r: np.ndarray,
    sigma: np.ndarray,
    poly: object,
    feasible: object,
    lp: _TailLP,
    limits: Sequence[RiskLimit],
    alpha: float,
) -> np.ndarray:
    """A point within every limit: the minimum-variance point or the minimum-CVaR point
    of the tail rows, whichever is within (an error when neither is)."""
    n = r.shape[1]
    candidates = []
    solved = solve_qp_path([(sigma, np.zeros(n))], feasible, np.full(n, 1.0 / n))
    if solved is not None and solved[1][0].exact:
        candidates.append(solved[0][0])
    tail = lp.minimum_tail()
    if tail is not None:
        candidates.append(tail)
    for w in candidates:
        if all(_within(r, w, lim, alpha) for lim in limits):
            return w
    if len(candidates) == 2:  # their mixes: the limits are convex along the segment
        for theta in np.linspace(0.0, 1.0, 101):
            w = (1 - theta) * candidates[0] + theta * candidates[1]
            if all(_within(r, w, lim, alpha) for lim in limits):
                return w
    names = ", ".join(f"{lim.measure} <= {lim.level:g}" for lim in limits)
    raise InfeasibleConstraintError(
        f"no portfolio found within every limit ({names}): the minimum-variance and "
        "minimum-tail portfolios and their mixes are all over one of them"
    )


class _TailLP:
    """The LP ``min -mu.w`` over the polytope and every tail limit's rows."""

    def __init__(
        self,
        r: np.ndarray,
        poly: object,
        mu: np.ndarray,
        limits: list[tuple[RiskLimit, str]],
        alpha: float,
    ) -> None:
        t_rows, n = r.shape
        self.n = n
        tails = [lim for lim, kind in limits if kind == "tail"]
        self.extra = len(tails) * (1 + t_rows)  # z and u per tail limit
        width = n + self.extra
        self.cost = np.concatenate([-mu, np.zeros(self.extra)])
        lower = np.concatenate([poly.lower, np.tile(np.r_[-np.inf, np.zeros(t_rows)], len(tails))])
        upper = np.concatenate([poly.upper, np.full(self.extra, np.inf)])
        self.bounds = np.column_stack([lower, upper])
        self.a_eq = hstack([csr_matrix(poly.a_eq), csr_matrix((poly.a_eq.shape[0], self.extra))])
        self.b_eq = poly.b_eq
        rows = [hstack([csr_matrix(poly.a_ub), csr_matrix((poly.a_ub.shape[0], self.extra))])]
        rhs = [poly.b_ub]
        self.caps: list[int] = []  # the cap rows' indices
        for j, lim in enumerate(tails):
            rows += _tail_rows(r, n + j * (1 + t_rows), width, alpha)
            rhs += [np.zeros(t_rows), [lim.level]]
            self.caps.append(sum(len(b) for b in rhs) - 1)
        self.a_ub = vstack(rows).tocsr()
        self.b_ub = np.concatenate(rhs)
        self.tails = len(tails)
        self.t_rows = t_rows
        self.alpha = alpha

    def solve(self, cost: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """The LP's weights (N,) and value (raises where HiGHS finds no optimum)."""
        res = linprog(
            self.cost if cost is None else cost,
            A_ub=self.a_ub if self.a_ub.shape[0] else None,
            b_ub=self.b_ub if self.a_ub.shape[0] else None,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        if res.status != 0:
            raise InfeasibleConstraintError(f"no portfolio within every limit ({res.message})")
        return res.x[: self.n], float(res.fun)

    def minimum_tail(self) -> np.ndarray | None:
        """The weights minimising the first tail limit's CVaR over the polytope (None
        without a tail limit)."""
        if not self.tails:
            return None
        cost = np.zeros(self.n + self.extra)
        cost[self.n] = 1.0
        cost[self.n + 1 : self.n + 1 + self.t_rows] = 1.0 / ((1.0 - self.alpha) * self.t_rows)
        saved = self.b_ub.copy()
        self.b_ub[self.caps] = 1e9  # free the caps while minimising (HiGHS takes no inf)
        try:
            return self.solve(cost)[0]
        except InfeasibleConstraintError:
            return None
        finally:
            self.b_ub = saved


def _tail_rows(r: np.ndarray, start: int, width: int, alpha: float) -> list[csr_matrix]:
    """The Rockafellar-Uryasev rows of one tail limit: ``-r_t.w - z - u_t <= 0`` (T
    rows) and ``z + sum(u) / ((1 - alpha) T) <= K`` (one row); ``z`` at column ``start``,
    ``u`` after it."""
    t_rows, n = r.shape
    loss = hstack(
        [
            csr_matrix(-r),
            csr_matrix((t_rows, start - n)),
            csr_matrix(-np.ones((t_rows, 1))),
            -sparse_eye(t_rows, format="csr"),
            csr_matrix((t_rows, width - start - 1 - t_rows)),
        ]
    )
    cap = np.zeros((1, width))
    cap[0, start] = 1.0
    cap[0, start + 1 : start + 1 + t_rows] = 1.0 / ((1.0 - alpha) * t_rows)
    return [loss, csr_matrix(cap)]
