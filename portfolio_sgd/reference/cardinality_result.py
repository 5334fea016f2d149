"""The :class:`ExactCardinality` record: a mixed-integer optimum and how it was proven."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ExactCardinality"]


@dataclass(frozen=True)
class ExactCardinality:
    """The mixed-integer optimum: weights (N,), value, support, and the bracket.

    ``lower <= f* <= value``; ``value - lower`` is the reference's own precision.
    """

    weights: np.ndarray
    value: float
    lower: float
    support: tuple[int, ...]
    n_supports: int
    method: str
