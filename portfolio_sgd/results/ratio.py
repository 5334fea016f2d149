"""The :class:`RatioReport`: a max-ratio solve, its ratio and the certified upper bound."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RatioReport:
    """The outcome of a max-ratio solve (``OptimizationResult.reports``).

    Attributes
    ----------
    measure : str
        The denominator's measure (volatility: the Sharpe ratio).
    ratio : float
        ``(mu.w - rf) / rho(w)`` of the weights, per period of the data (not annualised).
    upper_bound : float
        A proven upper bound on the best ratio over the constraints.
    risk_free_rate : float
        ``rf`` per period.
    excess_return, risk : float
        ``mu.w - rf`` and ``rho(w)`` (daily units).
    iterations : int
        Utility runs of the ratio's solve.
    method : str
        How the weights were solved and the bound proven.
    """

    measure: str
    ratio: float
    upper_bound: float
    risk_free_rate: float
    excess_return: float
    risk: float
    iterations: int
    method: str

    def json_entries(self) -> dict[str, object]:
        """``{"max_ratio": {...}}``: this record as a dict."""
        return {"max_ratio": asdict(self)}
