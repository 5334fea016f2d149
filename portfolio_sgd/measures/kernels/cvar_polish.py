"""Exact finish of mean-CVaR runs: the Rockafellar-Uryasev LP on the tail scenarios only.

With losses ``L_i = -R_i.w`` and ``m = (1 - alpha) T``, mean-CVaR is

    min_{w in C, t}  f(w, t) = -lam_r mu.w + t + (1/m) sum_i (L_i - t)_+ .

Near the optimum the scenarios split into three sets: ``F``, in the tail (``L_i >= t``),
``E``, below the VaR (``L_i <= t``), and a window ``W`` around the VaR. Replacing
``(L_i - t)_+`` by ``L_i - t`` on ``F`` and by 0 on ``E`` gives ``g <= f`` everywhere
(``a_+ >= a`` and ``a_+ >= 0``), so the restricted problem

    min_{w in C cap B, t, u >= 0}  -lam_r mu.w + t + (1/m) [ sum_F (L_i - t) + sum_W u_j ],
    u_j >= L_j - t  (j in W),

is a small LP (``N + 1 + |W|`` variables, one summed row for ``F`` and ``|W|`` dense
rows) whose optimum is a lower bound on ``min_{C cap B} f``. ``B`` is a trust box
``|x - x_c| <= delta`` around the current centre (it keeps the relaxation from running
off to where the excluded scenarios matter). After each LP every one of the T scenarios is
checked (one pass):

* a scenario on the wrong side of ``t`` joins ``W`` and the LP is solved again (a cut);
* with none, ``g = f`` at the LP's ``(w, t)``, so ``w`` minimises ``f`` over ``C cap B``;
  if no trust bound is binding (zero multiplier), ``w`` is an exact optimum over ``C``
  (the loop stops with status ``"exact"``); otherwise the box is re-centred at ``w``
  (``f`` decreased) and widened.

``W`` only grows, so the loop ends. The check reads the data in its own dtype: a float32
loss is trusted only outside a proven rounding band around ``t``, and the few scenarios
inside it are recomputed in float64. The LP is scipy's HiGHS (dual simplex) over the
feasible set's :class:`~portfolio_sgd.constraints.polytope.Polytope`, so a linear
constraint part added there is respected.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from .cvar_lp import TailLP, lifted_point

__all__ = ["PolishOptions", "PolishRow", "polish_cvar", "polish_cvar_cap"]

TIE_TOL = 1e-12
"""A scenario outside the window within this many RMS returns of ``t`` counts as tied
(its omission changes the objective by less than ``TIE_TOL * RMS * T / m``)."""


@dataclass(frozen=True)
class PolishOptions:
    """Knobs of the tail LP.

    Attributes
    ----------
    half_width : int
        Initial window rows on each side of the VaR rank, at least; widened to
        ``2 * (assets held) + 16`` and ``margin * m``.
    margin : float
        Initial half-width as a fraction of ``m = (1 - alpha) T``.
    trust : float
        Initial half-width of the trust box, as a fraction of the largest weight.
    max_rounds : int
        LPs before giving up (the best verified point is still used if it improves the
        objective, but is not called exact).
    max_window : int
        Largest LP window (distinct scenario rows); beyond it the polish stops without a
        claim.
    max_gather : int
        Largest window, in gathered numbers (scenarios x assets: 64 M is 512 MB in float64).
    time_limit : float, optional
        Seconds per LP (default None: no clock limit, so the same command takes the same
        path on a loaded machine as on a quiet one).
    lp_iterations : float
        Simplex iterations per LP, per row and column of the LP (a counted-work limit).
    """

    half_width: int = 32
    margin: float = 0.02
    trust: float = 0.1
    max_rounds: int = 16
    max_window: int = 20_000
    max_gather: int = 64_000_000
    time_limit: float | None = None
    lp_iterations: float = 50.0


@dataclass(frozen=True)
class PolishRow:
    """What the polish did for one run.

    Attributes
    ----------
    status : str
        ``"exact"`` (optimality verified on all scenarios), ``"inexact (...)"`` (a budget
        ran out; the best verified point is used where it improves the objective) or
        ``"failed (...)"`` (HiGHS reported no solution).
    rounds : int
        LPs solved.
    window_rows : int
        Distinct rows in the last LP's window.
    lp_value : float
        The last LP's optimum (``f*`` when ``status`` is exact).
    seconds : float
    """

    status: str
    rounds: int
    window_rows: int
    lp_value: float
    seconds: float

    @property
    def exact(self) -> bool:
        """Whether the row's weights are a verified optimum."""
        return self.status == "exact"


