"""The cardinality part of a result: the support found and how good it provably is."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CardinalityReport:
    """What the cardinality heuristic found (:mod:`portfolio_sgd.cardinality`).

    Attributes
    ----------
    support : tuple of str
        The held assets (tickers), in column order.
    n_held : int
        ``len(support)``.
    max_assets : int or None
    min_position : float
    method : str
        ``"relaxed optimum is feasible"`` (the convex optimum already satisfies the
        cardinality constraints, so it is the mixed-integer optimum up to its certified
        gap) or ``"heuristic"`` (support search, see the module).
    objective_value : float
        Full-data objective of the returned portfolio.
    relaxed_value : float
        Objective of the convex relaxation's solution (no count cap, no minimum).
    lower_bound : float
        ``relaxed_value`` minus the relaxation's certified gap: a valid lower bound on the
        mixed-integer optimum.
    gap_to_relaxed : float
        ``objective_value - lower_bound`` (>= 0 up to rounding): a valid bound on the
        suboptimality of the returned portfolio.
    relative_gap_to_relaxed : float
        ``gap_to_relaxed / |objective_value|``.
    support_gap, support_converged : float, bool
        The certified gap of the portfolio on its own support (the convex problem with the
        support fixed), and whether it meets the accuracy bar.
    candidates_evaluated : int
        Distinct supports re-optimised.
    local_search_rounds : int
        Swap rounds run (each one batched engine run over the neighbours).
    search_stop : str
        Why the local search stopped.
    smallest_held : float
        The smallest non-zero weight (compared with ``min_position``).
    """

    support: tuple[str, ...]
    n_held: int
    max_assets: int | None
    min_position: float
    method: str
    objective_value: float
    relaxed_value: float
    lower_bound: float
    gap_to_relaxed: float
    relative_gap_to_relaxed: float
    support_gap: float
    support_converged: bool
    candidates_evaluated: int
    local_search_rounds: int
    search_stop: str
    smallest_held: float = float("nan")

    def constraints_report(self) -> dict[str, dict[str, object]]:
        """Each cardinality constraint's status: ``active`` (at its limit) or ``slack``,
        with its value, limit and violation (0 when satisfied)."""
        out: dict[str, dict[str, object]] = {}
        if self.max_assets is not None:
            out["max_assets"] = {
                "value": self.n_held,
                "limit": self.max_assets,
                "status": "active" if self.n_held >= self.max_assets else "slack",
                "violation": float(max(0, self.n_held - self.max_assets)),
            }
        if self.min_position > 0:
            gap = self.smallest_held - self.min_position
            out["min_position"] = {
                "value": self.smallest_held,
                "limit": self.min_position,
                "status": "active" if abs(gap) <= 1e-9 else "slack",
                "violation": float(max(0.0, -gap)),
            }
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (the support as a list, and ``constraints_report``)."""
        out = asdict(self)
        out["support"] = list(self.support)
        out["constraints_report"] = self.constraints_report()
        return out

    def json_entries(self) -> dict[str, object]:
        """``{"cardinality": to_dict()}`` (the result's JSON)."""
        return {"cardinality": self.to_dict()}
