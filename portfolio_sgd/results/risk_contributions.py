"""The risk-budgeting part of a result: each asset's share of the portfolio variance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class RiskContributions:
    """Risk parity / budgeting: ``w_i (Sigma w)_i / w' Sigma w`` by ticker.

    Attributes
    ----------
    shares : pandas.Series, shape (N,)
        Each asset's share of the portfolio variance (they sum to 1), indexed by ticker.
    """

    shares: pd.Series

    def json_entries(self) -> dict[str, object]:
        """``{"risk_contributions": {ticker: share}}``."""
        return {"risk_contributions": {str(k): float(v) for k, v in self.shares.items()}}
