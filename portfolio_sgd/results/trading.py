"""The trading part of a result: the cost term and the one-way turnover."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TradingReport:
    """A run with trading settings (costs, impact, turnover limits, holdings).

    Attributes
    ----------
    transaction_cost : float
        The cost term at the weights (included in ``objective_value``).
    turnover : float
        One-way turnover ``sum |w - holdings| / 2`` against the holdings.
    """

    transaction_cost: float
    turnover: float

    def json_entries(self) -> dict[str, object]:
        """``transaction_cost`` and ``turnover`` at the top of the result's JSON."""
        return asdict(self)
