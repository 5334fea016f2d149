"""The row-weighting part of a result: recency weights and their effective sample size."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RecencyReport:
    """The row weights the objective used.

    Attributes
    ----------
    effective_sample_size : float
        Kish's ``(sum c)^2 / sum c^2`` of the row weights (T without any).
    half_life : float or None
        The recency half-life (periods) behind those row weights, if any.
    """

    effective_sample_size: float
    half_life: float | None = None

    def json_entries(self) -> dict[str, object]:
        """``effective_sample_size`` and ``half_life`` at the top of the result's JSON."""
        return asdict(self)
