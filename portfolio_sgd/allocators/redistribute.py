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
from ..errors import ConfigError

FEASIBLE_TOL = 1e-12
"""Largest violation under which an allocator's own weights are kept unchanged."""


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
    """
    bound = constraints.bind(tickers)
    n = len(tickers)
    bound.validate(n)
    w0 = torch.as_tensor(np.asarray(weights, dtype=np.float64))
    if bool(bound.is_feasible(w0[None], atol=FEASIBLE_TOL)[0]):
        return np.asarray(weights, dtype=np.float64), "none"
    if rule == "relative" and bool((w0 > 0).all()):
        d = 1.0 / w0**2
        if not bound.has_linear:
            lo, hi = float(bound.min_weight), float(bound.max_weight)
            return project_box_sum_metric(w0[None], d, lo, hi)[0].numpy(), "relative"
        kernel = bound.metric_projector(n, d)
        if kernel is not None:
            return kernel(w0[None])[0].numpy(), "relative"
    elif rule not in ("relative", "euclidean"):
        raise ConfigError(f"unknown redistribution rule {rule!r}")
    return bound.project(w0).numpy(), "euclidean"
