"""Which runs take the weights of a sharded exact finish (as the single-process finish)."""

from __future__ import annotations

import torch

from .ops import sharded_evaluate
from .problem import ShardedProblem


def adopt_finished(
    problem: ShardedProblem,
    weights: torch.Tensor,
    objective: torch.Tensor,
    finished: torch.Tensor,
    exact: list[bool],
    lam: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The runs' weights (K, N) and exact objective (K,) after the finish.

    ``finished`` (K, N) are the finish's weights (projected onto the set here, LP rounding),
    ``exact`` (K,) whether each is a verified optimum. A run takes them when they are
    verified exact, or when they lower its exact full-data objective (all-reduced).
    """
    candidate = problem.constraints.project(finished.to(weights.device)).to(weights.dtype)
    value = sharded_evaluate(problem, candidate, lam)
    verified = torch.tensor(exact, dtype=torch.bool, device=weights.device)
    take = verified | (value < objective)
    return torch.where(take[:, None], candidate, weights), torch.where(take, value, objective)
