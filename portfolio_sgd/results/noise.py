"""SGD's stationary spread next to the bootstrap's (a record of the error bars).

Computed by :func:`portfolio_sgd.solvers.noise_comparison.compare_noise`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

NEGLIGIBLE = 0.1
"""SGD's total spread counts as negligible at this fraction of the data's."""


@dataclass(frozen=True)
class NoiseComparison:
    """SGD's stationary spread and the data's bootstrap spread, per asset and in total.

    Attributes
    ----------
    sgd_sd, data_se : pandas.Series, shape (N,)
        Stationary standard deviation of constant-step SGD iterates at ``batch_size``, and
        the bootstrap standard error, by ticker.
    sgd_total, data_total : float
        Root sums of the per-asset variances.
    ratio : float
        ``sgd_total / data_total``.
    dominant : {"sgd", "data"}
    batch_size, lr, temperature : float
        ``m``, ``eta`` and ``eta sigma^2 / (2 m)`` (``sigma^2``: trace of the tangent-space
        per-sample gradient covariance).
    negligible_batch_size : int
        Smallest ``m`` with ``sgd_total(m) <= 0.1 data_total`` (T: only full-data steps).
    note : str
    n_rows : int
        T, the scenarios of the history.
    """

    sgd_sd: pd.Series
    data_se: pd.Series
    sgd_total: float
    data_total: float
    ratio: float
    dominant: str
    batch_size: int
    lr: float
    temperature: float
    negligible_batch_size: int
    note: str
    n_rows: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (per-asset values as ticker -> value)."""
        return {
            "sgd_sd": {str(k): float(v) for k, v in self.sgd_sd.items()},
            "data_se": {str(k): float(v) for k, v in self.data_se.items()},
            "sgd_total": self.sgd_total,
            "data_total": self.data_total,
            "ratio": self.ratio,
            "dominant": self.dominant,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "temperature": self.temperature,
            "negligible_batch_size": self.negligible_batch_size,
            "note": self.note,
            "n_rows": self.n_rows,
        }

    def summary(self) -> str:
        """One sentence: which noise dominates and the batch size that makes SGD's negligible."""
        who = "SGD's own noise" if self.dominant == "sgd" else "the data's sampling error"
        m = self.negligible_batch_size
        need = f"m = {m} (the full data)" if m >= self.n_rows else f"m >= {m}"
        return (
            f"at m = {self.batch_size} SGD's stationary spread is {self.ratio:.2g}x the "
            f"bootstrap's: {who} dominates; {need} makes SGD's <= {NEGLIGIBLE:.0%} of the data's"
        )
