"""The exposure caps: gross leverage ``sum |w_i| <= L``, total short ``sum max(-w_i, 0) <= S``
and total long ``sum max(w_i, 0) <= M`` (binding only for long-short portfolios).

With a fixed budget ``B`` the three are one cap: long minus short is ``B`` and long plus
short is the gross exposure, so each caps the long side, ``long <= min((B + L) / 2, M,
B + S)``; :attr:`Leverage.cap` is the gross cap this gives, ``2 long_max - B``, and the
projection, the oracle and the finishes use it. The caps themselves are kept for the
checks and the report.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InfeasibleConstraintError
from .base import ConstraintPart


def effective_cap(
    budget: float, gross: float | None, max_short: float | None, max_long: float | None
) -> float | None:
    """The gross cap equivalent to the three caps under the budget ``B`` (None: no cap)."""
    long_caps = [0.5 * (budget + gross)] if gross is not None and not math.isinf(gross) else []
    if max_long is not None:
        long_caps.append(float(max_long))
    if max_short is not None:
        long_caps.append(budget + float(max_short))
    return 2.0 * min(long_caps) - budget if long_caps else None


@dataclass(frozen=True)
class Leverage(ConstraintPart):
    """``sum |w_i| <= cap`` (the effective gross cap), with the caps it comes from.

    ``cap >= |budget|``, since a portfolio summing to ``B`` has ``sum|w| >= |B|``.
    """

    cap: float
    budget: float = 1.0
    max_short: float | None = None
    max_long: float | None = None
    gross: float | None = None
    name = "leverage"

    def validate(self, n_assets: int) -> None:
        for label, value in (
            ("max_leverage", self.cap if self.gross is None else self.gross),
            ("max_short", self.max_short),
            ("max_long", self.max_long),
        ):
            if value is None:
                continue
            if not isinstance(value, numbers.Real) or math.isnan(value) or value < 0:
                raise InfeasibleConstraintError(f"{label} must be a number >= 0, got {value!r}")
        cap, b = self.cap, self.budget
        if cap < abs(b) - 1e-12:
            if self.max_short is None and self.max_long is None:
                raise InfeasibleConstraintError(
                    f"max_leverage {cap:g} < {abs(b):g}: a portfolio summing to {b:g} "
                    f"has sum|w| >= {abs(b):g}"
                )
            raise InfeasibleConstraintError(
                f"exposure caps leave a long side of at most {0.5 * (cap + b):g} for a "
                f"budget of {b:g}: no portfolio satisfies them"
            )

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        out = (w.abs().sum(dim=-1) - self.cap).clamp_min(0.0)
        if self.max_short is not None:
            out = torch.maximum(out, ((-w).clamp_min(0).sum(-1) - self.max_short).clamp_min(0))
        if self.max_long is not None:
            out = torch.maximum(out, (w.clamp_min(0).sum(-1) - self.max_long).clamp_min(0))
        return out

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        out = [cp.norm1(w) <= self.cap]
        if self.max_short is not None:
            out.append(cp.sum(cp.neg(w)) <= self.max_short)
        if self.max_long is not None:
            out.append(cp.sum(cp.pos(w)) <= self.max_long)
        return out

    def describe(self) -> str:
        parts = [f"sum|w_i| <= {self.cap:g}"]
        if self.max_short is not None:
            parts.append(f"short <= {self.max_short:g}")
        if self.max_long is not None:
            parts.append(f"long <= {self.max_long:g}")
        return ", ".join(parts)
