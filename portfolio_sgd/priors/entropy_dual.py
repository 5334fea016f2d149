"""Minimum relative entropy probabilities under linear moment constraints, by the dual.

Find scenario probabilities ``p`` (T,) closest to the prior ``q`` in relative entropy
``sum p log(p / q)`` subject to ``p'a_k = b_k`` (equalities), ``p'a_k <= b_k``
(inequalities) and soft equalities (the moments an earlier stage fixed). The Fenchel
dual in the multipliers ``x`` (one per constraint, sum-to-one included),

    min_x  sum_t q_t exp(-(A x)_t - 1) + b'x,   x_ineq >= 0,  |x_soft| <= 1000,

is smooth and convex in K variables, not T; ``p = q exp(-A x - 1)``. Each constraint
column is scaled to unit norm (views on different scales condition alike); bounding a
soft constraint's multiplier is a penalty ``1000 |p'a - b|`` on it in the primal, so an
over-tight set of fixed moments relaxes instead of becoming infeasible. The dual is
solved by projected Newton steps with backtracking (the Hessian ``A' diag(p) A`` is
K x K), from scipy's truncated Newton (``TNC``) where Newton alone does not converge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ..errors import ConfigError

SOFT_BOUND = 1000.0
"""The bound on a soft constraint's (scaled) multiplier: its penalty weight."""

_BOUNDS = {"eq": (None, None), "ineq": (0.0, None), "soft": (-SOFT_BOUND, SOFT_BOUND)}


@dataclass
class MomentConstraints:
    """Linear constraints ``p'a (== | <=) b`` on scenario probabilities, by kind.

    Attributes
    ----------
    columns : dict of kind -> list of (ndarray (T,), float)
        ``kind`` in ``{"eq", "ineq", "soft"}``.
    """

    columns: dict[str, list[tuple[np.ndarray, float]]] = field(
        default_factory=lambda: {"eq": [], "ineq": [], "soft": []}
    )

    def add(self, a: np.ndarray, b: float, kind: str) -> None:
        """Add ``p'a (kind) b`` with ``a`` (T,), scaled to unit norm."""
        scale = float(np.linalg.norm(a))
        if scale == 0.0:
            raise ConfigError("a view is constant over every scenario: it cannot be met")
        self.columns[kind].append((a / scale, b / scale))

    def copy(self) -> MomentConstraints:
        """A copy whose lists can grow independently."""
        return MomentConstraints({k: list(v) for k, v in self.columns.items()})

    @property
    def empty(self) -> bool:
        """Whether there is no constraint."""
        return not any(self.columns.values())


def min_entropy_probabilities(prior: np.ndarray, constraints: MomentConstraints) -> np.ndarray:
    """The probabilities (T,) of least relative entropy to ``prior`` (T,) meeting
    ``constraints``.

    Raises
    ------
    ConfigError
        Where the dual does not converge: views that contradict each other or that no
        re-weighting of the scenarios meets.
    """
    if constraints.empty:
        return prior.copy()
    n = len(prior)
    cols = [(np.full(n, 1.0 / np.sqrt(n)), 1.0 / np.sqrt(n), "eq")]
    cols += [(a, b, kind) for kind, items in constraints.columns.items() for a, b in items]
    a = np.column_stack([c[0] for c in cols])
    b = np.array([c[1] for c in cols])
    bounds = [_BOUNDS[c[2]] for c in cols]

    _check_reachable(a, b, bounds)
    x, done = _newton(a, b, prior, np.zeros(len(b)), bounds)
    if not done:  # Newton from zero stalled (bounds, far start): TNC, then Newton again
        x, _ = _newton(a, b, prior, _tnc(a, b, prior, bounds), bounds)
    p = prior * np.exp(-1.0 - a @ x)
    if not np.isfinite(p).all() or _violation(a, b, p, bounds) > 1e-6:
        raise ConfigError(
            "entropy pooling: the views cannot all be met by re-weighting the scenarios "
            "(they contradict each other or are too extreme for the data)"
        )
    return p / p.sum()