def polish_cvar(
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    feasible: object,
    alpha: float,
    return_weights: torch.Tensor,
    options: PolishOptions | None = None,
) -> tuple[torch.Tensor, list[PolishRow]]:
    """Solve each run's mean-CVaR problem exactly, starting from its SGD weights.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
        Scenarios (any float dtype and device; never copied whole).
    mean : Tensor, shape (N,)
        The ``mu`` of the objective.
    weights : Tensor, shape (K, N)
        Feasible starting weights (they choose the initial window and trust box).
    feasible : portfolio_sgd.constraints.FeasibleSet
        The feasible set (``.polytope()`` gives its linear form).
    alpha : float
    return_weights : Tensor, shape (K,)
        ``lam_r`` per run.
    options : PolishOptions, optional

    Returns
    -------
    (Tensor, list of PolishRow)
        Weights (K, N), float64 on the device of ``weights``: the verified LP optimum
        (exact rows), the best verified trust-box point (inexact rows; never worse than
        the start) or the input (failed rows); and one report per run.
    """
    opts = options or PolishOptions()
    polytope = feasible.polytope()  # type: ignore[attr-defined]
    out = weights.detach().to(torch.float64).clone()
    bound = _rounding_bound(returns)
    rows = []
    for k in range(weights.shape[0]):
        began = time.perf_counter()
        lp = TailLP(returns, mean, float(return_weights[k]), alpha, polytope)
        w, status, rounds, width, value = _cutting_planes(lp, out[k], bound, opts)
        out[k] = w.to(out.device)
        rows.append(PolishRow(status, rounds, width, value, time.perf_counter() - began))
    return out, rows


def polish_cvar_cap(
    returns: torch.Tensor,
    mean: torch.Tensor,
    weights: torch.Tensor,
    feasible: object,
    alpha: float,
    cap: float,
    options: PolishOptions | None = None,
) -> tuple[torch.Tensor, PolishRow, float]:
    """Maximise ``mu.w`` subject to ``CVaR_alpha(-R w) <= cap`` exactly, from ``weights``.

    The same cutting planes on the capped tail LP (:class:`~.cvar_lp.TailLP` with
    ``cap``). ``weights`` (N,) should meet the cap (it centres the first trust box).

    Returns
    -------
    (Tensor, PolishRow, float)
        Weights (N,) float64 (the verified optimum when the row is exact), the report
        (``lp_value``: ``-mu.w``) and the cap's multiplier ``d(mu.w*) / d cap`` from the
        last LP's dual.
    """
    opts = options or PolishOptions()
    began = time.perf_counter()
    lp = TailLP(returns, mean, 0.0, alpha, feasible.polytope(), cap=cap)  # type: ignore[attr-defined]
    w0 = weights.detach().to(torch.float64)
    w, status, rounds, width, value = _cutting_planes(lp, w0, _rounding_bound(returns), opts)
    row = PolishRow(status, rounds, width, value, time.perf_counter() - began)
    return w, row, lp.cap_multiplier


def _cutting_planes(
    lp: TailLP, w0: torch.Tensor, bound: float, opts: PolishOptions
) -> tuple[torch.Tensor, str, int, int, float]:
    """The loop of one run: ``(w, status, rounds, window rows, last LP value)``."""
    losses = lp_losses(lp.returns, w0)
    state = _initial_sets(lp, losses, w0, opts)
    centre = lifted_point(lp.polytope, w0.cpu().numpy())
    delta = opts.trust * max(float(w0.abs().max()), 1e-12)
    best, value, width = w0, math.nan, 0
    for rounds in range(1, opts.max_rounds + 1):
        width = int((state == 1).sum())
        if width * lp.returns.shape[1] > opts.max_gather:
            return best, f"inexact (window of {width} scenarios)", rounds - 1, width, value
        solved = lp.solve(
            state, centre, delta, opts.time_limit, opts.max_window, opts.lp_iterations
        )
        width = lp.distinct_rows
        if isinstance(solved, str):
            status = "inexact" if solved.startswith("window") else "failed"
            return best, f"{status} ({solved})", rounds, width, value
        w, t, value, x, binding = solved
        wrong = _wrong_side(lp.returns, w, t, state, bound, TIE_TOL * lp.scale)
        if bool(wrong.any()):
            state[wrong] = 1
            continue
        best = w  # verified: w minimises f over the trust box
        if not binding:
            return w, "exact", rounds, width, value
        centre, delta = x, 4.0 * delta
    return best, f"inexact ({opts.max_rounds} rounds)", opts.max_rounds, width, value


