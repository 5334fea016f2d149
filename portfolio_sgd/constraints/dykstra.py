"""The general projection: Dykstra's alternating projections over a list of convex sets.

The Euclidean projection onto an intersection ``C_1 ∩ ... ∩ C_p`` of closed convex sets,
each with its own cheap projection, is the limit of Dykstra's algorithm (Boyle and
Dykstra 1986): cycle through the sets, projecting ``x + y_j`` onto ``C_j`` and keeping
the correction ``y_j``. Unlike plain alternating projections it converges to the
projection itself, not just to some feasible point.

:class:`DykstraProjector` runs it batched over the ``(K, N)`` rows in float64 until every
set is violated by at most ``tol`` (checked after each sweep) and the iterate has
settled, whatever the engine's dtype (a float64 polish for float32 runs). The sets are a
list of :class:`ConvexSet`: the base set (budget, bounds and leverage, with its exact
kernel) and one half-space or hyperplane per linear row; another convex set with a
projection (e.g. a turnover ball around previous weights) is added by appending it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["ConvexSet", "DykstraProjector", "halfspaces"]


@dataclass(frozen=True, eq=False)
class ConvexSet:
    """A closed convex set given by its projection and its violation.

    Attributes
    ----------
    project : callable
        ``(K, N) -> (K, N)``, the Euclidean projection (float64 in, float64 out).
    violation : callable
        ``(K, N) -> (K,)``, the largest violation (0 inside).
    name : str
    """

    project: Callable[[torch.Tensor], torch.Tensor]
    violation: Callable[[torch.Tensor], torch.Tensor]
    name: str


def halfspaces(
    a: np.ndarray, b: np.ndarray, equality: bool, names: Sequence[str]
) -> list[ConvexSet]:
    """One :class:`ConvexSet` per row: ``a_j w <= b_j`` (or ``= b_j`` when ``equality``)."""
    out = []
    for row, rhs, name in zip(a, b, names, strict=True):
        out.append(_halfspace(np.asarray(row, dtype=np.float64), float(rhs), equality, name))
    return out


def _halfspace(row: np.ndarray, rhs: float, equality: bool, name: str) -> ConvexSet:
    cache: dict[torch.device, torch.Tensor] = {}
    norm2 = float(row @ row)

    def vec(x: torch.Tensor) -> torch.Tensor:
        if x.device not in cache:
            cache[x.device] = torch.as_tensor(row, dtype=torch.float64, device=x.device)
        return cache[x.device]

    def residual(x: torch.Tensor) -> torch.Tensor:
        r = x @ vec(x) - rhs
        return r if equality else r.clamp_min(0.0)

    def project(x: torch.Tensor) -> torch.Tensor:
        return x - (residual(x) / norm2)[:, None] * vec(x)

    def violation(x: torch.Tensor) -> torch.Tensor:
        return residual(x).abs()

    return ConvexSet(project=project, violation=violation, name=name)


class DykstraProjector:
    """Dykstra's algorithm over ``sets``, batched over rows.

    Parameters
    ----------
    sets : sequence of ConvexSet
        The base set first is best (its kernel is exact and the result lands in it).
    tol : float, default 1e-10
        Largest violation of any set accepted, and the settling tolerance of the iterate.
    max_sweeps : int, default 20000
        Cap on the sweeps through all sets (the result then is the last iterate).
    """

    def __init__(self, sets: Sequence[ConvexSet], tol: float = 1e-10, max_sweeps: int = 20000):
        self.sets = list(sets)
        self.tol = float(tol)
        self.max_sweeps = int(max_sweeps)
        self.last_sweeps = 0

    def violation(self, x: torch.Tensor) -> torch.Tensor:
        """Largest violation (K,) of any set."""
        return torch.stack([s.violation(x) for s in self.sets]).amax(0)

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """Project each row of ``v`` (K, N) or (N,); same shape, dtype and device."""
        shape, dtype = v.shape, v.dtype
        x = v.reshape(-1, shape[-1]).to(torch.float64)
        # the first projection alone is often the answer (nothing else binds)
        first = self.sets[0].project(x)
        if bool((self.violation(first) <= self.tol).all()):
            self.last_sweeps = 0
            return first.reshape(shape).to(dtype)
        corr = [torch.zeros_like(x) for _ in self.sets]
        for sweep in range(1, self.max_sweeps + 1):
            prev = x
            for j, s in enumerate(self.sets):
                y = x + corr[j]
                x = s.project(y)
                corr[j] = y - x
            self.last_sweeps = sweep
            if sweep % 4 == 0 or sweep < 4:
                moved = (x - prev).abs().amax()
                if bool(moved <= self.tol) and bool((self.violation(x) <= self.tol).all()):
                    break
        return x.reshape(shape).to(dtype)
