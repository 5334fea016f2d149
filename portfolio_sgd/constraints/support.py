"""Per-run feasible sets of the cardinality heuristic, in the engine's batched (K, N) form.

- :class:`SupportSet`: run ``k`` holds exactly the assets of its own support ``S_k``
  (``|S_k| = j`` for every run), with ``x <= w_i <= hi`` on ``S_k`` and ``w_i = 0`` off
  it: a convex set per run. The projection gathers each row's support (K, j), applies
  the exact capped-simplex kernel and scatters back, so K supports are re-optimised as K
  runs of the engine at once.
- :class:`SparseSet`: ``{w : ||w||_0 <= j}`` with the same bounds, projected by hard
  thresholding (keep each row's ``j`` largest entries, then the capped simplex on them):
  projected SGD onto it is iterative hard thresholding. For ``x = 0`` keeping the largest
  entries is the exact Euclidean projection (Kyrillidis et al. 2013); with ``x > 0`` it is
  a heuristic.

Both subclass :class:`Constraints`, so the engine uses them unchanged; neither has a
linear oracle, so engine outputs on them are certified on the sub-panel of the support
instead (:mod:`portfolio_sgd.cardinality`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..errors import ConfigError, InfeasibleConstraintError
from .feasible_set import Constraints
from .kernels import project_capped_simplex, project_simplex
from .projection import Projector


def _box_sum(lo: float, hi: float) -> Projector:
    """The exact projection onto ``{sum w = 1, lo <= w <= hi}`` row by row."""
    if lo == 0.0 and hi >= 1.0:
        return project_simplex
    return lambda v: project_capped_simplex(v, lo=lo, hi=hi)


def _scatter(v: torch.Tensor, index: torch.Tensor, box: Projector) -> torch.Tensor:
    """Project ``v`` gathered at ``index`` (K, j) with ``box``; zero elsewhere (K, N)."""
    sub = box(torch.gather(v, -1, index))
    return torch.zeros_like(v).scatter(-1, index, sub)


@dataclass(frozen=True, eq=False)
class SupportSet(Constraints):
    """Each run on its own support: ``index`` (K, j) lists run k's held assets.

    ``min_weight`` is the floor ``x`` on the support, ``max_weight`` the cap ``hi``.
    """

    index: Any = None

    def validate(self, n_assets: int) -> None:
        idx = self.index
        if not isinstance(idx, torch.Tensor) or idx.ndim != 2 or idx.shape[1] < 1:
            raise ConfigError("a support set needs a (K, j) index tensor")
        j = int(idx.shape[1])
        if int(idx.max()) >= n_assets or int(idx.min()) < 0:
            raise ConfigError(f"support index out of range for {n_assets} assets")
        if j * self.max_weight < 1 - 1e-12 or j * self.min_weight > 1 + 1e-12:
            raise InfeasibleConstraintError(
                f"{j} held assets in [{self.min_weight:g}, {self.max_weight:g}] cannot sum to 1"
            )

    @property
    def allows_metric_projection(self) -> bool:
        return False

    def projector(self, n_assets: int) -> Projector:
        self.validate(n_assets)
        box = _box_sum(float(self.min_weight), float(self.max_weight))
        return lambda v: _scatter(v, self.index.to(v.device).expand(v.shape[0], -1), box)

    def feasible_start(
        self, n_assets: int, *, dtype: torch.dtype = torch.float64, device: Any = None
    ) -> torch.Tensor:
        """Equal weights on each run's support, projected (K, N)."""
        self.validate(n_assets)
        k = int(self.index.shape[0])
        start = torch.full((k, n_assets), 1.0 / n_assets, dtype=dtype, device=device)
        return self.project(start)

    def linear_oracle(self, n_assets: int) -> Any:
        raise ConfigError("a support set is certified on the sub-panel of its support")


@dataclass(frozen=True, eq=False)
class SparseSet(Constraints):
    """At most ``size`` held assets per run, in ``[min_weight, max_weight]``, by hard
    thresholding (see the module docstring)."""

    size: int = 1

    def validate(self, n_assets: int) -> None:
        j = int(self.size)
        if not 1 <= j <= n_assets:
            raise ConfigError(f"sparse set size {j} outside [1, {n_assets}]")
        if j * self.max_weight < 1 - 1e-12 or j * self.min_weight > 1 + 1e-12:
            raise InfeasibleConstraintError(
                f"{j} held assets in [{self.min_weight:g}, {self.max_weight:g}] cannot sum to 1"
            )

    @property
    def allows_metric_projection(self) -> bool:
        return False

    def projector(self, n_assets: int) -> Projector:
        self.validate(n_assets)
        box = _box_sum(float(self.min_weight), float(self.max_weight))
        size = int(self.size)
        return lambda v: _scatter(v, torch.topk(v, size, dim=-1).indices, box)

    def linear_oracle(self, n_assets: int) -> Any:
        raise ConfigError("a sparse set has no linear oracle")
