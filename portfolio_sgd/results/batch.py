"""The result record of K runs optimised together (:func:`portfolio_sgd.optimize_many`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class BatchResult:
    """K runs optimised together as one (K, N) tensor.

    Attributes
    ----------
    weights : pandas.DataFrame, shape (K, N)
        Final weights of every run (rows follow ``runs``).
    runs : pandas.DataFrame, shape (K, ...)
        Per-run settings and outcomes: ``batch_size``, ``risk_aversion``, ``lr``,
        ``objective_value``, ``samples_seen``, ``polished`` (exact CVaR finish); with ``certify=True`` also
        ``optimality_gap``, ``relative_gap_bound`` and ``converged``.
    last_weights : pandas.DataFrame, shape (K, N)
        Last iterates (equal to ``weights`` without averaging).
    wall_time : float
    steps : int
    device, dtype : str
    seed : int
    history : list of dict
        Raw engine history (per-run lists).
    """

    weights: pd.DataFrame
    runs: pd.DataFrame
    last_weights: pd.DataFrame
    wall_time: float
    steps: int
    device: str
    dtype: str
    seed: int
    history: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "weights": self.weights.to_dict(orient="records"),
            "runs": self.runs.to_dict(orient="records"),
            "wall_time": self.wall_time,
            "steps": self.steps,
            "device": self.device,
            "dtype": self.dtype,
            "seed": self.seed,
        }
