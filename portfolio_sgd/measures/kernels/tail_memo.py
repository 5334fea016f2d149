"""The last tail LPs of a measure's finish, kept for their certificates.

A run's exact finish (:func:`.tail_lp.solve_tail_lp`) and its certificate
(:func:`.tail_lp.minorant_bound`) need the same LP: the finish its weights, the
certificate its row multipliers. :class:`TailMemo` keeps the last few forms and solutions
of the finish, keyed by a digest of the data, the level, the feasible polytope and the
linear term, so the certificate of a finished run reads the finish's multipliers instead
of solving the LP again. The finish itself always solves (a repeated call does the same
work). A hit can only reuse multipliers of the very same LP; and the minorant is a proven
bound for any multipliers ``>= 0``, so the certificate stays proven either way.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from .tail_form import TailForm
from .tail_lp import TailSolution

__all__ = ["TailMemo", "digest", "polytope_digest"]

MEMO_SIZE = 4
"""Solved LPs kept at most."""


def digest(*arrays: Any) -> bytes:
    """A digest of arrays' shapes and contents (and of plain numbers)."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        arr = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    return h.digest()


def polytope_digest(polytope: Any) -> bytes:
    """A digest of a :class:`~portfolio_sgd.constraints.polytope.Polytope`'s arrays."""
    parts = [polytope.a_ub, polytope.b_ub, polytope.a_eq, polytope.b_eq]
    parts += [polytope.lower, polytope.upper, polytope.lift]
    if polytope.x_cost is not None:
        parts.append(polytope.x_cost)
    return digest(*parts)


class TailMemo:
    """The last :data:`MEMO_SIZE` exact finishes of a measure: ``(form, solution)``."""

    def __init__(self) -> None:
        self._kept: OrderedDict[bytes, tuple[TailForm, TailSolution]] = OrderedDict()

    def put(self, key: bytes, linear: np.ndarray, form: TailForm, sol: TailSolution) -> None:
        """Keep an exact finish of the LP ``key`` with ``linear`` (N,)."""
        if sol.status != "exact":
            return
        self._kept[key + digest(linear)] = (form, sol)
        while len(self._kept) > MEMO_SIZE:
            self._kept.popitem(last=False)

    def take(self, key: bytes, linear: np.ndarray) -> tuple[TailForm, TailSolution] | None:
        """The kept finish of the LP ``key`` with ``linear``, removed (None: none kept)."""
        return self._kept.pop(key + digest(linear), None)
