"""Candidate supports of the cardinality heuristic and their swap neighbourhoods.

A support is a sorted tuple of asset indices. Candidates come from the relaxed solution
(its ``j`` largest weights, for every feasible count ``j``), from randomly perturbed
relaxed weights, and from the last iterates of iterative hard thresholding; the local
search moves to the best of a support's neighbours: swap one held asset for one not held
(and, with a minimum position, drop or add one where the count stays feasible).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

Support = tuple[int, ...]


def top_support(scores: np.ndarray, size: int) -> Support:
    """The ``size`` largest entries of ``scores`` (N,) (ties by lower index)."""
    order = np.argsort(-scores, kind="stable")[:size]
    return tuple(sorted(int(i) for i in order))


def initial_candidates(
    relaxed: np.ndarray,
    sizes: Sequence[int],
    *,
    restarts: int,
    seed: int,
    iht_weights: np.ndarray | None = None,
) -> list[Support]:
    """Distinct starting supports.

    Parameters
    ----------
    relaxed : ndarray, shape (N,)
        The relaxed (convex) optimum.
    sizes : sequence of int
        The counts of held assets to search (feasible with the bounds).
    restarts : int
        Randomly perturbed copies of ``relaxed`` (multiplicative log-normal noise plus a
        small additive jitter, so zero weights are ranked randomly) at the largest count.
    seed : int
    iht_weights : ndarray, shape (R, N), optional
        Last iterates of hard-thresholded SGD runs; their supports (largest count).
    """
    rng = np.random.default_rng(seed)
    out = [top_support(relaxed, j) for j in sizes]
    big = max(sizes)
    scale = max(float(np.abs(relaxed).max()), 1e-12)
    for _ in range(int(restarts)):
        noisy = relaxed * np.exp(0.5 * rng.standard_normal(relaxed.shape))
        noisy = noisy + 0.05 * scale * rng.random(relaxed.shape)
        out.append(top_support(noisy, big))
    if iht_weights is not None:
        out.extend(top_support(row, big) for row in iht_weights)
    return list(dict.fromkeys(out))


def neighbours(
    support: Support, n_assets: int, sizes: Iterable[int], order: np.ndarray, limit: int
) -> list[Support]:
    """Supports one move away: swap one held asset for one not held, drop one, add one.

    Parameters
    ----------
    support : tuple of int
    n_assets : int
    sizes : iterable of int
        Feasible counts (drops and adds only to these).
    order : ndarray, shape (N,)
        Priority of the assets not held (e.g. the relaxed weights): with more than
        ``limit`` swaps, only the best-ranked entering assets are tried.
    limit : int
        Rough cap on the number of swaps.
    """
    held = set(support)
    outside = [i for i in np.argsort(-order, kind="stable") if int(i) not in held]
    n_add = max(1, min(len(outside), int(limit) // max(1, len(support))))
    adds = [int(i) for i in outside[:n_add]]
    ok = set(sizes)
    out: list[Support] = []
    for drop in support:
        rest = held - {drop}
        out.extend(tuple(sorted(rest | {a})) for a in adds)
        if len(rest) in ok and rest:
            out.append(tuple(sorted(rest)))
    if len(support) + 1 in ok:
        out.extend(tuple(sorted(held | {a})) for a in adds)
    return list(dict.fromkeys(out))
