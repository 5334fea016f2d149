"""The exact finish and certificate of the scenario-pieces measures in a sharded run.

MAD and the first lower partial moments are means of one kinked piece per scenario
(:class:`~portfolio_sgd.measures.kernels.scenario_pieces.ScenarioPieces`). Their
single-process finish (:func:`~portfolio_sgd.measures.kernels.pieces_finish.pieces_finish`)
fixes every piece's side at a centre, frees a window of pieces near their kink, solves
the window LP and verifies the LP point on every scenario. Here the same kernel runs on
every rank over :class:`.sharded_rows.ShardedRows`: the portfolio returns ``R w`` are
all-gathered (T floats), the fixed pieces' gradient ``R' s`` all-reduced and the window's
rows assembled from the ranks that hold them, so every rank solves the same window LPs
and verifies the point on all T scenarios; rank 0's weights are broadcast at the end. The
certificate is the kernel's window dual-LP bound over the same sharded model.

Pair pieces (the Gini mean difference, T^2 pairs) have no sharded form: their finish is
off in a sharded run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..certificate import GapCertificate
from ..certificate.api import _certificate
from ..measures.kernels.pieces_finish import FinishRow, pieces_bound, pieces_finish
from ..measures.kernels.scenario_pieces import ScenarioPieces
from ..measures.linear_term import host_linear
from ..objectives import scenario_losses
from ..objectives.common import mean_returns, portfolio_returns
from .adopt import adopt_finished
from .problem import ShardedProblem
from .sharded_rows import ShardedRows


def sharded_pieces(problem: ShardedProblem) -> ScenarioPieces | None:
    """The objective's measure's scenario pieces over every rank's rows; None when the
    objective has no scenario-pieces measure (or its pieces are pairs)."""
    measure = getattr(problem.spec.impl, "risk", None)
    if measure is None or not hasattr(measure, "pieces"):
        return None
    probe = measure.pieces(np.zeros((2, problem.n_assets)))
    if not isinstance(probe, ScenarioPieces):
        return None
    return measure.pieces(ShardedRows(problem))


def _linear(problem: ShardedProblem, lam: torch.Tensor | None, runs: int) -> tuple[Any, Any]:
    """``(a (K,), c (K, N))`` of ``f = a (rho + c.w)`` for the runs' parameters."""
    spec = problem.spec
    per_run = lam
    if per_run is None:
        per_run = torch.full((runs,), float(getattr(spec, spec.impl.per_run_parameter)))
    mean = problem.mean.detach().to("cpu", torch.float64)
    return spec.impl.measure_terms(mean, per_run.detach().to("cpu", torch.float64))


def finish_pieces(
    problem: ShardedProblem,
    model: ScenarioPieces,
    weights: torch.Tensor,
    objective: torch.Tensor,
    lam: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, str, list[bool]]:
    """Every run's exact finish: ``(weights (K, N), objective (K,), summary, polished (K,))``,
    the same on every rank (``weights``, ``objective``: the engine's; ``lam`` (K,): per-run
    parameters, default the spec's)."""
    _, c = _linear(problem, lam, weights.shape[0])
    w64, lin = host_linear(weights, c)
    feasible = problem.constraints.linear_oracle(problem.n_assets)
    done = [pieces_finish(model, w64[k], feasible, lin[k]) for k in range(len(w64))]
    done = problem.ctx.broadcast_object(done)  # type: ignore[assignment]
    rows: list[FinishRow] = [row for _, row in done]
    finished = torch.from_numpy(np.stack([w for w, _ in done]))
    exact = [row.exact for row in rows]
    weights, objective = adopt_finished(problem, weights, objective, finished, exact, lam)
    return weights, objective, _summary(rows), exact


def pieces_certificate(
    problem: ShardedProblem,
    model: ScenarioPieces,
    weights: torch.Tensor,
    lam: torch.Tensor | None = None,
) -> GapCertificate:
    """The window dual-LP bound of ``weights`` (K, N) over every rank's scenarios, the
    same on every rank (rank 0's, broadcast)."""
    a, c = _linear(problem, lam, weights.shape[0])
    w64, lin = host_linear(weights, c)
    feasible = problem.constraints.linear_oracle(problem.n_assets)
    bounds = [pieces_bound(model, w64[k], feasible, lin[k]) for k in range(len(w64))]
    bounds = problem.ctx.broadcast_object(bounds)  # type: ignore[assignment]
    value = a * torch.tensor([b[0] for b in bounds], dtype=torch.float64)
    lower = a * torch.tensor([b[1] for b in bounds], dtype=torch.float64)
    violation = torch.as_tensor(feasible.violation(torch.as_tensor(w64)))
    method = f"{bounds[0][2]} (over every rank's scenarios)"
    return _certificate(
        problem.spec, value, lower, _abs_loss(problem, weights, lam), violation, method
    )


def _abs_loss(
    problem: ShardedProblem, weights: torch.Tensor, lam: torch.Tensor | None
) -> torch.Tensor:
    """The mean absolute per-scenario loss (K,) over all rows (the certificate's scale)."""
    with torch.no_grad():
        w = weights.to(problem.returns.dtype)
        x = portfolio_returns(problem.returns, w)
        losses = scenario_losses(problem.spec, x, mean_returns(w, problem.mean), None, None, lam)
        total = problem.ctx.all_reduce(losses.abs().sum(dim=1).to(torch.float64))
    return (total / problem.n_rows).cpu()


def _summary(rows: list[FinishRow]) -> str:
    """One line for K runs."""
    n_exact = sum(r.exact for r in rows)
    others = sorted({r.status for r in rows if not r.exact})
    head = "exact" if not others else "; ".join(others)
    return (
        f"{head} ({n_exact}/{len(rows)} runs exact; sharded window LP, {sum(r.rounds for r in rows)} "
        f"LPs, up to {max(r.window_rows for r in rows)} window rows gathered, "
        f"{sum(r.seconds for r in rows):.2f} s)"
    )
