"""The last step of every allocator: feasible weights, as near as possible to its own.

An allocator's weights ``w0`` that already meet every constraint (within 1e-12) are kept
as they are. Otherwise they are replaced by the nearest feasible weights:

- ``"relative"`` (HERC, HRP): ``min sum_i ((w_i - w0_i) / w0_i)^2`` over the feasible
  set, the relative deviation of skfolio's HERC (``w0 > 0``). It is a projection in the
  diagonal metric ``d_i = 1 / w0_i^2``, solved exactly by the engine's metric kernels
  (bounds: :func:`~portfolio_sgd.constraints.project_box_sum_metric`; disjoint group
  caps and floors: the group kernel). Other linear rows have no metric kernel: those sets
  fall back to the Euclidean rule;
- ``"euclidean"`` (NCO, the naive baselines, and the fallback):
  ``min ||w - w0||_2`` over the feasible set, the engine's exact projection
  (:meth:`Constraints.project`; Dykstra's algorithm for general rows, feasible to 1e-10).

HRP clamps its splits to the per-asset bounds first (:mod:`.bounds`), so with bounds
alone it rarely needs this step.
"""

from __future__ import annotations

import numpy as np
import torch

from ..constraints import Constraints, project_box_sum_metric
from ..errors import ConfigError, InfeasibleConstraintError

FEASIBLE_TOL = 1e-12
"""Largest violation under which an allocator's own weights are kept unchanged."""

CHECK_TOL = 1e-9
"""Largest violation accepted after the redistribution (the kernels reach ~1e-15, Dykstra's
algorithm 1e-10)."""


def check_allocator_constraints(constraints: Constraints, name: str) -> None:
    """Refuse what a long-only allocator cannot honour (one line naming it).

    Raises
    ------
    ConfigError
        For long-short weights, cardinality, trading against holdings, or a leverage cap.
    """
    refused = {
        "long_short": constraints.long_short or constraints.min_weight < 0,
        "max_assets/min_position": constraints.is_combinatorial,
        "previous weights, costs or turnover limits": constraints.previous_weights is not None
        or constraints.max_turnover is not None
        or constraints.max_asset_turnover is not None,
        "max_leverage": constraints.max_leverage is not None,
    }
    for what, given in refused.items():
        if given:
            raise ConfigError(f"{name} is a long-only allocator: it does not take {what}")


def make_feasible(
    weights: np.ndarray, constraints: Constraints, tickers: list[str], rule: str
) -> tuple[np.ndarray, str]:
    """The allocator's weights, or the nearest feasible ones (module docstring).

    Parameters
    ----------
    weights : ndarray, shape (N,)
        ``w0``, summing to 1.
    constraints : Constraints
    tickers : list of str
    rule : {"relative", "euclidean"}

    Returns
    -------
    (ndarray (N,), str)
        Feasible weights and the rule applied: ``"none"`` (already feasible),
        ``"relative"`` or ``"euclidean"``.

    Raises
    ------
    InfeasibleConstraintError
        For infeasible constraints, or a projection that misses them by more than
        :data:`CHECK_TOL` (never silently).
    """
    bound = constraints.bind(tickers)
    bound.validate(len(tickers))
    w0 = torch.as_tensor(np.asarray(weights, dtype=np.float64))
    if bool(bound.is_feasible(w0[None], atol=FEASIBLE_TOL)[0]):
        return np.asarray(weights, dtype=np.float64), "none"
    if rule not in ("relative", "euclidean"):
        raise ConfigError(f"unknown redistribution rule {rule!r}")
    projected, how = _nearest(w0, bound, rule)
    if not bool(bound.is_feasible(projected[None], atol=CHECK_TOL)[0]):
        raise InfeasibleConstraintError(
            f"the {how} redistribution did not reach the constraints within {CHECK_TOL:g}"
        )
    return projected.numpy(), how


def _nearest(w0: torch.Tensor, bound: Constraints, rule: str) -> tuple[torch.Tensor, str]:
    """The nearest feasible weights (N,) under ``rule`` (its metric kernel if there is one,
    else the Euclidean projection), and the rule applied."""
    if rule == "relative" and bool((w0 > 0).all()):
        d = 1.0 / w0**2
        if not bound.has_linear:
            lo, hi = float(bound.min_weight), float(bound.max_weight)
            return project_box_sum_metric(w0[None], d, lo, hi)[0], "relative"
        kernel = bound.metric_projector(int(w0.numel()), d)
        if kernel is not None:
            return kernel(w0[None])[0], "relative"
    return bound.project(w0), "euclidean"
