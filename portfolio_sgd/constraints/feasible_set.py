"""The :class:`Constraints` record: the feasible set as a composition of parts."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart
from .bounds import Bounds
from .budget import Budget
from .cardinality import Cardinality
from .leverage import Leverage
from .projection import Projector, projector_for


@dataclass(frozen=True)
class Constraints:
    """Fully-invested portfolio constraints: budget, per-asset bounds, gross leverage.

    Parameters
    ----------
    min_weight : float, default 0.0
        Per-asset lower bound ``lo``. Must be ``>= 0`` unless ``long_short`` is true.
    max_weight : float, default 1.0
        Per-asset upper bound ``hi``.
    long_short : bool, default False
        Allow negative weights (``lo < 0``).
    max_leverage : float or None, default None
        Gross-leverage cap ``L``: ``sum |w_i| <= L``. ``None`` (or ``inf``) means no cap.
        Must be ``>= 1`` (any fully-invested portfolio has ``sum |w| >= 1``). With
        ``lo >= 0`` it is always satisfied and has no effect.
    max_assets : int or None, default None
        Cardinality ``k``: at most ``k`` non-zero weights (long-only, ``min_weight = 0``).
    min_position : float, default 0.0
        Minimum position ``x``: each weight is 0 or at least ``x``. With ``max_assets``
        it makes the problem combinatorial; :func:`portfolio_sgd.optimize` then runs the
        heuristic of :mod:`portfolio_sgd.cardinality` (see :meth:`relaxed`).

    Notes
    -----
    The set is non-empty exactly when ``lo <= hi``, ``N * lo <= 1 <= N * hi`` and
    ``L >= 1``: then the equal-weight portfolio ``1/N`` is feasible (its gross leverage
    is 1), so the leverage cap can never conflict with the bounds on its own.
    """

    min_weight: float = 0.0
    max_weight: float = 1.0
    long_short: bool = False
    max_leverage: float | None = None
    max_assets: int | None = None
    min_position: float = 0.0

    @property
    def parts(self) -> tuple[ConstraintPart, ...]:
        """The parts that can bind: budget, bounds, and the leverage cap if it can matter."""
        parts: list[ConstraintPart] = [
            Budget(),
            Bounds(self.min_weight, self.max_weight, self.long_short),
        ]
        cap = self._cap()
        if cap is not None:
            parts.append(Leverage(cap))
        return tuple(parts)

    # ------------------------------------------------------------------ checks
    def validate(self, n_assets: int) -> None:
        """Raise :class:`InfeasibleConstraintError` if no portfolio of ``n_assets`` is feasible.

        Each part checks its own parameters and its feasibility with the budget.
        """
        if not isinstance(n_assets, numbers.Integral) or n_assets < 1:
            raise InfeasibleConstraintError(
                f"n_assets must be a positive integer, got {n_assets!r}"
            )
        Bounds(self.min_weight, self.max_weight, self.long_short).validate(n_assets)
        if self.max_leverage is not None:
            Leverage(self.max_leverage).validate(n_assets)
        card = self.cardinality
        if card is not None:
            if self.long_short or self.min_weight != 0:
                raise InfeasibleConstraintError(
                    "max_assets/min_position need a long-only portfolio with min_weight 0, "
                    f"got min_weight {self.min_weight:g}"
                    + (" and long_short" if self.long_short else "")
                )
            card.validate(n_assets)

    # ------------------------------------------------------------ cardinality
    @property
    def cardinality(self) -> Cardinality | None:
        """The combinatorial part (count cap, minimum position), or None without one."""
        if self.max_assets is None and not self.min_position:
            return None
        return Cardinality(self.max_assets, float(self.min_position), float(self.max_weight))

    @property
    def is_combinatorial(self) -> bool:
        """Whether a cardinality cap or a minimum position is set."""
        return self.cardinality is not None

    def relaxed(self) -> Constraints:
        """The convex relaxation: these constraints without the cardinality part."""
        return Constraints(self.min_weight, self.max_weight, self.long_short, self.max_leverage)

    def _cap(self) -> float | None:
        """The leverage cap if it can matter (long-short, finite), else ``None``."""
        lev = self.max_leverage
        if lev is None or math.isinf(lev) or self.min_weight >= 0:
            return None
        return float(lev)

    @property
    def allows_metric_projection(self) -> bool:
        """Whether a diagonal-metric projection exists (budget and bounds only)."""
        return not (self.max_leverage is not None and self.long_short)

    # ------------------------------------------------------------- projection
    def project(self, w: torch.Tensor) -> torch.Tensor:
        """Euclidean projection of each row of ``w`` (K, N) or (N,) onto the feasible set.

        Returns
        -------
        torch.Tensor, same shape, dtype and device as ``w``
            Feasible weights; ``P(P(w)) == P(w)`` up to rounding.

        Raises
        ------
        InfeasibleConstraintError
            If the constraints are infeasible for ``N = w.shape[-1]`` assets.
        """
        n = int(w.shape[-1]) if w.ndim > 0 else 0
        return self.projector(n)(w)

    def projector(self, n_assets: int) -> Projector:
        """The projection kernel for ``n_assets``, validated once (for per-step use).

        The exact kernel of the composition (see :mod:`.projection`).
        """
        self.validate(n_assets)
        return projector_for(self.parts)

    def feasible_start(
        self, n_assets: int, *, dtype: torch.dtype = torch.float64, device: Any = None
    ) -> torch.Tensor:
        """A feasible starting point (N,): the equal-weight portfolio, projected."""
        self.validate(n_assets)
        start = torch.full((n_assets,), 1.0 / n_assets, dtype=dtype, device=device)
        return self.project(start)

    # ----------------------------------------------------------- reporting
    def violations(self, w: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each part's largest violation by the rows of ``w`` (K, N): name -> (K,)."""
        parts = (*self.parts, self.cardinality) if self.is_combinatorial else self.parts
        return {part.name: part.violation(w) for part in parts if part is not None}

    def is_feasible(self, w: torch.Tensor, atol: float = 1e-6) -> torch.Tensor:
        """Row-wise feasibility test within ``atol`` (every part, finite weights).

        Returns
        -------
        torch.Tensor of bool, shape (K,) (or a 0-d tensor for an (N,) input)
        """
        parts = list(self.parts)
        lev = self.max_leverage
        if lev is not None and not math.isinf(lev) and self._cap() is None:
            parts.append(Leverage(float(lev)))  # checked even where it cannot bind
        card = self.cardinality
        if card is not None:
            parts.append(card)
        ok = torch.isfinite(w).all(dim=-1)
        for part in parts:
            ok = ok & (part.violation(w) <= atol)
        return ok

    def linear_oracle(self, n_assets: int) -> Any:
        """The linear minimisation oracle of the set (for optimality certificates).

        Returns
        -------
        portfolio_sgd.certificate.FeasibleSet
            ``.minimize(c)`` gives ``argmin_{s in C} c.s`` row by row.
        """
        from ..certificate import FeasibleSet

        self.validate(n_assets)
        return FeasibleSet(n_assets, self.min_weight, self.max_weight, self._cap())

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        """The cvxpy form of every part, for the exact reference."""
        return [c for part in self.parts for c in part.cvxpy(cp, w)]

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable); the cardinality fields only when set."""
        out = asdict(self)
        if out.get("max_assets") is None:
            out.pop("max_assets", None)
        if not out.get("min_position"):
            out.pop("min_position", None)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraints:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        fields = (
            "min_weight", "max_weight", "long_short", "max_leverage", "max_assets", "min_position"
        )  # fmt: skip
        return cls(**{k: data[k] for k in fields if k in data})
