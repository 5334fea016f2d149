"""One limit of the outer approximation: exact LP epigraph rows, or a cut oracle.

A limit ``rho(w) <= L`` enters :mod:`.outer_approximation` as a :class:`LimitTerm`:

- **LP rows** (exact, no cuts needed): a measure with an LP epigraph (``form``: worst
  realisation and the drawdowns, :mod:`portfolio_sgd.measures.kernels.tail_form`), a
  Rockafellar-Uryasev tail measure (CVaR: the same form with tail mass ``(1 - alpha) T``),
  or a piecewise-linear measure's pieces (MAD, the lower partial moments: every scenario
  is a free piece; the Gini mean difference: a band of pairs, a lower model only, so its
  cuts below complete it);
- **cuts** (every convex measure, tracking error): the exact float64 value and a
  subgradient ``g`` at ``w_k``, giving the valid cut ``rho(w_k) + g.(w - w_k) <= L``. The
  subgradient is the measure's ``derivatives`` (autograd of ``torch_value`` for the path
  measures, EVaR, Ulcer) chained through ``R``, in stated units (a root measure such as
  volatility chains through its ``penalty_value`` by autograd); a piecewise measure's is
  the slope of its pieces fixed at ``w_k``, exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from ..data.frequency import TRADING_DAYS
from ..measures.kernels.tail_form import tail_form
from ..measures.kernels.tail_lp import l1_radius
from ..measures.registry import get_measure

__all__ = ["EpigraphRows", "LimitTerm", "exact_pieces", "measure_term", "tracking_term"]

Cut = Callable[[np.ndarray], tuple[float, np.ndarray]]
"""``w (N,) -> (rho(w), subgradient (N,))`` in stated units."""


@dataclass(frozen=True)
class EpigraphRows:
    """``rho(w) <= L`` iff some ``v`` in ``[lower, upper]`` has ``a_w w + a_v v <= b`` and
    ``cap_w.w + cap_v.v + constant <= L`` (``rho`` a lower model where ``exact`` is False).

    Attributes
    ----------
    a_w : sparse (M, N)
    a_v : sparse (M, V)
    b : ndarray (M,)
    cap_w : ndarray (N,)
    cap_v : ndarray (V,)
    constant : float
    lower, upper : ndarray (V,)
    exact : bool
    """

    a_w: sp.csr_matrix
    a_v: sp.csr_matrix
    b: np.ndarray
    cap_w: np.ndarray
    cap_v: np.ndarray
    constant: float
    lower: np.ndarray
    upper: np.ndarray
    exact: bool = True


@dataclass(frozen=True)
class LimitTerm:
    """One limit ``stated(w) <= level``.

    Attributes
    ----------
    label : str
    level : float
    stated : callable
        ``w (N,) -> float``: the exact float64 value in stated units.
    rows : EpigraphRows or None
    cut : callable or None
        The cut oracle (None: the rows are exact).
    """

    label: str
    level: float
    stated: Callable[[np.ndarray], float]
    rows: EpigraphRows | None
    cut: Cut | None


def measure_term(
    name: str, level: float, r: np.ndarray, alpha: float, polytope: object
) -> LimitTerm:
    """The term of a limit on the registered measure ``name`` for returns ``r`` (T, N)
    over the constraint ``polytope`` (:class:`portfolio_sgd.constraints.polytope.Polytope`)."""
    measure = get_measure(name)

    def stated(w: np.ndarray) -> float:
        return float(measure.stated_value((r @ w)[:, None], alpha)[0])

    rows = _tail_rows(measure, r, alpha, polytope) or _piece_rows(measure, r)
    cut = None if rows is not None and rows.exact else _cut(measure, r, alpha, stated)
    return LimitTerm(measure.label, float(level), stated, rows, cut)


def exact_pieces(name: str) -> bool:
    """Whether the measure's pieces give exact LP rows (MAD, the lower partial moments:
    one piece per scenario), checked on a small panel; False for the Gini mean
    difference's band of pairs and for measures without pieces."""
    probe = 0.01 * np.sin(np.arange(80.0)).reshape(40, 2)
    rows = _piece_rows(get_measure(name), probe)
    return rows is not None and rows.exact


