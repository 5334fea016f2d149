"""The constraint-part protocol: what every part of a feasible set implements.

A feasible set is a composition of parts (budget, bounds, leverage; later groups,
turnover, cardinality). Each part, in its own module:

- validates its own parameters and its feasibility for N assets up front
  (:meth:`ConstraintPart.validate`, raising :class:`InfeasibleConstraintError`);
- reports its violation by a (K, N) stack of portfolios (:meth:`violation`);
- gives its cvxpy form for the exact reference (:meth:`cvxpy`);
- takes part in the projection: :mod:`portfolio_sgd.constraints.projection` picks an
  exact kernel for the composition (see there for the extension point).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch


class ConstraintPart:
    """Base class of the constraint parts.

    Class attributes
    ----------------
    name : str
        Short label used in reports (``budget``, ``bounds``, ``leverage``).
    """

    name: ClassVar[str] = ""

    def validate(self, n_assets: int) -> None:
        """Raise :class:`InfeasibleConstraintError` if the part admits no portfolio."""

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        """Largest violation (>= 0) of each row of ``w`` (K, N): shape (K,)."""
        raise NotImplementedError

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        """cvxpy constraints on the variable ``w`` (N,)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line human description."""
        return self.name
