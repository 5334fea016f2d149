"""The :class:`RiskLimitReport`: how a risk limit was met, with its multiplier."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RiskLimitReport:
    """The outcome of a risk-limited optimisation (``OptimizationResult.reports``).

    Attributes
    ----------
    measure : str
        ``"volatility"`` (annualised) or ``"cvar"`` (daily, at ``alpha``).
    limit : float
        The cap.
    alpha : float or None
        CVaR level (cvar only).
    risk : float
        The reported portfolio's risk (exact float64 evaluation), ``<= limit``.
    slack : float
        ``limit - risk`` (0 when the limit binds, up to float64 rounding).
    binds : bool
        Whether the limit is active: the unconstrained optimum exceeds it.
    multiplier : float
        The limit's Lagrange multiplier (shadow price) in the objective's daily units
        per unit of the limit as stated: ``-d f* / d limit``. 0 when it does not bind.
        Interpolated (``log nu`` linear in risk) between the bracketing runs.
    penalty : float or None
        The Lagrangian family's parameter at that multiplier (``penalty_name``).
    penalty_name : str
        ``"risk_aversion"`` (mean-variance family) or ``"return_weight"`` (mean-CVaR).
    bracket : tuple of float
        ``(nu_over, nu_within)``: Lagrangian multipliers of the runs just over and just
        within the limit, between which the optimum's multiplier lies.
    lower_bound : float
        A proven lower bound on the constrained optimum ``f*`` (weak duality).
    minimum_risk : float or None
        The least risk found under the constraints (the minimum-risk run), when solved.
    rounds, runs : int
        Batched rounds and Lagrangian runs the search took.
    stop_reason : str
        ``"not binding"``, ``"certified"`` (gap within the target), ``"bracket
        collapsed"`` (the multiplier is pinned to 1e-6 relative, yet the gap is above the
        target: the runs' own accuracy) or ``"max rounds"``.
    """

    measure: str
    limit: float
    alpha: float | None
    risk: float
    slack: float
    binds: bool
    multiplier: float
    penalty: float | None
    penalty_name: str
    bracket: tuple[float, float]
    lower_bound: float
    minimum_risk: float | None
    rounds: int
    runs: int
    stop_reason: str

    @property
    def relative_violation(self) -> float:
        """``max(risk - limit, 0) / limit``."""
        return max(self.risk - self.limit, 0.0) / self.limit

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (infinite numbers as None)."""

        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "measure": self.measure,
            "limit": self.limit,
            "alpha": self.alpha,
            "risk": self.risk,
            "slack": self.slack,
            "binds": self.binds,
            "multiplier": num(self.multiplier),
            "penalty": num(self.penalty),
            "penalty_name": self.penalty_name,
            "bracket": [num(self.bracket[0]), num(self.bracket[1])],
            "lower_bound": num(self.lower_bound),
            "minimum_risk": num(self.minimum_risk),
            "rounds": self.rounds,
            "runs": self.runs,
            "stop_reason": self.stop_reason,
        }

    def json_entries(self) -> dict[str, object]:
        """``{"risk_limit": to_dict()}`` (the result's JSON)."""
        return {"risk_limit": self.to_dict()}