def tracking_term(level: float, r: np.ndarray, benchmark: np.ndarray) -> LimitTerm:
    """The annualised tracking error ``sqrt(252) std(R w - b)`` (population) ``<= level``
    against benchmark returns ``b`` (T,)."""
    b = np.asarray(benchmark, dtype=np.float64)
    centred = r - r.mean(axis=0)
    b_centred = b - b.mean()
    days = math.sqrt(TRADING_DAYS)

    def stated(w: np.ndarray) -> float:
        return days * float(np.std(r @ w - b))

    def cut(w: np.ndarray) -> tuple[float, np.ndarray]:
        active = centred @ w - b_centred
        sd = math.sqrt(float(np.mean(active * active)))
        grad = centred.T @ active / (len(active) * sd) if sd > 0 else np.zeros(r.shape[1])
        return days * sd, days * grad

    return LimitTerm("tracking error (annualised)", float(level), stated, None, cut)


def _tail_rows(
    measure: object, r: np.ndarray, alpha: float, polytope: object
) -> EpigraphRows | None:
    """The LP epigraph of a measure with a tail form (None: it has none)."""
    radius = l1_radius(polytope)
    form_of = getattr(measure, "form", None)
    if form_of is not None:
        form = form_of(r, alpha, polytope)
    elif measure.has_capped_finish and measure.has_var_level:  # Rockafellar-Uryasev
        form = tail_form(r, (1.0 - alpha) * r.shape[0], False, radius)
    else:
        return None
    zeros = np.zeros(form.a_w.shape[0])
    cap_w = np.zeros(r.shape[1])
    return EpigraphRows(
        form.a_w, form.a_v, zeros, cap_w, form.scale * form.cost, 0.0, form.lower, form.upper
    )


def _piece_rows(measure: object, r: np.ndarray) -> EpigraphRows | None:
    """The pieces of a piecewise-linear measure as rows ``e_p >= lo l_p, e_p >= hi l_p``
    (every piece its scenario model offers near equal weights; None: no pieces)."""
    pieces_of = getattr(measure, "pieces", None)
    if pieces_of is None:
        return None
    model = pieces_of(r)
    n = r.shape[1]
    x = model.returns_of(np.full(n, 1.0 / n))
    window = model.near(x, r.shape[0] * r.shape[0])
    relax = model.relaxation(x, window, np.zeros(n))
    p = relax.pieces
    size = p.rows.shape[0]
    a_w = sp.csr_matrix(np.vstack([p.lo[:, None] * p.rows, p.hi[:, None] * p.rows]))
    a_v = sp.vstack([-sp.identity(size), -sp.identity(size)], format="csr")
    b = np.concatenate([-p.lo * p.offset, -p.hi * p.offset])
    infinite = np.full(size, np.inf)
    exact = size == _piece_count(model, r.shape[0])
    return EpigraphRows(
        a_w, a_v, b, relax.g0, np.full(size, p.weight), relax.c0, -infinite, infinite, exact
    )


def _piece_count(model: object, n_rows: int) -> int:
    """The number of pieces of the model: scenarios, or pairs of them."""
    weight = float(getattr(model, "weight", 1.0 / n_rows))
    return round(1.0 / weight) if weight > 0 else n_rows


def _cut(measure: object, r: np.ndarray, alpha: float, stated: Callable) -> Cut:
    """The cut oracle of a convex measure (module docstring)."""
    pieces_of = getattr(measure, "pieces", None)
    if pieces_of is not None:
        model = pieces_of(r)
        empty = np.zeros(0, dtype=np.int64)

        def piece_cut(w: np.ndarray) -> tuple[float, np.ndarray]:
            relax = model.relaxation(model.returns_of(w), empty, np.zeros(r.shape[1]))
            return stated(w), relax.g0

        return piece_cut
    root = get_measure(measure.penalised_by) if measure.penalised_by else None
    inner = root or measure

    def smooth_cut(w: np.ndarray) -> tuple[float, np.ndarray]:
        value = stated(w)
        grad = _gradient(inner, r, w, alpha)
        if root is not None:  # stated = f(P): dS/dw = grad P / f'(S)
            s = torch.tensor(value, dtype=torch.float64, requires_grad=True)
            (slope,) = torch.autograd.grad(measure.penalty_value(s), s)
            grad = grad / float(slope) if float(slope) > 0 else np.zeros_like(grad)
        return value, grad

    return smooth_cut


def _gradient(measure: object, r: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """The gradient (N,) of ``E_t l_t`` from the measure's ``derivatives`` at ``w``."""
    data = torch.from_numpy(np.ascontiguousarray(r))
    x = (data @ torch.from_numpy(w))[None, :]
    mean = data.mean(dim=0)
    mean_return = (mean @ torch.from_numpy(w)).reshape(1)
    d_x, d_mean, _ = measure.derivatives(x, mean_return, None, alpha, 0.0)
    t_rows = r.shape[0]
    grad = data.T @ d_x[0] / t_rows
    if d_mean is not None:
        grad = grad + mean * d_mean[0].sum() / t_rows
    return grad.numpy()