def _initial_sets(
    lp: TailLP, losses: torch.Tensor, w0: torch.Tensor, opts: PolishOptions
) -> torch.Tensor:
    """Per scenario: 2 (``F``), 1 (``W``) or 0 (``E``), from the ranks of the losses.

    Returns
    -------
    Tensor, int8, shape (T,)
    """
    n_rows, m = losses.numel(), lp.m
    inside = int((w0.abs() > 1e-9).sum())  # held assets: about as many ties at the VaR
    half = max(opts.half_width, 2 * inside + 16, math.ceil(opts.margin * m))
    i0 = max(0, math.floor(m) - half)
    i1 = min(n_rows, math.ceil(m) + half)
    order = torch.topk(losses, i1, sorted=True).indices
    state = torch.zeros(n_rows, dtype=torch.int8, device=losses.device)
    state[order[:i0]] = 2
    state[order[i0:i1]] = 1
    return state


def _rounding_bound(returns: torch.Tensor, chunk_rows: int = 262_144) -> float:
    """A proven bound on the rounding error of one scenario loss ``R_i.w`` per unit of
    ``||w||_1``, computed in the data's dtype (0 for float64 data: computed exactly
    enough in float64).

    ``|fl(R_i.w) - R_i.w| <= gamma_{N+1} max_ij |R_ij| ||w||_1`` with
    ``gamma_n = n u / (1 - n u)`` (the ``+1`` covers rounding ``w`` to the data's dtype).
    """
    if returns.dtype == torch.float64:
        return 0.0
    unit = torch.finfo(returns.dtype).eps / 2
    n = returns.shape[1] + 1
    biggest = 0.0
    for s in range(0, returns.shape[0], chunk_rows):
        low, high = torch.aminmax(returns[s : s + chunk_rows])
        biggest = max(biggest, -float(low), float(high))
    return 2.0 * n * unit / (1 - n * unit) * biggest


def lp_losses(returns: torch.Tensor, w: torch.Tensor, chunk_rows: int = 262_144) -> torch.Tensor:
    """Scenario losses ``-R w`` (T,) in the data's dtype (float64 for float64 data)."""
    w_d = w.to(device=returns.device, dtype=returns.dtype)
    parts = [-(returns[s : s + chunk_rows] @ w_d) for s in range(0, returns.shape[0], chunk_rows)]
    return torch.cat(parts)


def _wrong_side(
    returns: torch.Tensor,
    w: torch.Tensor,
    t: float,
    state: torch.Tensor,
    bound: float,
    slack: float,
) -> torch.Tensor:
    """Scenarios of ``F`` with a loss below ``t - slack``, or of ``E`` above ``t + slack``.

    Losses are computed in the data's dtype; within the rounding band
    ``bound * ||w||_1`` of those levels they are recomputed in float64 before deciding.

    Returns
    -------
    Tensor, bool, shape (T,)
    """
    losses = lp_losses(returns, w)
    band = bound * float(w.abs().sum())
    fixed, excluded = state == 2, state == 0
    wrong = (fixed & (losses < t - slack - band)) | (excluded & (losses > t + slack + band))
    if band > 0:
        near = (fixed | excluded) & ((losses - t).abs() <= slack + band)
        idx = near.nonzero().squeeze(1)
        if idx.numel():
            exact = -(returns[idx].to(torch.float64) @ w.to(returns.device, torch.float64))
            wrong[idx] = (fixed[idx] & (exact < t - slack)) | (excluded[idx] & (exact > t + slack))
    return wrong