def _tnc(a: np.ndarray, b: np.ndarray, prior: np.ndarray, bounds: list) -> np.ndarray:
    """The dual's minimiser by scipy's truncated Newton (TNC), from zero."""

    def dual(x: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(over="ignore", invalid="ignore"):
            grad = b - a.T @ (prior * np.exp(-a @ x - 1.0))
        return _dual_value(a, b, prior, x), grad

    options = {"maxfun": 20000, "ftol": 1e-15, "xtol": 1e-12, "gtol": 1e-12, "stepmx": 1}
    sol = scipy.optimize.minimize(
        dual, np.zeros(len(b)), jac=True, bounds=bounds, method="TNC", options=options
    )
    return np.asarray(sol.x)


def _newton(
    a: np.ndarray, b: np.ndarray, prior: np.ndarray, x: np.ndarray, bounds: list
) -> tuple[np.ndarray, bool]:
    """Projected Newton steps with backtracking on the multipliers not held at a bound
    (Hessian ``A' diag(z) A``); whether the free gradient reached ``1e-13`` (or
    ``1e-10`` where rounding stops the descent)."""
    lo = np.array([-np.inf if lb is None else lb for lb, _ in bounds])
    hi = np.array([np.inf if ub is None else ub for _, ub in bounds])
    value = _dual_value(a, b, prior, x)
    for _ in range(100):
        z = prior * np.exp(-a @ x - 1.0)
        grad = b - a.T @ z
        free = ~(((x <= lo + 1e-12) & (grad > 0)) | ((x >= hi - 1e-12) & (grad < 0)))
        size = np.abs(grad[free]).max(initial=0.0)
        if size < 1e-13:
            return x, True
        try:
            step = np.linalg.solve((a[:, free] * z[:, None]).T @ a[:, free], grad[free])
        except np.linalg.LinAlgError:
            return x, False
        for _ in range(40):
            trial = x.copy()
            trial[free] = np.clip(x[free] - step, lo[free], hi[free])
            new = _dual_value(a, b, prior, trial)
            if new <= value:
                break
            step = step / 2.0
        else:
            return x, size < 1e-10  # no decrease left at rounding level: converged
        x, value = trial, new
    return x, False


def _dual_value(a: np.ndarray, b: np.ndarray, prior: np.ndarray, x: np.ndarray) -> float:
    """The dual objective ``sum q exp(-A x - 1) + b'x`` (inf where it overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        value = float((prior * np.exp(-a @ x - 1.0)).sum() + x @ b)
    return value if np.isfinite(value) else np.inf


def _check_reachable(a: np.ndarray, b: np.ndarray, bounds: list) -> None:
    """Refuse a hard view no re-weighting can meet: an equality outside the open range
    of its scenario values, an inequality below their least value (column 0, the sum
    of the probabilities, is skipped)."""
    for k, (lb, ub) in enumerate(bounds[1:], start=1):
        hard_eq = lb is None and ub is None
        if (hard_eq and not a[:, k].min() < b[k] < a[:, k].max()) or (
            lb == 0.0 and ub is None and not a[:, k].min() < b[k]
        ):
            raise ConfigError(
                "entropy pooling: a view lies beyond every scenario (no re-weighting of "
                "the scenarios meets it): make it less extreme"
            )


def _violation(a: np.ndarray, b: np.ndarray, p: np.ndarray, bounds: list) -> float:
    """The largest violation of a hard constraint (equalities, inequalities) by ``p``."""
    residual = a.T @ p - b
    worst = 0.0
    for k, (lb, ub) in enumerate(bounds):
        if lb is None and ub is None:
            worst = max(worst, abs(residual[k]))
        elif lb == 0.0 and ub is None:
            worst = max(worst, residual[k])
    return float(worst)
