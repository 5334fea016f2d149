"""The optimality certificate of a sharded run's weights.

- An objective of the data's mean and covariance only (``is_quadratic``, no benchmark)
  is certified on the moment rows (:func:`.problem.moment_rows`), which have exactly the
  data's mean and second moment on every rank: its Frank-Wolfe bound is that of the
  all-reduced full gradient.
- A tail objective (mean-CVaR) is certified on rank 0 from the rows its exact finish
  gathered (:mod:`.tail_finish`): the single-process dual bound over those rows, at the
  level ``alpha_S = 1 - m / |S|`` (so ``m = (1 - alpha) T`` is T's), maximises
  ``phi(q) = min_{s in C} (-lam_r mu - R'q).s`` over ``q`` with ``0 <= q_t <= 1/m``,
  ``sum q = 1`` supported on the gathered rows; every such ``q`` is a dual point of the
  whole problem, so its bound is a proven lower bound on ``f*``. The gap is measured from
  the exact, all-reduced objective ``f(w)``.
- A measure of scenario pieces (MAD, the first lower partial moments) is certified by the
  window dual-LP bound over every rank's scenarios (:mod:`.pieces_finish`).
- Other objectives are not certified in a sharded run (:data:`NO_CERTIFICATE`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ..certificate import GapCertificate, optimality_gap
from ..certificate.api import ROUNDING_ALLOWANCE
from ..certificate.engine_output import certify
from ..constraints.trading.terms import has_trading
from ..engine.problem import EngineOutput
from .pieces_finish import pieces_certificate, sharded_pieces
from .problem import ShardedProblem

NO_CERTIFICATE = "none (sharded run: this objective is not certified across ranks)"


def sharded_certificate(
    problem: ShardedProblem, out: EngineOutput, gathered: list[np.ndarray] | None
) -> GapCertificate | None:
    """The certificate of ``out.weights`` (K, N), the same on every rank; None when the
    objective cannot be certified across ranks. ``gathered``: the tail rows of each run
    (rank 0's), from :func:`.finish.sharded_finish`."""
    impl = problem.spec.impl
    if impl.is_quadratic and not impl.needs_benchmark:
        return certify(problem.moment_problem(), out.weights, None, finish=out.polish)
    if gathered is None:
        model = None if has_trading(problem.constraints) else sharded_pieces(problem)
        return None if model is None else pieces_certificate(problem, model, out.weights)
    if len(gathered) != 1:
        return None
    cert = _tail_certificate(problem, out, gathered[0]) if problem.ctx.is_main else None
    return problem.ctx.broadcast_object(cert)  # type: ignore[return-value]


def _tail_certificate(
    problem: ShardedProblem, out: EngineOutput, rows: np.ndarray
) -> GapCertificate | None:
    """Rank 0: the dual bound over the gathered ``rows`` (S, N), gap from ``f(w)``."""
    m = (1.0 - problem.spec.alpha) * problem.n_rows
    if rows.shape[0] <= m:
        return None
    spec = problem.spec
    if rows.shape[0] < problem.n_rows:
        spec = dataclasses.replace(spec, alpha=1.0 - m / rows.shape[0])
    cert = optimality_gap(
        spec,
        rows,
        out.weights.detach().to("cpu", torch.float64).numpy(),
        mean=problem.mean.to("cpu", torch.float64).numpy(),
        feasible=problem.constraints.linear_oracle(problem.n_assets),
    )
    value = out.objective.detach().to("cpu", torch.float64).numpy()
    lower = cert.lower_bound
    gap = np.maximum(value - lower, 0.0) + ROUNDING_ALLOWANCE * (np.abs(value) + np.abs(lower))
    gap = np.where(np.isfinite(value) & np.isfinite(lower), gap, np.inf)
    scale = np.maximum(cert.scale, np.abs(value))
    return dataclasses.replace(
        cert,
        objective=problem.spec.objective.value,
        gap=gap,
        relative=gap / scale,
        value=value,
        scale=scale,
        method=f"{cert.method} (over {rows.shape[0]} rows gathered across ranks)",
    )
