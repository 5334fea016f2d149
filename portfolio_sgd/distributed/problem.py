"""A problem whose returns are one rank's shard: global sizes, all-reduced moments.

:class:`ShardedProblem` is the engine's :class:`~portfolio_sgd.engine.Problem` with
``returns`` holding this rank's rows only, ``n_rows`` the global count T, and the
full-data mean all-reduced. The N x N second moment is all-reduced once too: from it
:func:`moment_rows` builds 2N rows with exactly the data's mean and second moment, on
which the set-up quantities that depend on the data through these moments only (the
Jacobi preconditioner, the curvature behind the automatic step size, risk parity's
starting point, the value of objectives that are functions of the covariance) are
computed identically on every rank.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ..constraints import Constraints
from ..engine import Problem
from ..errors import DataError
from ..objectives import ObjectiveSpec
from .context import DistContext

CHUNK_ELEMENTS = 2_097_152
"""Elements per block of the float64 moment accumulation (bounds the temporaries: 16 MB)."""


@dataclass(frozen=True)
class ShardedProblem(Problem):
    """A :class:`Problem` of which this rank holds rows ``[offset, offset + local rows)``.

    Attributes
    ----------
    total_rows : int
        T, over all ranks (what ``n_rows`` reports).
    offset : int
    ctx : DistContext
    moments : Tensor, shape (2N, N)
        Rows with the data's exact mean and second moment (see :func:`moment_rows`).
    """

    total_rows: int = 0
    offset: int = 0
    ctx: DistContext = dataclasses.field(default_factory=DistContext)
    moments: torch.Tensor | None = None

    @property
    def n_rows(self) -> int:
        """Number of scenarios T over all ranks."""
        return self.total_rows

    @property
    def local_rows(self) -> int:
        """Number of scenarios this rank holds."""
        return int(self.returns.shape[0])

    def moment_problem(self) -> Problem:
        """A plain problem on the moment rows (same mean and second moment as the data)."""
        return Problem(
            returns=self.moments,  # type: ignore[arg-type]
            mean=self.mean,
            spec=self.spec,
            constraints=self.constraints,
        )


def sharded_problem(
    local: torch.Tensor,
    offset: int,
    total: int,
    spec: ObjectiveSpec,
    constraints: Constraints,
    ctx: DistContext,
    benchmark: torch.Tensor | None = None,
) -> ShardedProblem:
    """The sharded problem of this rank's rows ``local`` (T_r, N) of ``total`` rows.

    Raises
    ------
    DataError
        For NaN or inf in any rank's rows, or overflowing column sums.
    """
    n_assets = local.shape[1]
    sums = torch.zeros(n_assets + 1, dtype=torch.float64, device=local.device)
    second = torch.zeros(n_assets, n_assets, dtype=torch.float64, device=local.device)
    rows = max(1, CHUNK_ELEMENTS // max(1, n_assets))
    for start in range(0, local.shape[0], rows):
        block = local[start : start + rows].to(torch.float64)
        sums[:n_assets] += block.sum(dim=0)
        sums[n_assets] += float((~torch.isfinite(block)).sum())
        second += block.T @ block
    ctx.all_reduce(sums)
    ctx.all_reduce(second)
    if float(sums[n_assets]) > 0:
        raise DataError("returns contain NaN or inf; clean them or choose a NaN policy")
    mean64 = sums[:n_assets] / total
    if not bool(torch.isfinite(mean64).all()) or not bool(torch.isfinite(second).all()):
        raise DataError("returns are too large: their moments overflow float64")
    return ShardedProblem(
        returns=local,
        mean=mean64.to(local.dtype),
        spec=spec,
        constraints=constraints,
        benchmark=benchmark,
        total_rows=total,
        offset=offset,
        ctx=ctx,
        moments=moment_rows(mean64, second / total).to(local.dtype),
    )


def moment_rows(mean: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """2N rows (2N, N) whose mean is ``mean`` and second moment ``second``, float64.

    With the covariance ``C = second - mean mean' = sum_j f_j f_j'`` (eigen-factors),
    the rows ``mean +- sqrt(N) f_j`` average to ``mean`` and their second moment is
    ``mean mean' + C``.
    """
    n_assets = mean.shape[0]
    cov = second - torch.outer(mean, mean)
    values, vectors = torch.linalg.eigh((cov + cov.T) / 2)
    factors = vectors * torch.sqrt(values.clamp_min(0.0))  # columns f_j
    spread = (n_assets**0.5) * factors.T  # (N, N): row j is sqrt(N) f_j
    return torch.cat([mean + spread, mean - spread], dim=0)
